import type { DiagLogger } from "@opentelemetry/api";
import {
  type CollectionResult,
  type MetricProducer,
  MetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
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
  /** True once a `MeterProvider` has bound this reader. */
  bound = false;
  protected override onInitialized(): void {
    this.bound = true;
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/**
 * The reader the application's own `MeterProvider` binds. When the application shuts its SDK
 * down first, the reader takes one last collection on the way out (the provider still answers
 * inside `onShutdown`, as it does for its own periodic readers) and keeps serving it: those
 * cumulative totals stay in the collector's later exports instead of vanishing.
 */
class ApplicationReader extends SnapshotReader {
  private last: CollectionResult | undefined;

  override collect(): Promise<CollectionResult> {
    return this.last === undefined ? super.collect() : Promise.resolve(this.last);
  }

  protected override async onShutdown(): Promise<void> {
    if (!this.bound) return;
    const final = await super.collect().catch(() => undefined);
    if (final !== undefined) this.last = { resourceMetrics: final.resourceMetrics, errors: [] };
  }
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
  /**
   * A second reader, for the application's own `MeterProvider` (its SDK's, e.g. NodeSDK
   * `metricReaders`): once bound, that provider's instruments are part of every collection.
   */
  readonly applicationReader: MetricReader & { readonly bound: boolean };
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
    this.applicationReader = new ApplicationReader({ cardinalitySelector: () => options.cardinalityLimit });
  }

  /** A fresh cumulative snapshot of every metric. Never rejects for a broken SDK instrument. */
  async collect(): Promise<ResourceMetrics> {
    return this.collectWith(true);
  }

  /**
   * The same snapshot without the application's `MeterProvider` (what the collector hands the
   * application's own metric readers as a `MetricProducer`, so its instruments are not sent twice).
   */
  collectWithoutApplication(): Promise<ResourceMetrics> {
    return this.collectWith(false);
  }

  private async collectWith(application: boolean): Promise<ResourceMetrics> {
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
    if (application && this.applicationReader.bound) own = await this.withApplication(own);
    return this.merge === undefined ? own : this.merge.collect(own);
  }

  /** `own` with the application provider's scopes appended (under the collector's resource). */
  private async withApplication(own: ResourceMetrics): Promise<ResourceMetrics> {
    try {
      const { resourceMetrics, errors } = await this.applicationReader.collect();
      for (const error of errors)
        this.diag.warn(
          `zoran-telemetrie: collection error in the application's SDK: ${describeError(error)}`,
        );
      return { resource: own.resource, scopeMetrics: [...own.scopeMetrics, ...resourceMetrics.scopeMetrics] };
    } catch (error) {
      this.diag.debug(`zoran-telemetrie: application SDK collection unavailable (${describeError(error)})`);
      return own;
    }
  }
}
