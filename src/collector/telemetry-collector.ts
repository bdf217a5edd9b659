import {
  type Context,
  type ContextManager,
  context,
  type DiagLogger,
  type Meter,
  metrics,
  propagation,
  type Span,
  type Tracer,
  trace as traceApi,
} from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { MeterProvider, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { AlwaysOffSampler, BasicTracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { AlertState } from "../alerting/alert-state.js";
import type { AlertingEngine } from "../alerting/alerting-engine.js";
import { FailureReporter } from "../diagnostics/failure-reporter.js";
import type { HttpEndpoint } from "../endpoint/http-endpoint.js";
import type { RouteHandler } from "../endpoint/route-handler.js";
import type { TelemetryExporter } from "../exporters/telemetry-exporter.js";
import {
  type AiExchange,
  type AiExchangeOptions,
  exchange as runExchange,
} from "../instrument/ai-exchange.js";
import { type WrapOptions, wrap as wrapFunction } from "../instrument/wrap.js";
import { describeError } from "../privacy/describe-error.js";
import { DEFAULT_MAX_BUCKETS } from "../recording/exponential-buckets.js";
import { GoldenSignalStore } from "../recording/golden-signal-store.js";
import { OperationContextManager } from "../recording/operation-context-manager.js";
import { PooledIdGenerator } from "../recording/pooled-id-generator.js";
import type { CapturedContext, Recorder } from "../recording/recorder.js";
import type { SignalAttributes, TraceOptions } from "../recording/signal-attributes.js";
import type { SignalHandle } from "../recording/signal-handle.js";
import { SignalRecorder } from "../recording/signal-recorder.js";
import { createProbes } from "../saturation/create-probes.js";
import { registerRuntimeMetrics } from "../saturation/runtime-metrics.js";
import type { SaturationProbe } from "../saturation/saturation-probe.js";
import type { GoldenSignal } from "../signals/golden-signals.js";
import { EXPORT_FAILURES_METRIC, INSTRUMENTATION_SCOPE } from "../signals/metric-definitions.js";
import { SnapshotSource } from "../snapshot/snapshot-source.js";
import type { WindowStore } from "../window/window-store.js";
import { buildExporters, buildLiveParts } from "./build-parts.js";
import type { TelemetryCollectorOptions } from "./collector-options.js";
import { type ExportFormat, serializeSnapshot } from "./export-format.js";
import { type ResolvedCollectorOptions, resolveOptions } from "./resolve-options.js";
import { Scheduler } from "./scheduler.js";
import { RUN_PERIODIC } from "./test-hooks.js";

export type { SignalAttributes, TraceOptions } from "../recording/signal-attributes.js";
export type { ExportFormat } from "./export-format.js";

// Spans of a never-sampling provider do not record, cost little, and reach no processor.
const NON_RECORDING_TRACER = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer(
  INSTRUMENTATION_SCOPE.name,
);

/**
 * Observes an AI service through the four golden signals, on OpenTelemetry: the composition
 * root. It resolves the options once, builds the parts (recording kernel, snapshot source,
 * endpoint, exporters, window, alerting, probes) and runs their lifecycle on one scheduler.
 *
 * @example
 * const collector = new TelemetryCollector({ serviceName: "zoran-core", exporter: "prometheus", port: 9464 });
 * await collector.start();
 * await collector.trace("injection_4champs", async () => {
 *   collector.recordSignal(GoldenSignals.TRAFFIC, 1024);
 * });
 * await collector.shutdown();
 */
export class TelemetryCollector implements Recorder {
  /** `service.name` of every signal. */
  readonly serviceName: string;
  /** The OpenTelemetry meter provider: its instruments are exported beside the golden signals. */
  readonly meterProvider: MeterProvider;
  /** The OpenTelemetry tracer provider behind `trace()`. */
  readonly tracerProvider: BasicTracerProvider;
  /** A meter for the application's own instruments, exported beside the golden signals. */
  readonly meter: Meter;
  /** The context manager (AsyncLocalStorage) carrying spans and operations across async calls. */
  readonly contextManager: ContextManager;
  private readonly operationContext: OperationContextManager;
  /** The collector's one logger: loud on stderr unless a diag logger is installed (`OTEL_LOG_LEVEL`). */
  readonly diag: DiagLogger;
  /** @internal The golden-signal store (benchmarks and the project's own tests). */
  readonly store: GoldenSignalStore;
  /** @internal The window store behind the live page and alerting; undefined when off. */
  readonly window: WindowStore | undefined;

  private readonly resolved: ResolvedCollectorOptions;
  private readonly recorder: SignalRecorder;
  private readonly source: SnapshotSource;
  private readonly endpoint: HttpEndpoint | undefined;
  private readonly endpointError: unknown;
  private readonly exporters: readonly TelemetryExporter[];
  private readonly alerting: AlertingEngine | undefined;
  private readonly evaluationIntervalMs: number;
  private readonly activeTracer: Tracer | undefined;
  private readonly probes: SaturationProbe[];
  private readonly scheduler: Scheduler;
  private readonly failures: FailureReporter;
  private lastEvaluationMs = Number.NEGATIVE_INFINITY;
  private stopRuntimeMetrics: (() => void) | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: TelemetryCollectorOptions = {}) {
    const resolved = resolveOptions(options);
    this.resolved = resolved;
    this.scheduler = new Scheduler(resolved.manualScheduler);
    this.diag = resolved.diag;
    this.serviceName = resolved.serviceName;
    const { resource } = resolved;
    this.store = new GoldenSignalStore({
      resource,
      cardinalityLimit: resolved.cardinalityLimit,
      diag: this.diag,
      exemplars: resolved.exemplarFilter !== "always_off",
      nativeMaxBuckets: resolved.nativeHistograms ? DEFAULT_MAX_BUCKETS : undefined,
    });
    this.failures = new FailureReporter(
      this.diag,
      (exporter) => this.store.exportFailed(exporter),
      EXPORT_FAILURES_METRIC.promName,
    );
    this.operationContext = new OperationContextManager().enable();
    this.contextManager = this.operationContext;
    this.source = new SnapshotSource({
      store: this.store,
      cardinalityLimit: resolved.cardinalityLimit,
      merge: resolved.cluster,
      diag: this.diag,
    });
    const parts = buildExporters({
      resolved,
      options,
      resource,
      collect: () => this.collect(),
      reportFailure: (exporter, error) => this.failures.report(exporter, error),
    });
    this.endpoint = parts.endpoint;
    this.endpointError = parts.endpointError;
    this.exporters = parts.exporters;
    this.meterProvider = new MeterProvider({ resource, readers: [this.source.reader] });
    this.tracerProvider = new BasicTracerProvider({
      resource,
      idGenerator: new PooledIdGenerator(),
      spanProcessors: [...parts.spanProcessors, ...spanProcessorsOption(this.diag, options.spanProcessors)],
    });
    this.meter = this.meterProvider.getMeter(this.serviceName);
    this.activeTracer = resolved.tracing
      ? this.tracerProvider.getTracer(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version)
      : undefined;
    this.recorder = new SignalRecorder({
      store: this.store,
      contextManager: this.operationContext,
      tracer: this.activeTracer,
      disabled: resolved.disabled,
      exemplarFilter: resolved.exemplarFilter,
    });
    this.probes = resolved.saturation === undefined ? [] : createProbes(resolved.saturation.probes);
    const live = buildLiveParts(resolved, this.endpoint, () => this.alerts());
    this.window = live.window;
    this.alerting = live.alerting;
    this.evaluationIntervalMs = live.evaluationIntervalMs;
  }

  /**
   * The tracer `trace()` and the HTTP/fetch instrumentation start spans with; with
   * `tracing: false` (or when disabled) one whose spans do not record and are never exported.
   */
  get tracer(): Tracer {
    return this.activeTracer ?? NON_RECORDING_TRACER;
  }

  /** Base URL of the HTTP endpoint once started (e.g. `http://127.0.0.1:9464`), else undefined. */
  get url(): string | undefined {
    return this.endpoint?.url;
  }

  /**
   * Runs `fn` as one operation inside an OpenTelemetry span named `name`, and records its golden
   * signals: one request, its duration, and a `crash` error if `fn` throws. Returns what `fn`
   * returns (a promise for async functions) and rethrows what it throws.
   *
   * @throws TypeError when `fn` is not a function (a programming error, like calling it).
   */
  trace<T>(name: string, fn: (span: Span) => T, options?: TraceOptions): T {
    return this.recorder.trace(name, fn, options);
  }

  /**
   * Records one golden-signal value. Never throws: bad input is dropped, reported once, and
   * counted in `zoran_telemetry_dropped_total`.
   *
   * - LATENCY: seconds (>= 0). Inside `trace()` it replaces the measured duration.
   * - ERROR_RATE: error share of one operation in [0, 1], with `error_type`. Outside `trace()` it
   *   also counts one request.
   * - TRAFFIC: a count of `kind` units (`bytes`, `tokens` with `direction`, `requests`).
   * - SATURATION: a ratio in [0, 1] for `resource`.
   */
  recordSignal(signal: GoldenSignal, value: number, attributes?: SignalAttributes): void {
    this.recorder.recordSignal(signal, value, attributes);
  }

  /**
   * A pre-resolved handle for one signal and label set: `record(value)` skips the attribute
   * lookup entirely (the fastest way to record a hot series; bench/record.bench.ts). Attributes
   * follow exactly the rules of `recordSignal()`; outside-`trace()` semantics: LATENCY observes,
   * ERROR_RATE counts a request, TRAFFIC adds, SATURATION sets.
   */
  series(signal: GoldenSignal, attributes?: SignalAttributes): SignalHandle {
    return this.recorder.series(signal, attributes);
  }

  /**
   * The current place (OpenTelemetry context and `trace()` operation), to re-enter later with
   * {@link enter}: e.g. each step of a stream produced inside an operation.
   */
  capture(): CapturedContext {
    return this.recorder.capture();
  }

  /** Runs `fn` in a place {@link capture}d earlier: its OpenTelemetry context and its operation. */
  enter<T>(captured: CapturedContext, fn: () => T): T {
    return this.recorder.enter(captured, fn);
  }

  /**
   * Runs `fn` in OpenTelemetry context `context`, outside any `trace()` operation: what it
   * records is its own operation's (an HTTP request's handler, a fetch call's result).
   */
  enterOutsideOperation<T>(context: Context, fn: () => T): T {
    return this.recorder.enterOutsideOperation(context, fn);
  }

  /**
   * Wraps `fn` so that every call runs as one operation in `trace(name, ...)`: sync and async
   * functions, generators and async iterables (the operation lasts until the stream ends).
   */
  wrap<F extends (...args: never[]) => unknown>(name: string, fn: F, options?: WrapOptions): F {
    return wrapFunction(this, name, fn as never, options) as F;
  }

  /**
   * Runs one AI exchange (AI-to-AI or AI-to-human) and records its golden signals and the
   * GenAI semantic-convention metrics: tokens, sizes, time to first chunk, and its outcome.
   * Prompt and completion content is never recorded.
   */
  exchange<T>(options: AiExchangeOptions, fn: (exchange: AiExchange) => T | Promise<T>): Promise<T> {
    return runExchange(this, options, fn);
  }

  /**
   * Current alert states (pending, firing, recently resolved, and one `inactive` entry per quiet
   * rule); empty without `alerting`. Also served as JSON on `GET /api/alerts`.
   */
  alerts(): AlertState[] {
    try {
      return this.alerting?.states() ?? [];
    } catch (error) {
      this.diag.warn(`zoran-telemetrie: alert states unavailable: ${describeError(error)}`);
      return [];
    }
  }

  /**
   * Makes this collector's providers, context manager and W3C trace-context propagator the
   * OpenTelemetry globals, so OpenTelemetry auto-instrumentations (e.g. instrumentation-http)
   * and code using `@opentelemetry/api` directly feed the same pipeline. Returns false (and
   * changes nothing more) when another SDK already registered its globals.
   */
  register(): boolean {
    if (this.resolved.disabled) return false;
    const ok = [
      context.setGlobalContextManager(this.contextManager),
      traceApi.setGlobalTracerProvider(this.tracerProvider),
      metrics.setGlobalMeterProvider(this.meterProvider),
      propagation.setGlobalPropagator(
        new CompositePropagator({
          propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
        }),
      ),
    ];
    if (ok.includes(false)) {
      this.diag.warn(
        "zoran-telemetrie: register(): some OpenTelemetry globals were already set and were kept",
      );
    }
    return !ok.includes(false);
  }

  /** A fresh cumulative snapshot of every metric: the golden signals, the app's own instruments, cluster workers. */
  collect(): Promise<ResourceMetrics> {
    return this.source.collect();
  }

  /**
   * The current snapshot as text: `prometheus` (text 0.0.4), `openmetrics`, `json` (one OTLP JSON
   * line) or `csv`. Works before `start()` and with `exporter: "none"`.
   */
  async export(format: ExportFormat): Promise<string> {
    return serializeSnapshot(await this.collect(), format);
  }

  /**
   * Serves `handler` on the endpoint's port for GET/HEAD `path`. Returns false when the
   * collector has no HTTP endpoint.
   */
  addRoute(path: string, handler: RouteHandler): boolean {
    if (this.endpoint === undefined) return false;
    this.endpoint.addRoute(path, handler);
    return true;
  }

  /**
   * Starts the endpoint and exporters and the saturation probes, whose first sample is taken
   * now. Rejects with a clear error (e.g. port in use, unusable TLS); the host app keeps running,
   * and `shutdown()` still resolves.
   */
  start(): Promise<void> {
    if (this.starting === undefined) this.starting = this.doStart();
    return this.starting;
  }

  /** Final flush of every exporter within the shutdown budget, then sockets closed and timers cleared. */
  shutdown(): Promise<void> {
    if (this.stopping === undefined) this.stopping = this.doShutdown();
    return this.stopping;
  }

  private async doStart(): Promise<void> {
    if (this.resolved.disabled || this.stopping !== undefined) return;
    if (this.endpointError !== undefined) throw this.endpointError;
    const started: { shutdown(): Promise<void> }[] = [];
    try {
      if (this.endpoint !== undefined) {
        await this.endpoint.start();
        started.push(this.endpoint);
      }
      for (const exporter of this.exporters) {
        await exporter.start?.();
        started.push(exporter);
      }
    } catch (error) {
      await Promise.allSettled(started.map((part) => part.shutdown()));
      throw error;
    }
    if (this.resolved.runtimeMetrics) {
      try {
        this.stopRuntimeMetrics = registerRuntimeMetrics(this.meter);
      } catch (error) {
        this.diag.warn(`zoran-telemetrie: runtime metrics unavailable: ${describeError(error)}`);
      }
    }
    const saturation = this.resolved.saturation;
    if (saturation !== undefined && this.probes.length > 0) {
      await this.scheduler.every(saturation.intervalMs, () => this.sampleProbes());
    }
    if (this.window !== undefined) {
      await this.scheduler.every(this.resolved.window!.intervalMs, () => this.tickWindow());
    }
  }

  /** @internal Runs every periodic task once, now (the test helpers' manual clock). */
  [RUN_PERIODIC](): Promise<void> {
    return this.scheduler.runAll();
  }

  /** Takes a snapshot into the window, then evaluates the alert rules over it when due. */
  private async tickWindow(): Promise<void> {
    try {
      this.window!.ingest(await this.collect());
      const now = this.resolved.clock();
      if (this.alerting !== undefined && now - this.lastEvaluationMs >= this.evaluationIntervalMs) {
        this.lastEvaluationMs = now;
        this.alerting.evaluate(now);
      }
    } catch (error) {
      this.diag.warn(`zoran-telemetrie: window update failed: ${describeError(error)}`);
    }
  }

  private async sampleProbes(): Promise<void> {
    for (const probe of this.probes) {
      try {
        const value = await probe.sample();
        if (value !== undefined) {
          const saturation = this.store.saturation;
          saturation.set(saturation.seriesOf(probe.resource, 0), value);
        }
      } catch (error) {
        this.diag.debug(`zoran-telemetrie: ${probe.resource} probe failed: ${describeError(error)}`);
      }
    }
  }

  private async doShutdown(): Promise<void> {
    if (this.starting !== undefined) await this.starting.catch(() => undefined);
    this.scheduler.stop();
    this.stopRuntimeMetrics?.();
    // Each exporter's shutdown() flushes once within its own budget (the collector's, passed at
    // construction); a separate forceFlush pass would flush twice and double the wait.
    await withinMs(
      Promise.allSettled([
        this.endpoint?.shutdown(),
        ...this.exporters.map((exporter) => exporter.shutdown()),
        this.meterProvider.shutdown(),
        this.tracerProvider.shutdown(),
        this.alerting?.shutdown(),
      ]),
      this.resolved.shutdownTimeoutMs,
    );
    this.contextManager.disable();
  }
}

/** The `spanProcessors` option: objects with `onEnd` and `shutdown` pass; others are reported and skipped. */
function spanProcessorsOption(diag: DiagLogger, value: unknown): SpanProcessor[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [];
  const valid = list.filter(
    (p): p is SpanProcessor => typeof p?.onEnd === "function" && typeof p?.shutdown === "function",
  );
  if (!Array.isArray(value) || valid.length < list.length)
    diag.warn(
      "zoran-telemetrie: option spanProcessors must be an array of OpenTelemetry SpanProcessors; others ignored",
    );
  return valid;
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
