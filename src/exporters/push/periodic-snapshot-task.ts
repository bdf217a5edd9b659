import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { settleWithin } from "../otlp/settle-within.js";
import type { ExporterSetup } from "../telemetry-exporter.js";

/** Options of {@link PeriodicSnapshotTask}. */
export interface PeriodicSnapshotTaskOptions {
  /** Exporter name, used when reporting failures. */
  readonly name: string;
  readonly setup: ExporterSetup;
  /** Time between two writes, in milliseconds. */
  readonly intervalMs: number;
  /** Longest time `shutdown()` waits for its final write, in milliseconds. */
  readonly shutdownTimeoutMs: number;
  /** Writes one snapshot; a rejection is reported, never thrown into the app. */
  write(snapshot: ResourceMetrics): Promise<void>;
  /** Releases files after the final write. */
  close?(): Promise<void>;
}

/**
 * The transport loop shared by the file and console exporters: every `intervalMs`, collect a
 * snapshot and write it. Writes never overlap (a slow disk skips a tick instead of piling up),
 * failures go to `setup.reportFailure`, the timer is unref'd, and `shutdown()` writes once more
 * and resolves within `shutdownTimeoutMs` whatever the disk does.
 */
export class PeriodicSnapshotTask {
  readonly #options: PeriodicSnapshotTaskOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #started = false;
  #shutdown: Promise<void> | undefined;

  constructor(options: PeriodicSnapshotTaskOptions) {
    this.#options = options;
  }

  /** Starts the timer. Calling it again does nothing. */
  start(): void {
    if (this.#started || this.#shutdown) return;
    this.#started = true;
    this.#timer = setInterval(() => void this.#runOnce(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Writes the current snapshot now (after any write in progress). Never rejects. */
  async forceFlush(): Promise<void> {
    if (this.#running) await this.#running;
    await this.#runOnce();
  }

  /** Stops the timer, writes a last snapshot when started, closes. Resolves within the timeout; idempotent. */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#doShutdown();
    return this.#shutdown;
  }

  async #doShutdown(): Promise<void> {
    clearInterval(this.#timer);
    const { name, setup, shutdownTimeoutMs, close } = this.#options;
    const finalWrite = async () => {
      if (this.#started) await this.forceFlush();
      await close?.();
    };
    const inTime = await settleWithin(finalWrite(), shutdownTimeoutMs, (error) =>
      setup.reportFailure(name, error),
    );
    if (!inTime)
      setup.reportFailure(name, new Error(`${name}: shutdown timed out after ${shutdownTimeoutMs} ms`));
  }

  #runOnce(): Promise<void> {
    if (this.#running) return this.#running;
    const { name, setup, write } = this.#options;
    const run = (async () => {
      try {
        await write(await setup.collect());
      } catch (error) {
        setup.reportFailure(name, error);
      }
    })();
    this.#running = run.finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }
}
