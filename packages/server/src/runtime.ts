// How the app server's Node process should be started. Its resident memory is mostly V8's heap, and
// under load V8 lets the heap grow to 115 to 175 MB (idle: 67 MB) and keeps it. Two flags bound that
// (BENCHMARKS.md, "Memory"): semi-spaces of 8 MB (Node 22 and later size them by the machine's
// memory, above Node 20's 16 MB), and a heap that grows by a fifth after each full collection, where
// V8 allows itself up to four times. Measured side by side under the bench's load on PostgreSQL: peak
// RSS 167 to 196 MB against 252 to 312 MB with 16 MB semi-spaces alone, for up to 4 points more of
// the app's CPU spent collecting. They must be given when the process starts.
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=20'];

/** Whether this process was started with SERVER_NODE_FLAGS (or its own choice of the same flags). */
export const startedWithServerFlags = (execArgv: string[] = process.execArgv) =>
  SERVER_NODE_FLAGS.every((flag) => execArgv.some((a) => a.startsWith(flag.split('=')[0]!)));
