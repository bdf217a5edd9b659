import type { Attributes } from "@opentelemetry/api";
import type { SlabAllocator } from "./slab-allocator.js";

/** One monotonic counter series: a pre-resolved handle whose `add()` is one load and one store. */
export class CounterSeries {
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

  /** Adds `value`, which must already be a finite number >= 0 (the caller validates). */
  add(value: number): void {
    this.data[this.offset]! += value;
  }

  /** The running total. */
  get value(): number {
    return this.data[this.offset]!;
  }
}

/** The overflow series of a counter: also counts how many measurements it absorbed. */
export class OverflowCounterSeries extends CounterSeries {
  measurements = 0;

  override add(value: number): void {
    this.measurements++;
    super.add(value);
  }
}
