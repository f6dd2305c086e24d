import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { L2Operation } from './l2.ts';

/** Why a stale value was served: the loader failed, was slow, or is in fail-safe backoff. */
export type StaleReason = 'error' | 'timeout' | 'backoff';

export interface CacheMetrics {
  hits: Counter<'tier'>;
  misses: Counter;
  staleServes: Counter<'reason'>;
  l2Errors: Counter<'op'>;
  loadDuration: Histogram<'outcome'>;
  busReceived: Counter;
}

/**
 * The cache's metrics, registered in the app's registry. Labels are small
 * fixed sets (tier, reason, op, outcome): never a key or a tag, which would
 * make one time series per product or session. One Cache per registry:
 * prom-client refuses a second metric with the same name.
 *
 * Every read counts exactly one hit (by tier) or one miss, so the hit ratio
 * is `hits / (hits + misses)`; stale serves are the subset of misses that were
 * answered with a stale value instead of a fresh load.
 */
export function createCacheMetrics(
  registry: Registry,
  l1: () => { bytes: number; entries: number },
): CacheMetrics {
  const registers = [registry];
  const hits = new Counter({
    name: 'cache_hits_total',
    help: 'Reads answered with a fresh value, by tier (l1: in process, l2: Redis)',
    labelNames: ['tier'] as const,
    registers,
  });
  const misses = new Counter({
    name: 'cache_misses_total',
    help: 'Reads that found no fresh value in either tier (loaded, joined a load, or served stale)',
    registers,
  });
  const staleServes = new Counter({
    name: 'cache_stale_serves_total',
    help: 'Reads answered with an expired value within its grace period, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const l2Errors = new Counter({
    name: 'cache_l2_errors_total',
    help: 'Redis (L2) commands that failed or timed out; the cache went on without L2',
    labelNames: ['op'] as const,
    registers,
  });
  const loadDuration = new Histogram({
    name: 'cache_load_duration_seconds',
    help: 'Duration of loader calls (the source of truth behind the cache), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const busReceived = new Counter({
    name: 'cache_bus_messages_received_total',
    help: 'Invalidation messages received from other processes and applied to L1',
    registers,
  });
  new Gauge({
    name: 'cache_l1_size_bytes',
    help: 'Approximate size of the in-process cache (JSON length of values and keys)',
    registers,
    collect() {
      this.set(l1().bytes);
    },
  });
  new Gauge({
    name: 'cache_l1_entries',
    help: 'Entries in the in-process cache, stale copies kept for the grace period included',
    registers,
    collect() {
      this.set(l1().entries);
    },
  });

  // Zeroes from the start, so rates and ratios exist before the first event.
  for (const tier of ['l1', 'l2']) hits.inc({ tier }, 0);
  for (const reason of ['error', 'timeout', 'backoff'] satisfies StaleReason[]) {
    staleServes.inc({ reason }, 0);
  }
  for (const op of [
    'get',
    'set',
    'delete',
    'invalidate_tags',
    'publish',
    'flush',
  ] satisfies L2Operation[]) {
    l2Errors.inc({ op }, 0);
  }

  return { hits, misses, staleServes, l2Errors, loadDuration, busReceived };
}
