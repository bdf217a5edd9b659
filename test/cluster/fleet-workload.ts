/**
 * The deterministic workload of one fleet instance, and what the whole fleet must add up to.
 * Instance i records operation k (k = 0, 1, ...) at `k / rateOf(i)` seconds after "go", until it
 * has recorded `rateOf(i) * durationSeconds` operations: a known request rate while it runs, and
 * known totals afterwards.
 */
import { LATENCY_BOUNDS_SECONDS } from "../../src/signals/metric-definitions.js";

/**
 * Latencies cycled through, in seconds. The two largest (1.5 and 2) share the bucket
 * (1.28, 2.56] and the next (0.9) is in (0.64, 1.28]: the p95 of any stretch of the cycle lies in
 * (1.28, 2.56], whatever stretch a rate window catches.
 */
export const CYCLE_LATENCIES_SECONDS: readonly number[] = [
  0.005, 0.012, 0.015, 0.03, 0.035, 0.05, 0.06, 0.07, 0.09, 0.1, 0.12, 0.14, 0.2, 0.25, 0.3, 0.45, 0.6, 0.9,
  1.5, 2,
];

const ERROR_TYPES = ["timeout", "invalid_response", "rate_limited"] as const;

/** One operation of the workload. */
export interface FleetOperation {
  readonly operation: "fleet_chat" | "fleet_handoff";
  readonly exchange: "ai_human" | "ai_ai";
  readonly latencySeconds: number;
  /** One operation in ten fails. */
  readonly failed: boolean;
  readonly errorType: (typeof ERROR_TYPES)[number];
  readonly inputTokens: number;
  readonly outputBytes: number;
}

/** Operations per second of instance `index` (0-based): 5 to 9. */
export function rateOf(index: number): number {
  return 5 + (index % 5);
}

/**
 * Where instance `index` starts in the cycles: instances out of phase, so a rate window cuts
 * their error and latency cycles at different places and the cuts average out over the fleet.
 */
export function phaseOf(index: number): number {
  return (index * 7) % 20;
}

/** Operation number `k` of the cycles (instance `index` records `phaseOf(index) + n` as its n-th). */
export function operationAt(k: number): FleetOperation {
  const chat = k % 2 === 0;
  return {
    operation: chat ? "fleet_chat" : "fleet_handoff",
    exchange: chat ? "ai_human" : "ai_ai",
    latencySeconds: CYCLE_LATENCIES_SECONDS[k % CYCLE_LATENCIES_SECONDS.length]!,
    failed: k % 10 === 3,
    errorType: ERROR_TYPES[Math.floor(k / 10) % ERROR_TYPES.length]!,
    inputTokens: 100 + (k % 7),
    outputBytes: 2000 + 10 * (k % 13),
  };
}

/** What a fleet of instances 0..count-1, each running `durationSeconds`, recorded in total. */
export interface FleetTotals {
  readonly requests: number;
  readonly errors: number;
  /** Fleet request rate while every instance runs, per second. */
  readonly requestRate: number;
  /** Observations per latency bucket (not cumulative), one more than the bounds (`+Inf`). */
  readonly bucketCounts: readonly number[];
  /** Every latency recorded, sorted. */
  readonly latencies: readonly number[];
}

/** Adds up what `count` instances record in `durationSeconds`. */
export function fleetTotals(count: number, durationSeconds: number): FleetTotals {
  let requests = 0;
  let errors = 0;
  let requestRate = 0;
  const bucketCounts = new Array<number>(LATENCY_BOUNDS_SECONDS.length + 1).fill(0);
  const latencies: number[] = [];
  for (let index = 0; index < count; index++) {
    requestRate += rateOf(index);
    const operations = rateOf(index) * durationSeconds;
    for (let n = 0; n < operations; n++) {
      const op = operationAt(phaseOf(index) + n);
      requests++;
      if (op.failed) errors++;
      latencies.push(op.latencySeconds);
      const bucket = LATENCY_BOUNDS_SECONDS.findIndex((bound) => op.latencySeconds <= bound);
      bucketCounts[bucket === -1 ? LATENCY_BOUNDS_SECONDS.length : bucket]!++;
    }
  }
  latencies.sort((a, b) => a - b);
  return { requests, errors, requestRate, bucketCounts, latencies };
}

/**
 * `histogram_quantile(q, ...)` as Prometheus computes it from bucket counts: find the bucket
 * holding rank q * total, interpolate linearly inside it (from 0 for the first bucket).
 */
export function bucketQuantile(q: number, bucketCounts: readonly number[]): number {
  const total = bucketCounts.reduce((a, b) => a + b, 0);
  const rank = q * total;
  let cumulative = 0;
  for (let i = 0; i < bucketCounts.length; i++) {
    const previous = cumulative;
    cumulative += bucketCounts[i]!;
    if (cumulative >= rank) {
      if (i === LATENCY_BOUNDS_SECONDS.length) return LATENCY_BOUNDS_SECONDS[i - 1]!;
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_SECONDS[i - 1]!;
      const upper = LATENCY_BOUNDS_SECONDS[i]!;
      return lower + ((upper - lower) * (rank - previous)) / (cumulative - previous);
    }
  }
  return Number.NaN;
}

/** The bucket `[lower, upper]` a latency falls in: the estimation error bound of a quantile there. */
export function bucketAround(seconds: number): readonly [number, number] {
  const i = LATENCY_BOUNDS_SECONDS.findIndex((bound) => seconds <= bound);
  return [i <= 0 ? 0 : LATENCY_BOUNDS_SECONDS[i - 1]!, LATENCY_BOUNDS_SECONDS[i] ?? Number.POSITIVE_INFINITY];
}

/** The exact q-quantile of sorted raw values (nearest rank), the truth the buckets estimate. */
export function exactQuantile(q: number, sorted: readonly number[]): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
