import { type Context, context, type DiagLogger, TraceFlags } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode, suppressTracing } from "@opentelemetry/core";
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace";
import { SPANS_DROPPED_METRIC } from "../../signals/metric-definitions.js";

/** Why spans were dropped (label `reason` of `zoran_telemetry_spans_dropped_total`). */
export type SpanDropReason = "buffer_full" | "rejected" | "shutdown";

/** Options of {@link RetainingSpanProcessor}. */
export interface RetainingSpanProcessorOptions {
  /** Exporter name in reports and the self-metric, e.g. `otlp`. */
  readonly exporter: string;
  /** Spans waiting for delivery (across failed exports included); past it the oldest are dropped. */
  readonly maxRetainedSpans: number;
  /** Spans per export request. @default 512 (OpenTelemetry's default), at most `maxRetainedSpans` */
  readonly maxExportBatchSize?: number;
  /** Longest wait before waiting spans go out, and the wait before a retry after a failure, in ms. */
  readonly scheduledDelayMs: number;
  /** Longest time one export may take before it counts as failed, in milliseconds. */
  readonly exportTimeoutMs: number;
  /** Reports one failed export (the collector's `reportFailure`: error log, self-metric). */
  onExportFailure(error: unknown): void;
  /** Counts dropped spans (the collector's `zoran_telemetry_spans_dropped_total`). */
  onSpansDropped?(reason: SpanDropReason, count: number): void;
  /** Where the once-per-outage warning goes. */
  readonly diag: DiagLogger;
  /** Clock of the outage report, in epoch milliseconds. @default Date.now */
  readonly clock?: () => number;
}

/** A long outage is reported again at most this often, with its running count. */
const OUTAGE_REPORT_INTERVAL_MS = 10 * 60_000;

/** Statuses the receiver will never accept again (OTLP/HTTP: 4xx other than 408 and 429). */
function isRejection(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "number" && code >= 400 && code < 500 && code !== 408 && code !== 429;
}

/**
 * The span queue of the OTLP exporter, owned here instead of in OpenTelemetry's
 * `BatchSpanProcessor`: that processor drops *new* spans once its own queue is full, so during an
 * outage the newest spans were lost before a retaining exporter behind it could keep them (issue
 * 12). Here one buffer decides what is kept and what is dropped:
 *
 * - Ended, sampled spans wait in one buffer of at most `maxRetainedSpans`; past it the *oldest*
 *   are dropped, so after an outage the newest spans arrive.
 * - One export at a time, `maxExportBatchSize` spans (oldest first), when a batch is full or after
 *   `scheduledDelayMs`. A failed batch goes back to the front of the buffer (trimmed to the bound)
 *   and is retried after `scheduledDelayMs`, never in a tight loop; a batch the receiver rejects
 *   for good (HTTP 4xx but 408/429) is dropped. Delivery is at least once: a batch that timed out
 *   after the receiver stored it comes again.
 * - Memory: at most `maxRetainedSpans` spans waiting, plus the one batch in flight.
 * - Every dropped span is counted through `onSpansDropped` (reason `buffer_full`, `rejected`,
 *   `shutdown`). The loss of an outage is reported once at WARN through `diag`, with its count and
 *   length, when the outage ends (the first delivery after it, or shutdown), and every 10 minutes
 *   while it goes on; drops without a failed export (spans ending faster than the receiver takes
 *   them) at most every 10 minutes.
 */
export class RetainingSpanProcessor implements SpanProcessor {
  readonly #exporter: SpanExporter;
  readonly #options: RetainingSpanProcessorOptions;
  readonly #batchSize: number;
  readonly #clock: () => number;
  readonly #buffer = new SpanQueue();
  #kick: NodeJS.Immediate | undefined;
  #inFlight: Promise<boolean> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** A failure happened: wait for the timer before the next attempt. */
  #backingOff = false;
  #shutdown: Promise<void> | undefined;
  /** An export failed and none has succeeded since: an outage is in progress. */
  #failing = false;
  /** Spans dropped since the last report, and since when (first failure or drop). */
  #pendingDrops = 0;
  #since: number | undefined;
  #lastReportAt = Number.NEGATIVE_INFINITY;

  constructor(exporter: SpanExporter, options: RetainingSpanProcessorOptions) {
    this.#exporter = exporter;
    this.#options = options;
    this.#batchSize = Math.max(1, Math.min(options.maxExportBatchSize ?? 512, options.maxRetainedSpans));
    this.#clock = options.clock ?? Date.now;
  }

  /** Spans waiting for delivery (not counting a batch in flight). */
  get waitingSpans(): number {
    return this.#buffer.length;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.#shutdown !== undefined) return;
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.#buffer.push(span);
    if (this.#buffer.length > this.#options.maxRetainedSpans) {
      this.#buffer.dropOldest(1);
      this.#dropped("buffer_full", 1);
    }
    if (this.#inFlight !== undefined || this.#backingOff) return;
    // Not in the caller's span.end(): serializing a batch there would delay the application.
    if (this.#buffer.length >= this.#batchSize) this.#kick ??= setImmediate(() => this.#kicked());
    else this.#schedule();
  }

  /** Sends every waiting span now (ignoring a backoff), stopping at the first failed export. */
  async forceFlush(): Promise<void> {
    if (this.#inFlight !== undefined) await this.#inFlight;
    while (this.#buffer.length > 0) {
      if (!(await this.#exportBatch())) break;
    }
    await this.#exporter.forceFlush?.().catch((error: unknown) => this.#options.onExportFailure(error));
  }

  /** A last flush, then the exporter is shut down; spans still undelivered count as dropped. */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      clearTimeout(this.#timer);
      if (this.#kick !== undefined) clearImmediate(this.#kick);
      await this.forceFlush();
      if (this.#buffer.length > 0) {
        const left = this.#buffer.length;
        this.#buffer.dropOldest(left);
        this.#dropped("shutdown", left);
      }
      if (this.#pendingDrops > 0) this.#report("shutdown");
      await this.#exporter.shutdown();
    })();
    return this.#shutdown;
  }

  #kicked(): void {
    this.#kick = undefined;
    if (this.#inFlight === undefined && !this.#backingOff && this.#shutdown === undefined)
      void this.#exportBatch();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#shutdown !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#backingOff = false;
      if (this.#buffer.length > 0 && this.#inFlight === undefined) void this.#exportBatch();
    }, this.#options.scheduledDelayMs);
    this.#timer.unref();
  }

  /** Exports the oldest batch; resolves true when it was delivered. Never rejects. */
  #exportBatch(): Promise<boolean> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    const batch = this.#buffer.takeOldest(this.#batchSize);
    if (batch.length === 0) return Promise.resolve(true);
    const run = this.#send(batch).then((result) => {
      this.#inFlight = undefined;
      if (result.code === ExportResultCode.SUCCESS) {
        this.#recovered();
        if (this.#buffer.length >= this.#batchSize && this.#shutdown === undefined) void this.#exportBatch();
        else if (this.#buffer.length > 0) this.#schedule();
        return true;
      }
      const error = result.error ?? new Error(`${this.#options.exporter}: span export failed`);
      this.#options.onExportFailure(error);
      this.#failing = true;
      this.#since ??= this.#clock();
      if (isRejection(error)) {
        this.#dropped("rejected", batch.length);
      } else {
        // Back to the front, then the bound: the oldest go first, the newest stay.
        this.#buffer.putBack(batch);
        const excess = this.#buffer.length - this.#options.maxRetainedSpans;
        if (excess > 0) {
          this.#buffer.dropOldest(excess);
          this.#dropped("buffer_full", excess);
        }
      }
      this.#backingOff = true;
      this.#schedule();
      return false;
    });
    this.#inFlight = run;
    return run;
  }

  /** One export, settled within `exportTimeoutMs` whatever the exporter does. */
  #send(batch: ReadableSpan[]): Promise<ExportResult> {
    return new Promise<ExportResult>((resolve) => {
      let settled = false;
      const finish = (result: ExportResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(
        () =>
          finish({
            code: ExportResultCode.FAILED,
            error: new Error(
              `${this.#options.exporter}: span export timed out after ${this.#options.exportTimeoutMs} ms`,
            ),
          }),
        // The exporter's own timeout (retries included) is the same value: give it a little more.
        this.#options.exportTimeoutMs + 1_000,
      );
      timer.unref();
      try {
        // Tracing suppressed, as the SDK's span processors do: an HTTP instrumentation would
        // otherwise trace the export's own request, and each export would feed the next one.
        context.with(suppressTracing(context.active()), () => this.#exporter.export(batch, finish));
      } catch (error) {
        finish({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      }
    });
  }

  #dropped(reason: SpanDropReason, count: number): void {
    if (count <= 0) return;
    this.#pendingDrops += count;
    this.#since ??= this.#clock();
    try {
      this.#options.onSpansDropped?.(reason, count);
    } catch {
      // A counter that throws must not stop the export loop.
    }
    // A long outage is not kept quiet until it ends: its running count every 10 minutes.
    const now = this.#clock();
    if (now - Math.max(this.#since, this.#lastReportAt) >= OUTAGE_REPORT_INTERVAL_MS) this.#report("ongoing");
  }

  /** A delivery succeeded: an outage is over, and its loss is reported (an overload's at most every 10 minutes). */
  #recovered(): void {
    const wasFailing = this.#failing;
    this.#failing = false;
    if (this.#pendingDrops === 0) {
      this.#since = undefined;
      return;
    }
    if (wasFailing || this.#clock() - this.#lastReportAt >= OUTAGE_REPORT_INTERVAL_MS) {
      this.#report(wasFailing ? "recovered" : "overload");
    }
  }

  /** One WARN with the spans dropped since the last one; see the class comment for when. */
  #report(kind: "recovered" | "ongoing" | "overload" | "shutdown"): void {
    const now = this.#clock();
    const seconds = ((now - (this.#since ?? now)) / 1000).toFixed(1);
    const dropped = this.#pendingDrops;
    this.#pendingDrops = 0;
    this.#since = kind === "ongoing" ? now : undefined;
    this.#lastReportAt = now;
    const { exporter, maxRetainedSpans } = this.#options;
    const what = {
      recovered: `during an outage of ${seconds} s (the receiver answers again)`,
      ongoing: `in the last ${seconds} s of an outage that goes on`,
      overload: `in the last ${seconds} s: spans ended faster than the receiver took them`,
      shutdown: `in the last ${seconds} s, still undelivered at shutdown`,
    }[kind];
    try {
      this.#options.diag.warn(
        `zoran-telemetrie: ${exporter}: ${dropped} spans dropped ${what}; the retry buffer keeps the newest ${maxRetainedSpans} (${exporter}.maxRetainedSpans). Every drop is counted in ${SPANS_DROPPED_METRIC.promName}{exporter="${exporter}",reason}.`,
      );
    } catch {
      // A logger that throws must not stop the export loop.
    }
  }
}

/**
 * Spans oldest first, with O(1) drops at the old end: an array and the index of its oldest
 * element, compacted once the dropped head is the larger part (a full buffer drops one span per
 * new span during an outage).
 */
class SpanQueue {
  #spans: ReadableSpan[] = [];
  #head = 0;

  get length(): number {
    return this.#spans.length - this.#head;
  }

  push(span: ReadableSpan): void {
    this.#spans.push(span);
  }

  dropOldest(count: number): void {
    this.#head = Math.min(this.#spans.length, this.#head + count);
    if (this.#head >= 1024 && this.#head * 2 >= this.#spans.length) this.#compact();
  }

  takeOldest(count: number): ReadableSpan[] {
    const taken = this.#spans.slice(this.#head, this.#head + count);
    this.dropOldest(taken.length);
    return taken;
  }

  /** Puts a batch that failed back in front of the spans that came after it. */
  putBack(batch: readonly ReadableSpan[]): void {
    this.#spans = batch.concat(this.#spans.slice(this.#head));
    this.#head = 0;
  }

  #compact(): void {
    this.#spans = this.#spans.slice(this.#head);
    this.#head = 0;
  }
}
