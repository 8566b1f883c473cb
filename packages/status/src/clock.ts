// Time comes from a Clock so tests can simulate a week in milliseconds. Timers stay real: loops in
// production use setTimeout; tests with a manual clock call the engine's steps directly instead.
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class ManualClock implements Clock {
  constructor(private time: number) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
  set(time: number): void {
    this.time = time;
  }
}
