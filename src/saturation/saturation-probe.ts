import type { ProbeResource } from "../signals/label-values.js";

/**
 * One saturation probe: a resource and a way to sample its use as a ratio in [0, 1].
 * Every probe has this same shape (one per file in this folder), so the collector samples
 * them in one loop. `sample()` returns undefined when the value is unknown (e.g. the first
 * delta, or `/proc/diskstats` missing): nothing is recorded then.
 */
export interface SaturationProbe {
  readonly resource: ProbeResource;
  sample(): number | undefined | Promise<number | undefined>;
}

/** Clamps a ratio into [0, 1]; undefined for non-finite input. */
export function clampRatio(value: number): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
