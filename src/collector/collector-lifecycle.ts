import type { ContextManager, Meter } from "@opentelemetry/api";
import type { MeterProvider, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { TracerProvider } from "@opentelemetry/sdk-trace";
import type { AlertingEngine } from "../alerting/alerting-engine.js";
import type { HttpEndpoint } from "../endpoint/http-endpoint.js";
import type { TelemetryExporter } from "../exporters/telemetry-exporter.js";
import { describeError } from "../privacy/describe-error.js";
import type { GoldenSignalStore } from "../recording/golden-signal-store.js";
import { registerRuntimeMetrics } from "../saturation/runtime-metrics.js";
import type { SaturationProbe } from "../saturation/saturation-probe.js";
import type { WindowStore } from "../window/window-store.js";
import { type ExitFlushTarget, registerExitFlush } from "./exit-flush.js";
import type { ResolvedCollectorOptions } from "./resolve-options.js";
import { Scheduler } from "./scheduler.js";

/** The started parts of a collector, built by its constructor. */
export interface CollectorLifecycleParts {
  readonly resolved: ResolvedCollectorOptions;
  readonly endpoint: HttpEndpoint | undefined;
  /** Why the endpoint could not be built: `start()` rejects with it. */
  readonly endpointError: unknown;
  readonly exporters: readonly TelemetryExporter[];
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: TracerProvider;
  /** The meter runtime metrics are registered on. */
  readonly meter: Meter;
  /** Disabled at the end of `shutdown()`. */
  readonly contextManager: ContextManager;
  /** Where the probes' samples are set. */
  readonly store: GoldenSignalStore;
  readonly probes: readonly SaturationProbe[];
  readonly window: WindowStore | undefined;
  readonly alerting: AlertingEngine | undefined;
  /** Least time between two alert evaluations, in milliseconds. */
  readonly evaluationIntervalMs: number;
  /** The snapshot each window tick ingests. */
  readonly collect: () => Promise<ResourceMetrics>;
  /** What the exit flush calls: the collector's own `shutdown()` and `flush()`. */
  readonly exitFlush: ExitFlushTarget;
}

/**
 * The lifecycle of a collector's started parts: `start()` (endpoint, exporters, runtime metrics,
 * probes and window ticks on the one scheduler, exit flush), `flush()` and `shutdown()`. Each of
 * `start()` and `shutdown()` runs once; later calls return the same promise.
 */
export class CollectorLifecycle {
  private readonly parts: CollectorLifecycleParts;
  private readonly scheduler: Scheduler;
  private lastEvaluationMs = Number.NEGATIVE_INFINITY;
  private stopRuntimeMetrics: (() => void) | undefined;
  private stopExitFlush: (() => void) | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(parts: CollectorLifecycleParts) {
    this.parts = parts;
    this.scheduler = new Scheduler(parts.resolved.manualScheduler);
  }

  /** See `TelemetryCollector.start`. */
  start(): Promise<void> {
    if (this.starting === undefined) this.starting = this.doStart();
    return this.starting;
  }

  /** See `TelemetryCollector.flush`. Never rejects. */
  async flush(): Promise<void> {
    await withinMs(
      Promise.allSettled([
        ...this.parts.exporters.map((exporter) => exporter.forceFlush?.()),
        this.parts.tracerProvider.forceFlush(),
      ]),
      this.parts.resolved.shutdownTimeoutMs,
    );
  }

  /** See `TelemetryCollector.shutdown`. */
  shutdown(): Promise<void> {
    if (this.stopping === undefined) this.stopping = this.doShutdown();
    return this.stopping;
  }

  /** Runs every periodic task once, now (the test helpers' manual clock). */
  runPeriodic(): Promise<void> {
    return this.scheduler.runAll();
  }

  private async doStart(): Promise<void> {
    const { resolved, endpoint } = this.parts;
    if (resolved.disabled || this.stopping !== undefined) return;
    if (this.parts.endpointError !== undefined) throw this.parts.endpointError;
    const started: { shutdown(): Promise<void> }[] = [];
    try {
      if (endpoint !== undefined) {
        await endpoint.start();
        started.push(endpoint);
      }
      for (const exporter of this.parts.exporters) {
        await exporter.start?.();
        started.push(exporter);
      }
    } catch (error) {
      await Promise.allSettled(started.map((part) => part.shutdown()));
      throw error;
    }
    if (resolved.runtimeMetrics) {
      try {
        this.stopRuntimeMetrics = registerRuntimeMetrics(this.parts.meter);
      } catch (error) {
        resolved.diag.warn(`zoran-telemetrie: runtime metrics unavailable: ${describeError(error)}`);
      }
    }
    const saturation = resolved.saturation;
    if (saturation !== undefined && this.parts.probes.length > 0) {
      await this.scheduler.every(saturation.intervalMs, () => this.sampleProbes());
    }
    if (this.parts.window !== undefined) {
      await this.scheduler.every(resolved.window!.intervalMs, () => this.tickWindow());
    }
    const exitFlush = resolved.exitFlush;
    if (exitFlush !== undefined && this.stopping === undefined) {
      this.stopExitFlush = registerExitFlush(this.parts.exitFlush, exitFlush.signals);
    }
  }

  /** Takes a snapshot into the window, then evaluates the alert rules over it when due. */
  private async tickWindow(): Promise<void> {
    const { alerting } = this.parts;
    try {
      this.parts.window!.ingest(await this.parts.collect());
      const now = this.parts.resolved.clock();
      if (alerting !== undefined && now - this.lastEvaluationMs >= this.parts.evaluationIntervalMs) {
        this.lastEvaluationMs = now;
        alerting.evaluate(now);
      }
    } catch (error) {
      this.parts.resolved.diag.warn(`zoran-telemetrie: window update failed: ${describeError(error)}`);
    }
  }

  private async sampleProbes(): Promise<void> {
    for (const probe of this.parts.probes) {
      try {
        const value = await probe.sample();
        if (value !== undefined) {
          const saturation = this.parts.store.saturation;
          saturation.set(saturation.seriesOf(probe.resource, 0), value);
        }
      } catch (error) {
        this.parts.resolved.diag.debug(
          `zoran-telemetrie: ${probe.resource} probe failed: ${describeError(error)}`,
        );
      }
    }
  }

  private async doShutdown(): Promise<void> {
    if (this.starting !== undefined) await this.starting.catch(() => undefined);
    this.stopExitFlush?.();
    this.scheduler.stop();
    this.stopRuntimeMetrics?.();
    // Each exporter's shutdown() flushes once within its own budget (the collector's, passed at
    // construction); a separate forceFlush pass would flush twice and double the wait.
    await withinMs(
      Promise.allSettled([
        this.parts.endpoint?.shutdown(),
        ...this.parts.exporters.map((exporter) => exporter.shutdown()),
        this.parts.meterProvider.shutdown(),
        this.parts.tracerProvider.shutdown(),
        this.parts.alerting?.shutdown(),
      ]),
      this.parts.resolved.shutdownTimeoutMs,
    );
    this.parts.contextManager.disable();
  }
}

/** Resolves when `promise` settles or after `ms`, whichever is first; never rejects. */
async function withinMs(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
