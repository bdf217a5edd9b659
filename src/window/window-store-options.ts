import type { DiagLogger } from "@opentelemetry/api";

/** One resolution of the ring: how long a slot lasts and how far back slots are kept. */
export interface WindowTierOptions {
  /** Length of one slot, in milliseconds. */
  readonly intervalMs: number;
  /** How far back slots are kept, in milliseconds (rounded up to whole slots). */
  readonly retentionMs: number;
}

/** Options of {@link WindowStore}. */
export interface WindowStoreOptions extends WindowTierOptions {
  /**
   * A second, coarser ring for long windows (hours to days, as SLO burn rates need), so that
   * they do not cost one fine slot per interval. A query uses the finest ring whose retention
   * covers its window.
   * @default undefined (one ring)
   */
  readonly coarse?: WindowTierOptions;
  /** Clock in epoch milliseconds; inject a manual one in tests. @default Date.now */
  readonly clock?: () => number;
  /** Series kept at most; series beyond are ignored and reported once through `diag`. @default 10000 */
  readonly maxSeries?: number;
  /** Where problems are reported. @default the loud default logger (see `createTelemetryLogger`) */
  readonly diag?: DiagLogger;
}
