import type { WindowQuery } from "./window-query.js";
import type { WindowTierOptions } from "./window-store-options.js";

/** One ring of the store as it runs: its slot length, its number of slots and its newest interval. */
export interface WindowTier {
  readonly intervalMs: number;
  readonly slots: number;
  /** Latest interval number (`floor(t / intervalMs)`) written; the tier holds `current - slots + 1 .. current`. */
  current: number;
}

/** The tier of `options`, nothing written yet; a RangeError for an interval or retention that cannot work. */
export function createWindowTier({ intervalMs, retentionMs }: WindowTierOptions): WindowTier {
  if (!(intervalMs > 0) || !(retentionMs >= intervalMs)) {
    throw new RangeError(
      `WindowStore: need intervalMs > 0 and retentionMs >= intervalMs (got ${intervalMs}, ${retentionMs})`,
    );
  }
  return { intervalMs, slots: Math.ceil(retentionMs / intervalMs), current: -1 };
}

/** Index of the finest tier whose retention covers `windowMs` (the coarsest one when none does). */
export function tierIndexFor(tiers: readonly WindowTier[], windowMs: number): number {
  for (let t = 0; t < tiers.length; t++) {
    const tier = tiers[t]!;
    if (tier.slots * tier.intervalMs >= windowMs) return t;
  }
  return tiers.length - 1;
}

/** Interval number of the newest interval of the window that ends at `nowMs` (`clock()` when not given). */
export function windowEndEpoch(tier: WindowTier, query: WindowQuery, clock: () => number): number {
  return Math.floor((query.nowMs ?? clock()) / tier.intervalMs);
}

/**
 * Interval numbers `[from, to]` of the window that ends at `nowMs`, within what the tier holds
 * (its last `slots` intervals up to the newest written).
 */
export function rangeOf(tier: WindowTier, query: WindowQuery, clock: () => number): [number, number] {
  const end = windowEndEpoch(tier, query, clock);
  const count = Math.min(tier.slots, Math.max(1, Math.ceil(query.windowMs / tier.intervalMs)));
  return [Math.max(end - count + 1, tier.current - tier.slots + 1), Math.min(end, tier.current)];
}
