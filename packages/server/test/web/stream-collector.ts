// What the streaming tests share: the messages a stream delivered, and a wait for the first one that
// matches (already delivered, or still to come).
export interface Collector<M> {
  messages: M[];
  push(m: M): void;
  next(match: (m: M) => boolean, timeoutMs?: number): Promise<M>;
}

export function collector<M>(): Collector<M> {
  const messages: M[] = [];
  const waiters: Array<{ match: (m: M) => boolean; resolve: (m: M) => void }> = [];
  return {
    messages,
    push(m) {
      messages.push(m);
      for (const w of [...waiters]) if (w.match(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
    },
    next(match, timeoutMs = 5000) {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`)), timeoutMs);
        waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
      });
    },
  };
}
