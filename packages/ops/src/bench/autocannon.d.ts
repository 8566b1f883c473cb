// The slice of autocannon's programmatic API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface Histogram { p50: number; p90: number; p99: number; max: number; mean: number }
  interface Result {
    duration: number; errors: number; timeouts: number; non2xx: number; '2xx': number;
    latency: Histogram; requests: Histogram & { sent: number; total: number };
  }
  interface Options {
    url: string; connections?: number; duration?: number;
    requests?: Array<{ method?: string; setupRequest?: (req: Record<string, unknown>) => Record<string, unknown> }>;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
