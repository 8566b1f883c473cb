#!/usr/bin/env node
// `firebreak-ops cluster | drill | bench`: the operations lab's entry point (fronted by `firebreak`).
const commands: Record<string, () => Promise<{ main(args: string[]): Promise<number> }>> = {
  cluster: () => import('./cluster/cli.js'),
  drill: () => import('./drill/cli.js'),
  bench: () => import('./bench/cli.js'),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name ? commands[name] : undefined;
  if (!load) {
    process.stderr.write('usage: firebreak-ops cluster | drill | bench\n');
    return name ? 2 : 0;
  }
  return (await load()).main(rest);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`); process.exitCode = 1; },
  );
}
