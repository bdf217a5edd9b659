/**
 * Hands out fixed-stride slices of large Float64Arrays, so a series costs its numbers and no
 * typed-array header of its own (a Float64Array object is ~100 bytes before its data; see
 * bench/memory.bench.ts). Chunks are never reallocated, so a series keeps a direct reference
 * to its chunk and the hot path is one load and one store.
 */
export class SlabAllocator {
  private chunk: Float64Array;
  private used = 0;

  /**
   * @param stride numbers per series
   * @param initial value every slot starts at (e.g. `NaN` for a gauge not yet set)
   * @param seriesPerChunk series per chunk @default 256
   */
  constructor(
    private readonly stride: number,
    private readonly initial: readonly number[] = [],
    private readonly seriesPerChunk = 256,
  ) {
    this.chunk = this.newChunk();
  }

  /** Reserves one series' slice: its chunk and the offset of its first number. */
  allocate(): { data: Float64Array; offset: number } {
    if (this.used === this.seriesPerChunk) {
      this.chunk = this.newChunk();
      this.used = 0;
    }
    const offset = this.used * this.stride;
    this.used++;
    for (let i = 0; i < this.initial.length; i++) this.chunk[offset + i] = this.initial[i]!;
    return { data: this.chunk, offset };
  }

  private newChunk(): Float64Array {
    return new Float64Array(this.stride * this.seriesPerChunk);
  }
}
