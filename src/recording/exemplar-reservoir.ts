/**
 * One kept exemplar: a recorded value and the sampled span it was recorded in. The snapshot hands
 * these on as the contract's `Exemplar` (`snapshot/point-extensions.ts`; type-checked there).
 */
export interface RecordedExemplar {
  /** The recorded value (seconds for latency, the increment for a counter). */
  readonly value: number;
  /** When it was recorded, epoch milliseconds. */
  readonly timeUnixMs: number;
  /** W3C trace id, 32 lowercase hex characters. */
  readonly traceId: string;
  /** W3C span id, 16 lowercase hex characters. */
  readonly spanId: string;
}

/** Exemplar cells per storage chunk (series blocks of `cellsPerSeries` cells each). */
const BLOCKS_PER_CHUNK = 64;
/** Numbers per cell: value, timeUnixMs, measurements offered this period, period. */
const FIELDS = 4;
const VALUE = 0;
const TIME = 1;
const SEEN = 2;
const PERIOD = 3;

/**
 * The exemplars of one metric: one cell per series and bucket (histograms) or per series
 * (counters), each holding one sampled measurement with the span it was recorded in.
 *
 * Sampling is reservoir sampling of size one per cell and collection period (OpenTelemetry's
 * `SimpleFixedSizeExemplarReservoir` rule, applied per bucket as `AlignedHistogramBucket` does):
 * the n-th eligible measurement of a period replaces the cell's exemplar with probability 1/n,
 * so every measurement of the period is equally likely to be the one kept, and a cell read by a
 * scrape is refreshed by the first measurement after it. The point of it here is cost: a
 * replacement reads the wall clock (~40 ns on this VM) and is rare (~ln n per period), the
 * other offers are a counter and a xorshift draw (bench/record.bench.ts, exemplars case).
 *
 * No allocation per offer: numbers live in Float64Array chunks, trace and span ids are references
 * to the span's own strings kept in preallocated arrays. A series' block is allocated the first
 * time it gets an exemplar, so series never recorded in a sampled span cost nothing.
 */
export class ExemplarReservoir {
  private readonly cellsPerSeries: number;
  private blockOf = new Int32Array(0);
  private readonly numbers: Float64Array[] = [];
  private readonly traceIds: string[][] = [];
  private readonly spanIds: string[][] = [];
  private blocks = 0;
  private period = 1;
  // xorshift32 state: a fixed seed, so a test's sampling is the same on every run.
  private random = 0x9e3779b9;

  /** @param cellsPerSeries buckets of a histogram series, 1 for a counter */
  constructor(cellsPerSeries: number) {
    this.cellsPerSeries = cellsPerSeries;
  }

  /**
   * Offers one measurement of series `series` in cell `cell` (its bucket index, 0 for counters)
   * recorded in the span `traceId`/`spanId` (the caller applied the exemplar filter).
   */
  offer(series: number, cell: number, value: number, traceId: string, spanId: string): void {
    let block = series < this.blockOf.length ? this.blockOf[series]! - 1 : -1;
    if (block < 0) block = this.allocate(series);
    const chunk = block >>> 6;
    const index = (block & (BLOCKS_PER_CHUNK - 1)) * this.cellsPerSeries + cell;
    const numbers = this.numbers[chunk]!;
    const k = index * FIELDS;
    if (numbers[k + PERIOD] !== this.period) {
      numbers[k + PERIOD] = this.period;
      numbers[k + SEEN] = 0;
    }
    const seen = ++numbers[k + SEEN]!;
    if (seen > 1) {
      let x = this.random;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.random = x;
      // Keep with probability 1/seen: a uniform draw in [0, 1) below 1/seen.
      if ((x >>> 0) * (seen / 4294967296) >= 1) return;
    }
    numbers[k + VALUE] = value;
    numbers[k + TIME] = Date.now();
    this.traceIds[chunk]![index] = traceId;
    this.spanIds[chunk]![index] = spanId;
  }

  /** Starts a new sampling period (at each collection): the next offer to each cell replaces it. */
  nextPeriod(): void {
    this.period++;
  }

  /**
   * The exemplars of series `series`, one slot per cell (sparse), or undefined when it has none.
   * Allocates: collection only.
   */
  exemplarsOf(series: number): (RecordedExemplar | undefined)[] | undefined {
    const block = series < this.blockOf.length ? this.blockOf[series]! - 1 : -1;
    if (block < 0) return undefined;
    const chunk = block >>> 6;
    const first = (block & (BLOCKS_PER_CHUNK - 1)) * this.cellsPerSeries;
    const numbers = this.numbers[chunk]!;
    const traceIds = this.traceIds[chunk]!;
    const spanIds = this.spanIds[chunk]!;
    const exemplars = new Array<RecordedExemplar | undefined>(this.cellsPerSeries);
    for (let cell = 0; cell < this.cellsPerSeries; cell++) {
      const index = first + cell;
      const k = index * FIELDS;
      exemplars[cell] =
        numbers[k + PERIOD] === 0
          ? undefined
          : {
              value: numbers[k + VALUE]!,
              timeUnixMs: numbers[k + TIME]!,
              traceId: traceIds[index]!,
              spanId: spanIds[index]!,
            };
    }
    return exemplars;
  }

  private allocate(series: number): number {
    if (series >= this.blockOf.length) {
      const grown = new Int32Array(Math.max(64, this.blockOf.length * 2, series + 1));
      grown.set(this.blockOf);
      this.blockOf = grown;
    }
    const block = this.blocks++;
    if ((block & (BLOCKS_PER_CHUNK - 1)) === 0) {
      const cells = BLOCKS_PER_CHUNK * this.cellsPerSeries;
      this.numbers.push(new Float64Array(cells * FIELDS));
      // Filled with strings (not holes), so the arrays stay packed and the stores stay cheap.
      this.traceIds.push(Array.from({ length: cells }, () => ""));
      this.spanIds.push(Array.from({ length: cells }, () => ""));
    }
    this.blockOf[series] = block + 1;
    return block;
  }
}
