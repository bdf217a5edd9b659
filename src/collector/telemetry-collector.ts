import type { Context, ContextManager, DiagLogger, Meter, Span, Tracer } from "@opentelemetry/api";
import type {
  MeterProvider,
  MetricProducer,
  MetricReader,
  ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import type { SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { AlertState } from "../alerting/alert-state.js";
import type { AlertingEngine } from "../alerting/alerting-engine.js";
import type { HttpEndpoint } from "../endpoint/http-endpoint.js";
import type { RouteHandler } from "../endpoint/route-handler.js";
import { type InstrumentOptions, instrumentClient } from "../instrument/ai/instrument-client.js";
import type { AiExchange } from "../instrument/ai-exchange.js";
import type { AiExchangeOptions } from "../instrument/ai-exchange-options.js";
import { exchange as runExchange } from "../instrument/exchange.js";
import { type WrapOptions, wrap as wrapFunction } from "../instrument/wrap.js";
import { describeError } from "../privacy/describe-error.js";
import type { GoldenSignalStore, StoreMetricSource } from "../recording/golden-signal-store.js";
import { OperationContextManager } from "../recording/operation-context-manager.js";
import type { CapturedContext, OpenOperation, Recorder } from "../recording/recorder.js";
import type { ExchangeAttributes, SignalAttributes, TraceOptions } from "../recording/signal-attributes.js";
import type { SignalHandle } from "../recording/signal-handle.js";
import { SignalRecorder } from "../recording/signal-recorder.js";
import { createProbes } from "../saturation/create-probes.js";
import type { GoldenSignal } from "../signals/golden-signals.js";
import type { SnapshotSource } from "../snapshot/snapshot-source.js";
import type { WindowStore } from "../window/window-store.js";
import { buildExporters, buildLiveParts } from "./build-parts.js";
import { buildProviders, NON_RECORDING_TRACER } from "./build-providers.js";
import { buildStoreParts } from "./build-store-parts.js";
import { CollectorLifecycle } from "./collector-lifecycle.js";
import type { TelemetryCollectorOptions } from "./collector-options.js";
import { type ExportFormat, type ExpositionSettings, serializeSnapshot } from "./export-format.js";
import { type ResolvedCollectorOptions, resolveOptions } from "./resolve-options.js";
import type { SdkBridge } from "./sdk-bridge.js";
import { RUN_PERIODIC } from "./test-hooks.js";

export type { SignalAttributes, TraceOptions } from "../recording/signal-attributes.js";
export type { ExportFormat } from "./export-format.js";

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
  readonly tracerProvider: TracerProvider;
  /** A meter for the application's own instruments, exported beside the golden signals. */
  readonly meter: Meter;
  /**
   * The context manager carrying spans and operations across async calls: the collector's own
   * (AsyncLocalStorage), or the application's once `register()` joined its OpenTelemetry SDK.
   */
  readonly contextManager: ContextManager;
  /**
   * For an application that runs its own OpenTelemetry SDK: a span processor to add to it
   * (`new NodeSDK({ spanProcessors: [yours, collector.spanProcessor] })`). Every span the app's
   * provider ends then also leaves through this collector's exporters (OTLP, `spanProcessors`).
   * See docs/opentelemetry.md.
   */
  readonly spanProcessor: SpanProcessor;
  /**
   * For an application that runs its own OpenTelemetry SDK: a metric reader to add to its
   * `MeterProvider` (`new NodeSDK({ metricReaders: [yours, collector.metricReader] })`). The app's
   * instruments are then part of every collection: `/metrics`, OTLP, JSON, CSV, the live page.
   */
  readonly metricReader: MetricReader;
  /**
   * The golden signals (and `collector.meter`'s instruments) as an OpenTelemetry `MetricProducer`,
   * for the application's own metric readers:
   * `new PeriodicExportingMetricReader({ exporter, metricProducers: [collector.metricProducer] })`.
   * It leaves out what `metricReader` reads, so nothing is exported twice.
   */
  readonly metricProducer: MetricProducer;
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
  private readonly alerting: AlertingEngine | undefined;
  private readonly activeTracer: Tracer | undefined;
  private readonly bridge: SdkBridge;
  private readonly exposition: ExpositionSettings;
  private readonly lifecycle: CollectorLifecycle;

  constructor(options: TelemetryCollectorOptions = {}) {
    const resolved = resolveOptions(options);
    this.resolved = resolved;
    this.diag = resolved.diag;
    this.serviceName = resolved.serviceName;
    const { store, failures, source, exposition } = buildStoreParts(resolved);
    this.store = store;
    this.source = source;
    this.exposition = exposition;
    const operationContext = new OperationContextManager().enable();
    const parts = buildExporters({
      resolved,
      options,
      resource: resolved.resource,
      collect: () => this.collect(),
      reportFailure: (exporter, error) => failures.report(exporter, error),
      reportSpansDropped: (exporter, reason, count) => store.spansDropped(exporter, reason, count),
      expositionReport: exposition.report,
    });
    this.endpoint = parts.endpoint;
    const providers = buildProviders({
      resolved,
      source,
      contextManager: operationContext,
      exporterSpanProcessors: parts.spanProcessors,
      spanProcessorsOption: options.spanProcessors,
    });
    this.meterProvider = providers.meterProvider;
    this.metricReader = source.applicationReader;
    this.metricProducer = providers.metricProducer;
    this.tracerProvider = providers.tracerProvider;
    this.meter = providers.meter;
    this.bridge = providers.bridge;
    this.contextManager = this.bridge.contextManager;
    this.spanProcessor = this.bridge.spanProcessor;
    this.activeTracer = this.bridge.tracer;
    this.recorder = new SignalRecorder({
      store,
      contextManager: operationContext,
      tracer: this.activeTracer,
      disabled: resolved.disabled,
      exemplarFilter: resolved.exemplarFilter,
    });
    const probes = resolved.saturation === undefined ? [] : createProbes(resolved.saturation.probes);
    const live = buildLiveParts(resolved, this.endpoint, () => this.alerts());
    this.window = live.window;
    this.alerting = live.alerting;
    this.lifecycle = new CollectorLifecycle({
      resolved,
      endpoint: parts.endpoint,
      endpointError: parts.endpointError,
      exporters: parts.exporters,
      meterProvider: this.meterProvider,
      tracerProvider: this.tracerProvider,
      meter: this.meter,
      contextManager: this.contextManager,
      store,
      probes,
      window: live.window,
      alerting: live.alerting,
      evaluationIntervalMs: live.evaluationIntervalMs,
      collect: () => this.collect(),
      exitFlush: { shutdown: () => this.shutdown(), flush: () => this.flush() },
    });
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

  /** Counts one detected model refusal in `zoran_refusals_total` (inside `trace()`: the operation's labels). */
  recordRefusal(attributes?: ExchangeAttributes): void {
    this.recorder.recordRefusal(attributes);
  }

  /** Observes a streamed AI call's time to first token, in seconds (`zoran_time_to_first_token_seconds`). */
  recordTimeToFirstToken(seconds: number, attributes?: ExchangeAttributes): void {
    this.recorder.recordTimeToFirstToken(seconds, attributes);
  }

  /** @internal An operation whose end is decided elsewhere (the AI SDK adapters' calls). */
  startOperation(name: string, options?: TraceOptions): OpenOperation | undefined {
    return this.recorder.startOperation(name, options);
  }

  /** @internal Metrics collected with the golden signals (the GenAI histograms' pre-resolved handles). */
  addMetricSource(source: StoreMetricSource): void {
    this.store.addMetricSource(source);
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
   * Instruments an `OpenAI` or `Anthropic` SDK client instance in place and returns it: every
   * call (chat completions, Responses, embeddings, messages; plain and streamed) is one AI
   * exchange with its tokens, model, error type, refusals and time to first token. Idempotent;
   * what the calls return and throw is unchanged.
   *
   * @example
   * const openai = collector.instrument(new OpenAI());
   */
  instrument<C>(client: C, options?: InstrumentOptions): C {
    return instrumentClient(this, client, options);
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
   * Connects the collector to the OpenTelemetry globals, so auto-instrumentations (e.g.
   * instrumentation-http) and code using `@opentelemetry/api` share one pipeline with it.
   *
   * - No SDK registered yet: this collector's context manager, providers and W3C propagator
   *   become the globals, and it returns true.
   * - The application's own SDK registered first (e.g. `NodeSDK.start()`): the collector joins
   *   it and returns false. `trace()` spans then nest under the app's spans and leave through
   *   its exporters; give its SDK `collector.spanProcessor` and `collector.metricReader` (and
   *   its metric reader `collector.metricProducer`) for the other direction. What is missing is
   *   reported on the collector's logger.
   *
   * Call it once, after the application's SDK (if any) has started. See docs/opentelemetry.md.
   */
  register(): boolean {
    if (this.resolved.disabled) return false;
    return this.bridge.register() === "registered";
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
    return serializeSnapshot(await this.collect(), format, this.exposition);
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
    return this.lifecycle.start();
  }

  /**
   * Pushes what is pending now, without stopping anything: every push and file exporter (OTLP
   * metrics and spans, Pushgateway, remote write, JSON, CSV, console), within the shutdown
   * budget. For serverless handlers, which must push before the runtime freezes the process:
   * `await collector.flush()` at the end of each invocation (docs/batch-jobs.md). Never rejects.
   */
  flush(): Promise<void> {
    return this.lifecycle.flush();
  }

  /** Final flush of every exporter within the shutdown budget, then sockets closed and timers cleared. */
  shutdown(): Promise<void> {
    return this.lifecycle.shutdown();
  }

  /** @internal Runs every periodic task once, now (the test helpers' manual clock). */
  [RUN_PERIODIC](): Promise<void> {
    return this.lifecycle.runPeriodic();
  }
}
