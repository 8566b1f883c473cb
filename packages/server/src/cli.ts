#!/usr/bin/env node
// `firebreak-server serve | migrate`: the app server's own entry point. The `firebreak` command at the
// repository root fronts it together with the status service and the operations lab.
const commands: Record<string, () => Promise<{ main(args: string[]): Promise<number> }>> = {
  serve: () => import('./serve.js'),
  migrate: () => import('./migrate.js'),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name ? commands[name] : undefined;
  if (!load) {
    process.stderr.write('usage: firebreak-server serve | migrate\n');
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
