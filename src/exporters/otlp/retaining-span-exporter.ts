import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

/** Options of {@link RetainingSpanExporter}. */
export interface RetainingSpanExporterOptions {
  /** Spans kept across failed exports; past it the oldest are dropped. */
  readonly maxRetainedSpans: number;
  /** Called once per failed export, with how many spans were dropped by it (often 0). */
  onFailure(error: unknown, droppedSpans: number): void;
}

/**
 * A `SpanExporter` that keeps the spans of a failed export (receiver down, retries exhausted)
 * and sends them again, before the new ones, with the next batch. The buffer is bounded by
 * `maxRetainedSpans`, so an outage costs at most that much memory; dropped spans are reported.
 * Delivery is at least once: a batch that timed out after the receiver stored it comes again.
 */
export class RetainingSpanExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #options: RetainingSpanExporterOptions;
  #retained: ReadableSpan[] = [];

  constructor(inner: SpanExporter, options: RetainingSpanExporterOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  /** Spans waiting for the next export after a failure. */
  get retainedSpans(): number {
    return this.#retained.length;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const batch = this.#retained.length === 0 ? spans : [...this.#retained, ...spans];
    this.#retained = [];
    const fail = (error: unknown) => {
      // Keep the newest spans: they are the ones a reader of the outage looks for first.
      const merged = [...batch, ...this.#retained];
      const dropped = Math.max(0, merged.length - this.#options.maxRetainedSpans);
      this.#retained = merged.slice(dropped);
      this.#options.onFailure(error, dropped);
    };
    try {
      this.#inner.export(batch, (result) => {
        if (result.code !== ExportResultCode.SUCCESS)
          fail(result.error ?? new Error("OTLP span export failed"));
        // The spans are kept here, so the batch processor must not count them as lost twice.
        resultCallback(result);
      });
    } catch (error) {
      fail(error);
      resultCallback({
        code: ExportResultCode.FAILED,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }

  /** Sends the retained spans, if any (the batch processor only calls `export` for new spans). */
  async forceFlush(): Promise<void> {
    if (this.#retained.length > 0) await new Promise<ExportResult>((resolve) => this.export([], resolve));
    await this.#inner.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    await this.#inner.shutdown();
  }
}
