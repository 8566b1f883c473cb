// How the data layer tells "no answer" from an answer: a blackholed host sends no reset, so without a
// timer of our own an operation on it would wait out TCP (minutes).

/** A stuck operation: retryable like a lost connection (retry.ts lists its code). */
export class StalledError extends Error {
  readonly code = 'CONNECTION_STALLED';
}

/** work, or a StalledError once ms have passed without its answer. */
export async function withTimeout<T>(work: Promise<T>, ms: number, message = 'database ping timed out'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new StalledError(message)), ms); })]);
  } finally { clearTimeout(timer); }
}
