import type { DiagLogger } from "@opentelemetry/api";
import { type MetricProducer, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { describeError } from "../privacy/describe-error.js";
import type { GoldenSignalStore } from "../recording/golden-signal-store.js";
import { goldenSignalProducer } from "./golden-signal-metrics.js";

/**
 * Merges other processes' snapshots into this one's (a cluster primary's aggregator). Typed here
 * so that `snapshot/` does not depend on `cluster/`: the collector hands the aggregator in.
 */
export interface SnapshotMerge {
  collect(own: ResourceMetrics): Promise<ResourceMetrics> | ResourceMetrics;
}

/** Parts of a {@link SnapshotSource}. */
export interface SnapshotSourceOptions {
  /** The golden-signal store, read as an OpenTelemetry `MetricProducer` (see `goldenSignalMetrics`). */
  readonly store: GoldenSignalStore;
  /** Most series per SDK instrument (the cardinality limit of the application's instruments). */
  readonly cardinalityLimit: number;
  /** When this process is a cluster primary: its workers' snapshots, merged into each one. */
  readonly merge?: SnapshotMerge | undefined;
  readonly diag: DiagLogger;
}

/** Reads the SDK's instruments and the store on demand; registered with the `MeterProvider`. */
class SnapshotReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/**
 * The only `collect()`: the golden-signal store, the application's OpenTelemetry instruments
 * (through {@link reader}, registered with the collector's `MeterProvider`) and, in a cluster
 * primary, the workers' snapshots. Every exporter reads it: `/metrics`, OTLP, JSON, CSV, console,
 * the window behind the live page and alerting, and `export()`.
 */
export class SnapshotSource {
  /** Give it to the `MeterProvider`'s readers: it is how the SDK instruments are read. */
  readonly reader: MetricReader;
  private readonly store: MetricProducer;
  private readonly merge: SnapshotMerge | undefined;
  private readonly diag: DiagLogger;

  constructor(options: SnapshotSourceOptions) {
    this.store = goldenSignalProducer(options.store);
    this.merge = options.merge;
    this.diag = options.diag;
    this.reader = new SnapshotReader({
      metricProducers: [this.store],
      cardinalitySelector: () => options.cardinalityLimit,
    });
  }

  /** A fresh cumulative snapshot of every metric. Never rejects for a broken SDK instrument. */
  async collect(): Promise<ResourceMetrics> {
    let own: ResourceMetrics;
    try {
      const { resourceMetrics, errors } = await this.reader.collect();
      for (const error of errors)
        this.diag.warn(`zoran-telemetrie: collection error: ${describeError(error)}`);
      own = resourceMetrics;
    } catch (error) {
      // After shutdown the SDK reader refuses to collect; the store still answers.
      this.diag.debug(`zoran-telemetrie: SDK collection unavailable (${describeError(error)}); store only`);
      own = (await this.store.collect()).resourceMetrics;
    }
    return this.merge === undefined ? own : this.merge.collect(own);
  }
}
