// Overload metrics, registered in the context's registry. Rejections go to the shared
// firebreak_requests_rejected_total{reason,route}; reasons used here:
//   rate_limited (429 from the per-account/per-address limits), login_limited (429 from the
//   brute-force limiter), shed (503 from priority load shedding), deadline (503 past the request
//   budget), challenged (403: under-attack mode wants a proof of work), abandoned (the client left
//   while waiting for a slot).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AppContext } from '../context.js';

export type RejectReason = 'rate_limited' | 'login_limited' | 'shed' | 'deadline' | 'challenged' | 'abandoned';

export interface OverloadMetrics {
  reject(reason: RejectReason, route: string): void;
  admitted: Counter<'priority'>;
  concurrencyLimit: Gauge;
  inflight: Gauge;
  queued: Gauge;
  underAttack: Gauge;
  challenges: Counter<'outcome'>;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function overloadMetrics(ctx: AppContext): OverloadMetrics {
  const registers = [ctx.metrics.registry];
  const r = ctx.metrics.registry;
  return {
    reject: (reason, route) => ctx.metrics.rejected.inc({ reason, route }),
    admitted: once(r, 'firebreak_overload_admitted_total', () => new Counter({
      name: 'firebreak_overload_admitted_total', help: 'Requests admitted past load shedding, by priority class', labelNames: ['priority'], registers })),
    concurrencyLimit: once(r, 'firebreak_overload_concurrency_limit', () => new Gauge({
      name: 'firebreak_overload_concurrency_limit', help: 'Current adaptive concurrency limit', registers })),
    inflight: once(r, 'firebreak_overload_inflight', () => new Gauge({
      name: 'firebreak_overload_inflight', help: 'Requests holding a concurrency slot', registers })),
    queued: once(r, 'firebreak_overload_queued', () => new Gauge({
      name: 'firebreak_overload_queued', help: 'Signed-in requests waiting for a concurrency slot', registers })),
    underAttack: once(r, 'firebreak_under_attack', () => new Gauge({
      name: 'firebreak_under_attack', help: '1 while under-attack mode (proof-of-work for anonymous expensive requests) is on', registers })),
    challenges: once(r, 'firebreak_pow_challenges_total', () => new Counter({
      name: 'firebreak_pow_challenges_total', help: 'Proof-of-work challenges issued and verification outcomes', labelNames: ['outcome'], registers })),
  };
}
