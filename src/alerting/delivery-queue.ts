import type { DiagLogger } from "@opentelemetry/api";
import { countOption } from "../config/count-option.js";
import { durationOption } from "../config/duration-option.js";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";
import { type AlertNotification, type Notifier, NotifierError } from "./alert-state.js";

/** How notifications are delivered: retries, backoff, timeouts, queue bound. */
export interface DeliveryOptions {
  /** Attempts per batch, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** Time one attempt may take before it is aborted, in milliseconds. @default 5000 */
  readonly attemptTimeoutMs?: number;
  /** First retry delay, doubled each retry (with up to 50% random jitter), in milliseconds. @default 250 */
  readonly backoffBaseMs?: number;
  /** Longest retry delay, in milliseconds. @default 5000 */
  readonly backoffMaxMs?: number;
  /** Batches waiting per notifier; beyond, the oldest is dropped and reported. @default 100 */
  readonly maxQueuedBatches?: number;
}

/** Counts of what happened to one notifier's deliveries. */
export interface DeliveryStats {
  readonly notifier: string;
  delivered: number;
  failed: number;
  retried: number;
  dropped: number;
  lastError: string | null;
}

interface Batch {
  readonly notifications: readonly AlertNotification[];
  readonly nowMs: number;
}

/**
 * One notifier's outbox: batches are delivered in order, one at a time, each with a timeout and
 * retries with exponential backoff, off the caller's path (`enqueue()` returns at once). A failure
 * is reported through `diag` and `onError`, never thrown, so other notifiers keep delivering.
 */
export class DeliveryQueue {
  readonly stats: DeliveryStats;
  private readonly queue: Batch[] = [];
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private readonly maxAttempts: number;
  private readonly attemptTimeoutMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxQueuedBatches: number;

  constructor(
    private readonly notifier: Notifier,
    options: DeliveryOptions = {},
    private readonly onError?: (notifier: string, error: Error) => void,
    private readonly diag: DiagLogger = createTelemetryLogger(),
  ) {
    // Timer values through the one duration policy: past 2^31 - 1 ms Node fires after 1 ms.
    this.maxAttempts = countOption(
      options.maxAttempts,
      { name: "delivery.maxAttempts", defaultValue: 4, max: 100 },
      this.diag,
    );
    this.attemptTimeoutMs = durationOption(
      options.attemptTimeoutMs,
      { name: "delivery.attemptTimeoutMs", defaultMs: 5000 },
      this.diag,
    );
    this.backoffBaseMs = durationOption(
      options.backoffBaseMs,
      { name: "delivery.backoffBaseMs", defaultMs: 250 },
      this.diag,
    );
    this.backoffMaxMs = durationOption(
      options.backoffMaxMs,
      { name: "delivery.backoffMaxMs", defaultMs: 5000 },
      this.diag,
    );
    this.maxQueuedBatches = countOption(
      options.maxQueuedBatches,
      { name: "delivery.maxQueuedBatches", defaultValue: 100, max: 100_000 },
      this.diag,
    );
    this.stats = {
      notifier: notifier.name,
      delivered: 0,
      failed: 0,
      retried: 0,
      dropped: 0,
      lastError: null,
    };
  }

  /** Queues a batch for delivery and returns at once. */
  enqueue(notifications: readonly AlertNotification[], nowMs: number): void {
    if (notifications.length === 0 || this.stopping.signal.aborted) return;
    if (this.queue.length >= this.maxQueuedBatches) {
      this.queue.shift();
      this.stats.dropped++;
      this.report(new Error(`queue full (${this.maxQueuedBatches} batches): oldest batch dropped`));
    }
    this.queue.push({ notifications, nowMs });
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
  }

  /**
   * Waits until every queued batch is delivered or given up, at most `timeoutMs`; then aborts
   * what is still in flight. Resolves `true` when everything finished in time.
   */
  async close(timeoutMs: number): Promise<boolean> {
    const running = this.running;
    let timer: NodeJS.Timeout | undefined;
    const finished =
      running === undefined
        ? true
        : await Promise.race([
            running.then(() => true),
            new Promise<boolean>((resolve) => {
              timer = setTimeout(() => resolve(false), timeoutMs);
              timer.unref();
            }),
          ]);
    clearTimeout(timer);
    this.stopping.abort();
    if (!finished) {
      this.stats.dropped += this.queue.length;
      this.queue.length = 0;
      await running;
    }
    return finished;
  }

  private async run(): Promise<void> {
    for (let batch = this.queue.shift(); batch !== undefined; batch = this.queue.shift()) {
      await this.deliver(batch);
    }
  }

  private async deliver(batch: Batch): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.stopping.signal.aborted) {
        this.stats.dropped++;
        return;
      }
      const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.attemptTimeoutMs)]);
      try {
        await this.notifier.send(batch.notifications, { signal, nowMs: batch.nowMs });
        this.stats.delivered++;
        return;
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        const retryable = !(error instanceof NotifierError) || error.retryable;
        if (!retryable || attempt >= this.maxAttempts || this.stopping.signal.aborted) {
          this.stats.failed++;
          this.report(error, attempt);
          return;
        }
        this.stats.retried++;
        const delay = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1));
        await sleep(delay * (1 + Math.random() * 0.5), this.stopping.signal);
      }
    }
  }

  private report(error: Error, attempts?: number): void {
    this.stats.lastError = error.message;
    const after = attempts === undefined ? "" : ` after ${attempts} attempt(s)`;
    this.diag.error(
      `zoran-telemetrie alerting: notifier "${this.notifier.name}" failed${after}: ${error.message}`,
    );
    try {
      this.onError?.(this.notifier.name, error);
    } catch {
      // A throwing error hook must not stop deliveries.
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
