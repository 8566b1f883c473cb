// How the app server's Node process should be started. Newer V8 (Node 22 and later) sizes the young
// generation by the machine's memory: on a 24 GB machine the app server's resident memory on
// PostgreSQL went from 191 MB (Node 20) to 312-321 MB; with 16 MB semi-spaces (Node 20's size) it
// was 204 MB. The flag must be given when the process starts: set at run time it barely changes
// anything (a 200-round allocation test: 352 MB without, 323 MB set at run time, 194 MB as a flag).
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=16'];

/** Whether this process was started with SERVER_NODE_FLAGS (or its own choice of the same flags). */
export const startedWithServerFlags = (execArgv: string[] = process.execArgv) =>
  SERVER_NODE_FLAGS.every((flag) => execArgv.some((a) => a.startsWith(flag.split('=')[0]!)));
