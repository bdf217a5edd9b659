import {
  type Context,
  context,
  type DiagLogger,
  diag as globalDiag,
  INVALID_SPAN_CONTEXT,
  type Meter,
  metrics,
  propagation,
  type Span,
  type SpanKind,
  SpanStatusCode,
  type Tracer,
  trace as traceApi,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { AlwaysOffSampler, BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import type { AlertState } from "../alerting/alert-state.js";
import type { AlertingEngine } from "../alerting/alerting-engine.js";
import {
  alertsResponseBody,
  createAlertingEngine,
  DEFAULT_EVALUATION_INTERVAL_MS,
} from "../alerting/alerting-options.js";
import type { ClusterAggregator } from "../cluster/cluster-aggregator.js";
import { serializeCsv } from "../exporters/csv/csv-serializer.js";
import { EXPORTER_FACTORIES } from "../exporters/exporter-registry.js";
import { serializeJsonLines } from "../exporters/json/json-lines-serializer.js";
import {
  createPrometheusExporter,
  type PrometheusExporter,
  type RouteHandler,
} from "../exporters/prometheus/prometheus-exporter.js";
import { serializePrometheus } from "../exporters/prometheus/prometheus-serializer.js";
import type { ExporterSetup, TelemetryExporter } from "../exporters/telemetry-exporter.js";
import {
  type AiExchange,
  type AiExchangeOptions,
  exchange as runExchange,
} from "../instrument/ai-exchange.js";
import { type WrapOptions, wrap as wrapFunction } from "../instrument/wrap.js";
import { MAX_LABEL_LENGTH, scrubValue } from "../privacy/scrub-value.js";
import { createCpuProbe } from "../saturation/cpu.js";
import { createEventLoopProbe } from "../saturation/event-loop.js";
import { createIoProbe } from "../saturation/io.js";
import { createMemoryProbe } from "../saturation/memory.js";
import { registerRuntimeMetrics } from "../saturation/runtime-metrics.js";
import type { SaturationProbe } from "../saturation/saturation-probe.js";
import { type GoldenSignal, GoldenSignals } from "../signals/golden-signals.js";
import {
  directionIndex,
  directionSlot,
  ERROR_TYPE_CRASH,
  ERROR_TYPE_OTHER,
  errorTypeIndex,
  errorTypeSlot,
  exchangeIndex,
  OUTCOME_ERROR,
  outcomeIndex,
  outcomeSlot,
} from "../signals/label-index.js";
import {
  ERROR_TYPES,
  EXCHANGES,
  type Exchange,
  NONE,
  PROBE_RESOURCES,
  type ProbeResource,
} from "../signals/label-values.js";
import { EXPORT_FAILURES_METRIC, INSTRUMENTATION_SCOPE } from "../signals/metric-definitions.js";
import { createLivePageRoutes } from "../web/live-page-routes.js";
import { WindowStore } from "../window/window-store.js";
import { envFlag, envPort, exporterList, type TelemetryCollectorOptions } from "./collector-options.js";
import { GoldenSignalStore } from "../recording/golden-signal-store.js";
import { OPERATION_SCOPE_KEY, OperationScope } from "../recording/operation-scope.js";
import { buildResource } from "./resource.js";
import { createSignalHandle, type SignalHandle } from "../recording/signal-handle.js";

/** Snapshot formats of {@link TelemetryCollector.export}. */
export type ExportFormat = "prometheus" | "openmetrics" | "json" | "csv";

/** Options of one {@link TelemetryCollector.trace} call. */
export interface TraceOptions {
  /** Who talks to whom: `ai_ai` or `ai_human`. @default the enclosing operation's, else "none" */
  exchange?: Exchange;
  /** OpenTelemetry span kind. @default SpanKind.INTERNAL */
  kind?: SpanKind;
}

/** Attributes `recordSignal()` reads; any other key is ignored (allow-list, DESIGN §8). */
export interface SignalAttributes {
  /** Operation name (free text, scrubbed); inside `trace()` the span's operation is used. */
  operation?: string;
  /** `ai_ai`, `ai_human` or `none`. */
  exchange?: string;
  /** `ok` or `error` (LATENCY, TRAFFIC with kind `requests`). */
  outcome?: string;
  /** Closed set: invalid_response, unjustified_refusal, crash, timeout, rate_limited, other (ERROR_RATE). */
  error_type?: string;
  /** `bytes` (default), `tokens` or `requests` (TRAFFIC). */
  kind?: string;
  /** `input`, `output` or `none` (TRAFFIC). */
  direction?: string;
  /** Resource name (free text, scrubbed) for SATURATION. @default "custom" */
  resource?: string;
}

const SIGNAL_NAMES: ReadonlySet<string> = new Set(Object.values(GoldenSignals));
const NON_RECORDING_SPAN = traceApi.wrapSpanContext(INVALID_SPAN_CONTEXT);
// Spans of a never-sampling provider do not record, cost little, and reach no processor.
const NON_RECORDING_TRACER = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer(
  "zoran-telemetrie",
);
const PROBE_FACTORIES: Readonly<Record<ProbeResource, () => SaturationProbe>> = {
  cpu: createCpuProbe,
  memory: createMemoryProbe,
  event_loop: createEventLoopProbe,
  io: createIoProbe,
};

/** Reads the collector's own snapshot on demand (the Prometheus endpoint, `export()`, windows). */
class SnapshotReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/**
 * Observes an AI service through the four golden signals, on OpenTelemetry.
 *
 * @example
 * const collector = new TelemetryCollector({ serviceName: "zoran-core", exporter: "prometheus", port: 9464 });
 * await collector.start();
 * await collector.trace("injection_4champs", async () => {
 *   collector.recordSignal(GoldenSignals.TRAFFIC, 1024);
 * });
 * await collector.shutdown();
 */
export class TelemetryCollector {
  /** `service.name` of every signal. */
  readonly serviceName: string;
  /** The OpenTelemetry meter provider: its readers see the golden-signal store too. */
  readonly meterProvider: MeterProvider;
  /** The OpenTelemetry tracer provider behind `trace()`. */
  readonly tracerProvider: BasicTracerProvider;
  /** A meter for the application's own instruments, exported beside the golden signals. */
  readonly meter: Meter;
  /** The golden-signal store (for exporters and benchmarks; prefer `recordSignal` and `series`). */
  readonly store: GoldenSignalStore;

  private readonly diag: DiagLogger;
  private readonly disabled: boolean;
  private readonly cluster: ClusterAggregator | undefined;
  private readonly activeTracer: Tracer | undefined;
  /**
   * The context manager (AsyncLocalStorage) that carries spans and operations across async
   * calls. Instrumentation reads the active context from it; `register()` makes it global.
   */
  readonly contextManager: AsyncLocalStorageContextManager;
  private readonly reader: SnapshotReader;
  private readonly exporters: TelemetryExporter[] = [];
  private prometheus: PrometheusExporter | undefined;
  private readonly probes: SaturationProbe[];
  private readonly probeIntervalMs: number;
  private readonly runtimeMetrics: boolean;
  private readonly shutdownTimeoutMs: number;
  private readonly operationNames = new Map<string, string>();
  private readonly failureReports = new Map<string, { at: number; since: number }>();
  private readonly cardinalityLimit: number;
  /**
   * Recent per-interval deltas of the golden signals (rates, ratios, quantiles over windows),
   * fed from `collect()` every `window.intervalMs` once started. Undefined with `window: false`.
   */
  readonly window: WindowStore | undefined;
  private readonly windowIntervalMs: number;
  private windowTimer: NodeJS.Timeout | undefined;
  private windowBusy = false;
  private readonly alerting: AlertingEngine | undefined;
  private evaluationIntervalMs = DEFAULT_EVALUATION_INTERVAL_MS;
  private lastEvaluationMs = Number.NEGATIVE_INFINITY;
  private probeTimer: NodeJS.Timeout | undefined;
  private stopRuntimeMetrics: (() => void) | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: TelemetryCollectorOptions = {}) {
    this.diag = options.diag ?? globalDiag;
    this.disabled = options.disabled ?? envFlag("OTEL_SDK_DISABLED");
    this.cluster = options.cluster;
    const resource = buildResource(options);
    this.serviceName = String(resource.attributes["service.name"]);
    this.cardinalityLimit = positiveInteger(options.cardinalityLimit) ?? 2000;
    this.shutdownTimeoutMs = positiveInteger(options.shutdownTimeoutMs) ?? 5000;
    this.store = new GoldenSignalStore({
      resource,
      cardinalityLimit: this.cardinalityLimit,
      diag: this.diag,
    });
    this.contextManager = new AsyncLocalStorageContextManager().enable();

    const setup: ExporterSetup = {
      serviceName: this.serviceName,
      resource,
      producer: this.store,
      collect: () => this.collect(),
      diag: this.diag,
      reportFailure: (exporter, error) => this.reportExportFailure(exporter, error),
    };
    for (const name of this.disabled ? [] : exporterList(options.exporter)) {
      try {
        if (name === "prometheus") {
          const prometheus = createPrometheusExporter(setup, {
            ...options.prometheus,
            port:
              options.port ?? options.prometheus?.port ?? envPort("OTEL_EXPORTER_PROMETHEUS_PORT") ?? 9464,
            host:
              options.host ??
              options.prometheus?.host ??
              (process.env.OTEL_EXPORTER_PROMETHEUS_HOST?.trim() || "127.0.0.1"),
          });
          this.prometheus = prometheus;
          this.exporters.push(prometheus);
          continue;
        }
        const factory = EXPORTER_FACTORIES[name as keyof typeof EXPORTER_FACTORIES];
        if (factory === undefined) {
          this.diag.error(
            `zoran-telemetrie: unknown exporter "${String(name)}" ignored; use prometheus, otlp, json, csv, console or none`,
          );
          continue;
        }
        const exporterOptions = {
          shutdownTimeoutMs: this.shutdownTimeoutMs,
          ...((options as Record<string, object | undefined>)[name] ?? {}),
        };
        this.exporters.push(factory(setup, exporterOptions as never));
      } catch (error) {
        this.reportExportFailure(String(name), error);
      }
    }

    this.reader = new SnapshotReader({
      metricProducers: [this.store],
      cardinalitySelector: () => this.cardinalityLimit,
    });
    const readers: MetricReader[] = [this.reader];
    const spanProcessors = [];
    for (const exporter of this.exporters) {
      if (exporter.metricReader) readers.push(exporter.metricReader);
      if (exporter.spanProcessor) spanProcessors.push(exporter.spanProcessor);
    }
    this.meterProvider = new MeterProvider({ resource, readers });
    this.tracerProvider = new BasicTracerProvider({ resource, spanProcessors });
    this.meter = this.meterProvider.getMeter(this.serviceName);
    this.activeTracer =
      options.tracing === false || this.disabled
        ? undefined
        : this.tracerProvider.getTracer(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version);

    const saturation = options.saturation === false || this.disabled ? undefined : (options.saturation ?? {});
    this.probes = (saturation === undefined ? [] : (saturation.probes ?? PROBE_RESOURCES))
      .filter((resource) => resource in PROBE_FACTORIES)
      .map((resource) => PROBE_FACTORIES[resource]());
    this.probeIntervalMs = positiveInteger(saturation?.intervalMs) ?? 1000;
    this.runtimeMetrics = options.runtimeMetrics !== false && !this.disabled;

    const alertingOptions =
      options.alerting === undefined || options.alerting === false || this.disabled
        ? undefined
        : options.alerting === true
          ? {}
          : options.alerting;
    const windowOptions =
      (options.window === false && alertingOptions === undefined) || this.disabled
        ? undefined
        : options.window || {};
    this.windowIntervalMs = positiveInteger(windowOptions?.intervalMs) ?? 2000;
    this.window =
      windowOptions === undefined
        ? undefined
        : new WindowStore({
            intervalMs: this.windowIntervalMs,
            retentionMs: Math.max(
              this.windowIntervalMs,
              positiveInteger(windowOptions.retentionMs) ?? 15 * 60_000,
            ),
            // A coarse ring for the hour-to-days windows of alert and SLO burn-rate rules, only
            // when alerting runs: it is most of a series' window memory (docs/alerting.md).
            ...(alertingOptions === undefined
              ? {}
              : { coarse: { intervalMs: 5 * 60_000, retentionMs: 3 * 24 * 3_600_000 } }),
            maxSeries: positiveInteger(windowOptions.maxSeries) ?? 1000,
          });
    if (this.window !== undefined && this.prometheus !== undefined) {
      // The built-in live page, on the endpoint's port: it only reads the window store.
      const routes = createLivePageRoutes({
        serviceName: this.serviceName,
        window: this.window,
        ...(alertingOptions === undefined ? {} : { alerts: () => this.alerts() }),
      });
      for (const [path, handler] of routes) this.prometheus.addRoute(path, handler);
    }
    if (alertingOptions !== undefined && this.window !== undefined) {
      this.alerting = createAlertingEngine(alertingOptions, {
        serviceName: this.serviceName,
        window: this.window,
      });
      this.evaluationIntervalMs =
        positiveInteger(alertingOptions.evaluationIntervalMs) ?? DEFAULT_EVALUATION_INTERVAL_MS;
      this.prometheus?.addRoute("/api/alerts", (request, response) => {
        const body = alertsResponseBody(this.alerts());
        response.writeHead(200, {
          "Content-Type": "application/json; charset=utf-8",
          "Content-Length": Buffer.byteLength(body),
          "Cache-Control": "no-store",
        });
        response.end(request.method === "HEAD" ? undefined : body);
      });
    }
  }

  /**
   * The tracer `trace()` and the HTTP/fetch instrumentation start spans with; with
   * `tracing: false` (or when disabled) one whose spans do not record and are never exported.
   */
  get tracer(): Tracer {
    return this.activeTracer ?? NON_RECORDING_TRACER;
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
    return this.alerting?.states() ?? [];
  }

  /**
   * Makes this collector's providers, context manager and W3C trace-context propagator the
   * OpenTelemetry globals, so OpenTelemetry auto-instrumentations (e.g. instrumentation-http)
   * and code using `@opentelemetry/api` directly feed the same pipeline. Returns false (and
   * changes nothing more) when another SDK already registered its globals.
   */
  register(): boolean {
    if (this.disabled) return false;
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

  /** Base URL of the HTTP endpoint once started (e.g. `http://127.0.0.1:9464`), else undefined. */
  get url(): string | undefined {
    return this.prometheus?.url;
  }

  /**
   * Runs `fn` as one operation inside an OpenTelemetry span named `name`, and records its golden
   * signals: one request, its duration, and a `crash` error if `fn` throws. Returns what `fn`
   * returns (a promise for async functions) and rethrows what it throws.
   *
   * @throws TypeError when `fn` is not a function (a programming error, like calling it).
   */
  trace<T>(name: string, fn: (span: Span) => T, options?: TraceOptions): T {
    if (typeof fn !== "function") {
      throw new TypeError(
        `zoran-telemetrie: trace("${String(name).slice(0, 64)}", fn) needs a function, got ${typeof fn}`,
      );
    }
    if (this.disabled) return fn(NON_RECORDING_SPAN);
    let scope: OperationScope;
    let span: Span;
    let context: Context;
    try {
      const parent = this.contextManager.active();
      const parentScope = parent.getValue(OPERATION_SCOPE_KEY) as OperationScope | undefined;
      let exchange =
        options?.exchange === undefined ? (parentScope?.exchangeIndex ?? 2) : exchangeIndex(options.exchange);
      if (exchange < 0) {
        this.store.drop("invalid_attribute", "trace", `exchange must be ai_ai, ai_human or none`);
        exchange = 2;
      }
      const operation = this.operationName(name);
      scope = new OperationScope(operation, exchange, performance.now());
      context = parent.setValue(OPERATION_SCOPE_KEY, scope);
      if (this.activeTracer !== undefined) {
        span = this.activeTracer.startSpan(
          operation,
          exchange === 2
            ? { kind: options?.kind }
            : { kind: options?.kind, attributes: { "zoran.exchange": EXCHANGES[exchange]! } },
          parent,
        );
        context = traceApi.setSpan(context, span);
      } else {
        span = NON_RECORDING_SPAN;
      }
    } catch (error) {
      this.store.drop("internal_error", "trace", describeError(error));
      return fn(NON_RECORDING_SPAN);
    }

    let result: T;
    try {
      result = this.contextManager.with(context, fn, undefined, span);
    } catch (error) {
      this.finish(scope, span, error, true);
      throw error;
    }
    if (isThenable(result)) {
      return result.then(
        (value) => {
          this.finish(scope, span, undefined, false);
          return value;
        },
        (error: unknown) => {
          this.finish(scope, span, error, true);
          throw error;
        },
      ) as T;
    }
    this.finish(scope, span, undefined, false);
    return result;
  }

  /**
   * Records one golden-signal value. Never throws: bad input is dropped, reported once through
   * OpenTelemetry's `diag`, and counted in `zoran_telemetry_dropped_total`.
   *
   * - LATENCY: seconds (>= 0). Inside `trace()` it replaces the measured duration.
   * - ERROR_RATE: error share of one operation in [0, 1], with `error_type`. Outside `trace()` it
   *   also counts one request.
   * - TRAFFIC: a count of `kind` units (`bytes`, `tokens` with `direction`, `requests`).
   * - SATURATION: a ratio in [0, 1] for `resource`.
   */
  recordSignal(signal: GoldenSignal, value: number, attributes?: SignalAttributes): void {
    if (this.disabled) return;
    try {
      switch (signal) {
        case "latency":
          this.recordLatency(value, attributes);
          return;
        case "error_rate":
          this.recordErrorRate(value, attributes);
          return;
        case "traffic":
          this.recordTraffic(value, attributes);
          return;
        case "saturation":
          this.recordSaturation(value, attributes);
          return;
        default:
          this.store.drop(
            "unknown_signal",
            "unknown",
            `recordSignal() takes one of ${[...SIGNAL_NAMES].join(", ")} (use GoldenSignals.*)`,
          );
      }
    } catch (error) {
      // Attribute getters and proxies can throw; the caller's code must not see it.
      this.store.drop(
        "internal_error",
        typeof signal === "string" && SIGNAL_NAMES.has(signal) ? signal : "unknown",
        describeError(error),
      );
    }
  }

  /**
   * A pre-resolved handle for one signal and label set: `record(value)` skips the attribute
   * lookup entirely (the fastest way to record a hot series; bench/record.bench.ts).
   * Outside `trace()` semantics: LATENCY observes, ERROR_RATE counts a request, TRAFFIC adds,
   * SATURATION sets.
   */
  series(signal: GoldenSignal, attributes?: SignalAttributes): SignalHandle {
    return createSignalHandle(this.store, signal, attributes, this.disabled);
  }

  /** A fresh cumulative snapshot of every metric: the golden signals and the app's own instruments. */
  async collect(): Promise<ResourceMetrics> {
    try {
      const { resourceMetrics, errors } = await this.reader.collect();
      for (const error of errors)
        this.diag.warn(`zoran-telemetrie: collection error: ${describeError(error)}`);
      return this.withCluster(resourceMetrics);
    } catch (error) {
      // After shutdown the SDK reader refuses to collect; the store still answers.
      this.diag.debug(`zoran-telemetrie: SDK collection unavailable (${describeError(error)}); store only`);
      return this.withCluster((await this.store.collect()).resourceMetrics);
    }
  }

  /** This process' snapshot merged with its cluster workers' (when it is a cluster primary). */
  private withCluster(own: ResourceMetrics): Promise<ResourceMetrics> | ResourceMetrics {
    return this.cluster === undefined ? own : this.cluster.collect(own);
  }

  /**
   * The current snapshot as text: `prometheus` (text 0.0.4), `openmetrics`, `json` (one OTLP JSON
   * line) or `csv`. Works before `start()` and with `exporter: "none"`.
   */
  async export(format: ExportFormat): Promise<string> {
    const snapshot = await this.collect();
    switch (format) {
      case "prometheus":
        return serializePrometheus(snapshot, { format: "text" });
      case "openmetrics":
        return serializePrometheus(snapshot, { format: "openmetrics" });
      case "json":
        return serializeJsonLines(snapshot);
      case "csv":
        return serializeCsv(snapshot);
      default:
        throw new TypeError(`zoran-telemetrie: export() format must be prometheus, openmetrics, json or csv`);
    }
  }

  /**
   * Serves `handler` on the Prometheus endpoint's port for GET/HEAD `path` (used by the live page
   * and the alert API). Returns false when the collector has no HTTP endpoint.
   */
  addRoute(path: string, handler: RouteHandler): boolean {
    if (this.prometheus === undefined) return false;
    this.prometheus.addRoute(path, handler);
    return true;
  }

  /**
   * Starts the exporters (the endpoint listens, pushers begin) and the saturation probes, whose
   * first sample is taken now. Rejects with a clear error (e.g. port in use); the host app keeps
   * running, and `shutdown()` still resolves.
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
    if (this.disabled || this.stopping !== undefined) return;
    const started: TelemetryExporter[] = [];
    try {
      for (const exporter of this.exporters) {
        await exporter.start?.();
        started.push(exporter);
      }
    } catch (error) {
      await Promise.allSettled(started.map((exporter) => exporter.shutdown()));
      throw error;
    }
    if (this.runtimeMetrics) {
      try {
        this.stopRuntimeMetrics = registerRuntimeMetrics(this.meter);
      } catch (error) {
        this.diag.warn(`zoran-telemetrie: runtime metrics unavailable: ${describeError(error)}`);
      }
    }
    if (this.probes.length > 0) {
      await this.sampleProbes();
      this.probeTimer = setInterval(() => void this.sampleProbes(), this.probeIntervalMs);
      this.probeTimer.unref();
    }
    if (this.window !== undefined) {
      await this.tickWindow();
      this.windowTimer = setInterval(() => void this.tickWindow(), this.windowIntervalMs);
      this.windowTimer.unref();
    }
  }

  /** Takes a snapshot into the window (then alert rules are evaluated over it). */
  private async tickWindow(): Promise<void> {
    // A slow collection (huge cardinality) must not pile up ticks behind it.
    if (this.windowBusy || this.window === undefined) return;
    this.windowBusy = true;
    try {
      this.window.ingest(await this.collect());
      const now = Date.now();
      if (this.alerting !== undefined && now - this.lastEvaluationMs >= this.evaluationIntervalMs) {
        this.lastEvaluationMs = now;
        this.alerting.evaluate(now);
      }
    } catch (error) {
      this.diag.warn(`zoran-telemetrie: window update failed: ${describeError(error)}`);
    } finally {
      this.windowBusy = false;
    }
  }

  private async doShutdown(): Promise<void> {
    if (this.starting !== undefined) await this.starting.catch(() => undefined);
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer);
    if (this.windowTimer !== undefined) clearInterval(this.windowTimer);
    this.stopRuntimeMetrics?.();
    const deadline = this.shutdownTimeoutMs;
    // Each exporter's shutdown() flushes once within its own budget (the collector's, passed at
    // construction); a separate forceFlush pass would flush twice and double the wait.
    await withinMs(
      Promise.allSettled([
        ...this.exporters.map((exporter) => exporter.shutdown()),
        this.meterProvider.shutdown(),
        this.tracerProvider.shutdown(),
        this.alerting?.shutdown(),
      ]),
      deadline,
    );
    this.contextManager.disable();
  }

  private async sampleProbes(): Promise<void> {
    for (const probe of this.probes) {
      try {
        const value = await probe.sample();
        if (value !== undefined) this.store.saturation.get(probe.resource, 0).set(value);
      } catch (error) {
        this.diag.debug(`zoran-telemetrie: ${probe.resource} probe failed: ${describeError(error)}`);
      }
    }
  }

  private finish(scope: OperationScope, span: Span, error: unknown, threw: boolean): void {
    try {
      const latency =
        scope.latencySeconds >= 0 ? scope.latencySeconds : (performance.now() - scope.startMs) / 1000;
      let share = scope.errorShare > 0 ? scope.errorShare : 0;
      let errorType = scope.errorTypeIndex;
      if (threw) {
        share = 1;
        errorType = ERROR_TYPE_CRASH;
      }
      const outcome = share > 0 ? OUTCOME_ERROR : 0;
      const slot = outcomeSlot(scope.exchangeIndex, outcome);
      this.store.latency.get(scope.operation, slot).record(latency);
      this.store.requests.get(scope.operation, slot).add(1);
      if (share > 0)
        this.store.errors.get(scope.operation, errorTypeSlot(scope.exchangeIndex, errorType)).add(share);
      if (span !== NON_RECORDING_SPAN) {
        if (threw) {
          // The exception's type only: its message and stack may hold the user's content.
          const type = errorTypeName(error);
          span.setAttribute("error.type", type);
          span.addEvent("exception", { "exception.type": type });
          span.setStatus({ code: SpanStatusCode.ERROR });
        } else if (share > 0) {
          span.setAttribute("error.type", ERROR_TYPES[errorType]!);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      }
    } catch (failure) {
      this.store.drop("internal_error", "trace", describeError(failure));
    }
  }

  private activeScope(): OperationScope | undefined {
    return this.contextManager.active().getValue(OPERATION_SCOPE_KEY) as OperationScope | undefined;
  }

  private recordLatency(value: number, attributes: SignalAttributes | undefined): void {
    if (!(typeof value === "number" && value >= 0 && value < Number.POSITIVE_INFINITY)) {
      this.store.drop("invalid_value", "latency", "LATENCY must be a finite number of seconds >= 0");
      return;
    }
    const scope = this.activeScope();
    if (scope !== undefined) {
      scope.latencySeconds = value;
      return;
    }
    const operation = this.freeText(attributes?.operation, "latency");
    const exchange = this.closedSet(exchangeIndex(attributes?.exchange), 2, "latency", "exchange");
    const outcome = this.closedSet(outcomeIndex(attributes?.outcome), 0, "latency", "outcome");
    this.store.latency.get(operation, outcomeSlot(exchange, outcome)).record(value);
  }

  private recordErrorRate(value: number, attributes: SignalAttributes | undefined): void {
    if (!(typeof value === "number" && value >= 0 && value <= 1)) {
      this.store.drop("invalid_value", "error_rate", "ERROR_RATE must be a number in [0, 1]");
      return;
    }
    const errorType = this.closedSet(
      errorTypeIndex(attributes?.error_type),
      ERROR_TYPE_OTHER,
      "error_rate",
      "error_type",
    );
    const scope = this.activeScope();
    if (scope !== undefined) {
      scope.errorShare = value;
      scope.errorTypeIndex = errorType;
      return;
    }
    const operation = this.freeText(attributes?.operation, "error_rate");
    const exchange = this.closedSet(exchangeIndex(attributes?.exchange), 2, "error_rate", "exchange");
    const outcome = value > 0 ? OUTCOME_ERROR : 0;
    this.store.requests.get(operation, outcomeSlot(exchange, outcome)).add(1);
    if (value > 0) this.store.errors.get(operation, errorTypeSlot(exchange, errorType)).add(value);
  }

  private recordTraffic(value: number, attributes: SignalAttributes | undefined): void {
    if (!(typeof value === "number" && value >= 0 && value < Number.POSITIVE_INFINITY)) {
      this.store.drop("invalid_value", "traffic", "TRAFFIC must be a finite count >= 0");
      return;
    }
    const scope = this.activeScope();
    const operation = scope?.operation ?? this.freeText(attributes?.operation, "traffic");
    const exchange =
      scope?.exchangeIndex ?? this.closedSet(exchangeIndex(attributes?.exchange), 2, "traffic", "exchange");
    const kind = attributes?.kind;
    if (kind === undefined || kind === "bytes") {
      const direction = this.closedSet(directionIndex(attributes?.direction), 2, "traffic", "direction");
      this.store.exchangeSize.get(operation, directionSlot(exchange, direction)).add(value);
    } else if (kind === "tokens") {
      const direction = this.closedSet(directionIndex(attributes?.direction), 2, "traffic", "direction");
      this.store.tokens.get(operation, directionSlot(exchange, direction)).add(value);
    } else if (kind === "requests") {
      const outcome = this.closedSet(outcomeIndex(attributes?.outcome), 0, "traffic", "outcome");
      this.store.requests.get(operation, outcomeSlot(exchange, outcome)).add(value);
    } else {
      this.store.drop(
        "invalid_attribute",
        "traffic",
        "TRAFFIC kind must be bytes, tokens or requests; value dropped",
      );
    }
  }

  private recordSaturation(value: number, attributes: SignalAttributes | undefined): void {
    if (!(typeof value === "number" && value >= 0 && value <= 1)) {
      this.store.drop("invalid_value", "saturation", "SATURATION must be a ratio in [0, 1]");
      return;
    }
    const raw = attributes?.resource;
    let resource = "custom";
    if (typeof raw === "string") resource = raw;
    else if (raw !== undefined)
      this.store.drop("invalid_attribute", "saturation", "resource must be a string");
    this.store.saturation.get(resource, 0).set(value);
  }

  /** A free-text label value: strings pass (the store scrubs them once), anything else is `none`. */
  private freeText(value: unknown, signal: string): string {
    if (value === undefined) return NONE;
    if (typeof value === "string") return value;
    this.store.drop("invalid_attribute", signal, "operation must be a string");
    return NONE;
  }

  /** A closed-set index, or `fallback` (counted as a dropped attribute) when the value is outside the set. */
  private closedSet(index: number, fallback: number, signal: string, key: string): number {
    if (index >= 0) return index;
    this.store.drop("invalid_attribute", signal, `${key} is outside its closed set`);
    return fallback;
  }

  /** Scrubbed span/operation name, cached (bounded) so `trace()` scrubs a name once. */
  private operationName(name: unknown): string {
    if (typeof name !== "string") {
      this.store.drop("invalid_attribute", "trace", "trace() name must be a string");
      return NONE;
    }
    let clean = this.operationNames.get(name);
    if (clean === undefined) {
      clean = scrubValue(name) || NONE;
      // Bounded in count and in key length: long names are scrubbed each time, never pinned.
      if (this.operationNames.size < this.cardinalityLimit * 2 && name.length <= MAX_LABEL_LENGTH * 4) {
        this.operationNames.set(name, clean);
      }
    }
    return clean;
  }

  private reportExportFailure(exporter: string, error: unknown): void {
    this.store.exportFailed(exporter);
    // An outage fails every interval: report the first failure with what to do, then at most
    // once per FAILURE_REPORT_INTERVAL_MS with the count; every failure is in the self-metric.
    const now = Date.now();
    const last = this.failureReports.get(exporter);
    if (last !== undefined && now - last.at < FAILURE_REPORT_INTERVAL_MS) {
      last.since++;
      this.diag.debug(`zoran-telemetrie: ${exporter} exporter failed again: ${describeError(error)}`);
      return;
    }
    const repeated =
      last === undefined
        ? ""
        : ` (${last.since + 1} failures in the last ${FAILURE_REPORT_INTERVAL_MS / 60_000} min)`;
    this.failureReports.set(exporter, { at: now, since: 0 });
    this.diag.error(
      `zoran-telemetrie: ${exporter} exporter failed${repeated}: ${describeError(error)}. ${FAILURE_ADVICE[exporter] ?? ""} Failures are counted in ${EXPORT_FAILURES_METRIC.promName}{exporter="${exporter}"}; the application keeps running.`,
    );
  }
}

/** How often a failing exporter is reported again through `diag` (it is counted every time). */
const FAILURE_REPORT_INTERVAL_MS = 10 * 60_000;

/** What to do about a failing exporter, by name. */
const FAILURE_ADVICE: Readonly<Record<string, string>> = {
  otlp: "Check that the OTLP receiver is reachable at the configured endpoint (otlp.endpoint or OTEL_EXPORTER_OTLP_ENDPOINT); cumulative values are sent again once it answers.",
  json: "Check that the JSON Lines path is writable and its disk has space.",
  csv: "Check that the CSV path is writable and its disk has space.",
  console: "Check that standard output is writable.",
  prometheus: "The endpoint keeps serving; check the request that failed.",
};

function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  try {
    return typeof (value as { then?: unknown }).then === "function";
  } catch {
    // A proxy or getter that throws on `then`: not a promise we can follow; the value passes through.
    return false;
  }
}

function errorTypeName(error: unknown): string {
  const name =
    error instanceof Error
      ? error.constructor?.name || error.name || "Error"
      : error === null
        ? "null"
        : typeof error;
  return scrubValue(String(name), 64) || "Error";
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function positiveInteger(value: number | undefined): number | undefined {
  // Clamped to what setTimeout accepts: past 2^31 - 1 ms Node fires after 1 ms instead.
  return typeof value === "number" && Number.isInteger(value) && value > 0
    ? Math.min(value, 2 ** 31 - 1)
    : undefined;
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
