/**
 * The time one slice of a page may take before the writer yields (bounded slices keep a scrape
 * from blocking the host's event loop: docs/threat-model.md, test/integration/endpoint-load.test.ts).
 */
export interface SliceBudget {
  /** True when the current slice is used up. */
  spent(): boolean;
}

/**
 * Series written between two clock reads: a clock read costs ~45 ns here, a histogram series
 * ~3 µs, so checking every 64 series costs under 0.1% and overshoots a slice by at most ~0.2 ms.
 */
export const WORK_PER_CHECK = 64;

/** A budget of `sliceMs` per slice, restarted by {@link SliceClock.restart}. */
export class SliceClock implements SliceBudget {
  private deadline = 0;

  constructor(private readonly sliceMs: number) {}

  restart(): void {
    this.deadline = performance.now() + this.sliceMs;
  }

  spent(): boolean {
    return performance.now() >= this.deadline;
  }
}
