import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import {
  type AggregationOption,
  AggregationTemporality,
  AggregationType,
  InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";

/**
 * Exporters that stand in for the official OTLP ones until their module is loaded: built with
 * the collector (the metric reader and the span processor are fixed when the providers are
 * made), they load the real exporter on `load()` (the collector's `start()`) or on their first
 * export, flush or shutdown, and hand everything to it from then on. Until then nothing is
 * lost: an export waits for the load. A load that fails fails the exports, which are reported
 * like any failed export.
 */
abstract class DeferredExporter<E extends { shutdown(): Promise<void>; forceFlush?(): Promise<void> }> {
  #inner: E | undefined;
  #loading: Promise<E> | undefined;

  constructor(private readonly make: () => Promise<E>) {}

  /** Loads and builds the real exporter (once). */
  load(): Promise<E> {
    this.#loading ??= this.make().then((inner) => {
      this.#inner = inner;
      return inner;
    });
    return this.#loading;
  }

  protected withInner(use: (inner: E) => void, fail: (error: Error) => void): void {
    if (this.#inner !== undefined) {
      use(this.#inner);
      return;
    }
    this.load().then(use, (error: unknown) =>
      fail(error instanceof Error ? error : new Error(String(error))),
    );
  }

  async forceFlush(): Promise<void> {
    await (await this.load()).forceFlush?.();
  }

  async shutdown(): Promise<void> {
    // Never loaded: there is no connection to close and nothing was sent.
    if (this.#loading === undefined) return;
    await (await this.#loading).shutdown();
  }
}

/** A `PushMetricExporter` whose OTLP exporter is loaded on first use (see above). */
export class DeferredMetricExporter
  extends DeferredExporter<PushMetricExporter>
  implements PushMetricExporter
{
  readonly #temporality: "cumulative" | "delta" | "lowmemory" | undefined;

  constructor(
    make: () => Promise<PushMetricExporter>,
    /** The preference the real exporter is built with (undefined: its environment variable). */
    temporality: "cumulative" | "delta" | "lowmemory" | undefined,
  ) {
    super(make);
    this.#temporality = temporality;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.withInner(
      (inner) => inner.export(metrics, resultCallback),
      (error) => resultCallback({ code: ExportResultCode.FAILED, error }),
    );
  }

  // The metric reader asks these when it is made, before the real exporter exists: they answer as
  // the official OTLP metric exporter (`OTLPMetricExporterBase`, exporter-metrics-otlp-http 0.223)
  // does for the same preference.
  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    const preference =
      this.#temporality ??
      (process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE ?? "cumulative").trim().toLowerCase();
    if (preference === "delta") {
      return instrumentType === InstrumentType.UP_DOWN_COUNTER ||
        instrumentType === InstrumentType.OBSERVABLE_UP_DOWN_COUNTER
        ? AggregationTemporality.CUMULATIVE
        : AggregationTemporality.DELTA;
    }
    if (preference === "lowmemory") {
      return instrumentType === InstrumentType.COUNTER || instrumentType === InstrumentType.HISTOGRAM
        ? AggregationTemporality.DELTA
        : AggregationTemporality.CUMULATIVE;
    }
    return AggregationTemporality.CUMULATIVE;
  }

  selectAggregation(_instrumentType: InstrumentType): AggregationOption {
    return { type: AggregationType.DEFAULT };
  }
}

/** A `SpanExporter` whose OTLP exporter is loaded on first use (see above). */
export class DeferredSpanExporter extends DeferredExporter<SpanExporter> implements SpanExporter {
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.withInner(
      (inner) => inner.export(spans, resultCallback),
      (error) => resultCallback({ code: ExportResultCode.FAILED, error }),
    );
  }
}
