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

/** Series per storage chunk (allocated the first time one of its series gets an exemplar). */
const CHUNK_SHIFT = 8;
const CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;
/** Numbers per cell: value, timeUnixMs (0: empty), measurements offered this period. */
const FIELDS = 3;
const VALUE = 0;
const TIME = 1;
const SEEN = 2;

/**
 * The exemplars of one metric: one cell per series and bucket (histograms) or per series
 * (counters), each holding one sampled measurement with the span it was recorded in.
 *
 * Sampling is reservoir sampling of size one per cell and collection period (OpenTelemetry's
 * `SimpleFixedSizeExemplarReservoir` rule, applied per bucket as `AlignedHistogramBucket` does):
 * the n-th eligible measurement of a period replaces the cell's exemplar with probability 1/n,
 * so every measurement of the period is equally likely to be the one kept, and a cell read by a
 * scrape is refreshed by the first measurement after it. The point of it here is cost: a
 * replacement reads the wall clock (~35 ns on this VM) and is rare (~ln n per period), the
 * other offers are a counter and a xorshift draw (bench/record.bench.ts, exemplars case).
 *
 * No allocation per offer: numbers live in Float64Array chunks, trace and span ids are references
 * to the span's own strings kept in preallocated arrays. A chunk of 256 series is allocated the
 * first time one of them gets an exemplar, so a metric never recorded in a sampled span costs
 * nothing.
 */
export class ExemplarReservoir {
  private readonly cellsPerSeries: number;
  private readonly numbers: (Float64Array | undefined)[] = [];
  private readonly traceIds: string[][] = [];
  private readonly spanIds: string[][] = [];
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
    const chunk = series >>> CHUNK_SHIFT;
    const numbers = this.numbers[chunk] ?? this.allocate(chunk);
    const index = (series & CHUNK_MASK) * this.cellsPerSeries + cell;
    const k = index * FIELDS;
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
    for (const numbers of this.numbers) {
      if (numbers === undefined) continue;
      for (let k = SEEN; k < numbers.length; k += FIELDS) numbers[k] = 0;
    }
  }

  /**
   * The exemplars of series `series`, one slot per cell (sparse), or undefined when it has none.
   * Allocates: collection only.
   */
  exemplarsOf(series: number): (RecordedExemplar | undefined)[] | undefined {
    const chunk = series >>> CHUNK_SHIFT;
    const numbers = this.numbers[chunk];
    if (numbers === undefined) return undefined;
    const first = (series & CHUNK_MASK) * this.cellsPerSeries;
    let exemplars: (RecordedExemplar | undefined)[] | undefined;
    for (let cell = 0; cell < this.cellsPerSeries; cell++) {
      const index = first + cell;
      const k = index * FIELDS;
      if (numbers[k + TIME] === 0) continue;
      exemplars ??= new Array<RecordedExemplar | undefined>(this.cellsPerSeries).fill(undefined);
      exemplars[cell] = {
        value: numbers[k + VALUE]!,
        timeUnixMs: numbers[k + TIME]!,
        traceId: this.traceIds[chunk]![index]!,
        spanId: this.spanIds[chunk]![index]!,
      };
    }
    return exemplars;
  }

  private allocate(chunk: number): Float64Array {
    const cells = (CHUNK_MASK + 1) * this.cellsPerSeries;
    const numbers = new Float64Array(cells * FIELDS);
    this.numbers[chunk] = numbers;
    // Filled with strings (not holes), so the arrays stay packed and the stores stay cheap.
    this.traceIds[chunk] = Array.from({ length: cells }, () => "");
    this.spanIds[chunk] = Array.from({ length: cells }, () => "");
    return numbers;
  }
}
