// A command-line entry point that dispatches to commands loaded on demand. The server's, the
// operations lab's and (by its own copy, since it shares no code) the status service's CLIs.
export type Command = () => Promise<{ main(args: string[]): Promise<number> }>;

export async function dispatch(usage: string, commands: Record<string, Command>, argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name ? commands[name] : undefined;
  if (!load) {
    process.stderr.write(`${usage}\n`);
    return name ? 2 : 0;
  }
  return (await load()).main(rest);
}

/** Runs `main` when `moduleUrl` is the program node was started with; sets the exit code. */
export function runIfMain(moduleUrl: string, main: (argv: string[]) => Promise<number>): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`); process.exitCode = 1; },
  );
}
