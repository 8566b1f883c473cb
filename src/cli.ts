// `firebreak <command>`: each role lives in its own module and is loaded only when asked for.
const commands: Record<string, { summary: string; load: () => Promise<{ main(args: string[]): Promise<number> }> }> = {
  serve: { summary: 'run an app server (PGlite under FIREBREAK_DATA_DIR, or DATABASE_URL)', load: () => import('./serve.js') },
  migrate: { summary: 'apply database migrations and exit', load: () => import('./migrate.js') },
  cluster: { summary: 'three local data centers: up | status | down | revive DC', load: () => import('./cluster/cli.js') },
  drill: { summary: 'fault drills: fire | partition | restart | flood', load: () => import('./drill/cli.js') },
  status: { summary: 'run the independent status service', load: () => import('./status/cli.js') },
  bench: { summary: 'generate a dataset and measure throughput and latency', load: () => import('./bench/cli.js') },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(8)} ${c.summary}`);
    process.stderr.write(`usage: firebreak <command> [options]\n${lines.join('\n')}\n`);
    return name ? 2 : 0;
  }
  return (await command.load()).main(rest);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`); process.exitCode = 1; },
  );
}
