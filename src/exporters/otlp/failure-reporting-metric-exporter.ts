import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type {
  AggregationOption,
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from "@opentelemetry/sdk-metrics";

/**
 * A `PushMetricExporter` that passes everything to `inner` and reports each failed export
 * through `onFailure`. Nothing is queued: the snapshot is cumulative, so the next successful
 * export after an outage carries every value recorded during it.
 */
export class FailureReportingMetricExporter implements PushMetricExporter {
  readonly #inner: PushMetricExporter;
  readonly #onFailure: (error: unknown) => void;

  constructor(inner: PushMetricExporter, onFailure: (error: unknown) => void) {
    this.#inner = inner;
    this.#onFailure = onFailure;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    try {
      this.#inner.export(metrics, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          this.#onFailure(result.error ?? new Error("OTLP metrics export failed"));
        }
        resultCallback(result);
      });
    } catch (error) {
      this.#onFailure(error);
      resultCallback({
        code: ExportResultCode.FAILED,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush();
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    // The official exporters always implement it; the reader falls back to cumulative otherwise.
    return this.#inner.selectAggregationTemporality!(instrumentType);
  }

  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.#inner.selectAggregation!(instrumentType);
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
}
