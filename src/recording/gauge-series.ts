import type { Attributes } from "@opentelemetry/api";
import type { SlabAllocator } from "./slab-allocator.js";

/** Slab layout of a gauge: its last value, `NaN` until first set (an unset gauge is not exported). */
export const GAUGE_INITIAL: readonly number[] = [Number.NaN];

/** One gauge series: the last value set wins. */
export class GaugeSeries {
  readonly data: Float64Array;
  readonly offset: number;

  constructor(
    /** The series' labels: a frozen object reused by every snapshot. */
    readonly attributes: Attributes,
    slab: SlabAllocator,
  ) {
    const { data, offset } = slab.allocate();
    this.data = data;
    this.offset = offset;
  }

  /** Sets the current value, which must already be a finite number (the caller validates). */
  set(value: number): void {
    this.data[this.offset] = value;
  }

  /** The last value set, `NaN` when never set. */
  get value(): number {
    return this.data[this.offset]!;
  }
}

/** The overflow series of a gauge: also counts how many measurements it absorbed. */
export class OverflowGaugeSeries extends GaugeSeries {
  measurements = 0;

  override set(value: number): void {
    this.measurements++;
    super.set(value);
  }
}
