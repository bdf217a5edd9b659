import {
  type Context,
  type ContextManager,
  context as contextApi,
  type DiagLogger,
  type MeterProvider,
  metrics,
  propagation,
  type Span,
  type SpanOptions,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
  trace as traceApi,
} from "@opentelemetry/api";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace";
import type { OperationContextManager } from "../recording/operation-context-manager.js";
import { INSTRUMENTATION_SCOPE } from "../signals/metric-definitions.js";

/**
 * The tracer of `trace()` and the HTTP helpers: the collector's own provider's until `join()`,
 * then one of the application's global provider, so the golden-signal spans travel the app's
 * span pipeline (its processors and exporters) and nest under its auto-instrumented spans.
 */
class JoinableTracer implements Tracer {
  private current: Tracer;
  private onFirstSpan: ((span: Span) => void) | undefined;

  constructor(own: Tracer) {
    this.current = own;
  }

  join(tracer: Tracer, onFirstSpan: (span: Span) => void): void {
    this.current = tracer;
    this.onFirstSpan = onFirstSpan;
  }

  startSpan(name: string, options?: SpanOptions, context?: Context): Span {
    const span = this.current.startSpan(name, options, context);
    if (this.onFirstSpan !== undefined) {
      const check = this.onFirstSpan;
      this.onFirstSpan = undefined;
      check(span);
    }
    return span;
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan(...args: unknown[]): unknown {
    return (this.current.startActiveSpan as (...a: unknown[]) => unknown).apply(this.current, args);
  }
}

/**
 * The span processor an application gives its own SDK (`new NodeSDK({ spanProcessors: [...,
 * collector.spanProcessor] })`): every span the app's provider ends is handed to the collector's
 * exporters (OTLP, the `spanProcessors` option). Shutting it down only flushes: the collector's
 * `shutdown()` owns its exporters.
 */
class ForwardingSpanProcessor implements SpanProcessor {
  /** True once the application's provider has started a span through this processor. */
  started = false;

  constructor(private readonly processors: readonly SpanProcessor[]) {}

  onStart(span: Parameters<SpanProcessor["onStart"]>[0], parentContext: Context): void {
    this.started = true;
    for (const processor of this.processors) processor.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    for (const processor of this.processors) processor.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((processor) => processor.forceFlush()));
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }
}

/**
 * The OpenTelemetry globals someone registered already. They live in one registry shared by every
 * copy of `@opentelemetry/api` 1.x, under `Symbol.for("opentelemetry.js.api.1")` (the API's
 * documented cross-copy key), with one entry per global: `context`, `trace`, `metrics`,
 * `propagation`.
 */
function heldGlobals(): Set<string> {
  const registry = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[
    Symbol.for("opentelemetry.js.api.1")
  ];
  return new Set(
    ["context", "trace", "metrics", "propagation"].filter((name) => registry?.[name] !== undefined),
  );
}

/** The collector's OpenTelemetry parts that `register()` makes global, or joins to the app's. */
export interface SdkBridgeOptions {
  /** The collector's context manager: its own until `register()` joins the application's. */
  readonly contextManager: OperationContextManager;
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  readonly propagator: TextMapPropagator;
  /** The collector's span processors (its exporters' and the `spanProcessors` option). */
  readonly spanProcessors: readonly SpanProcessor[];
  /** With `tracing: false`, `trace()` starts no span: no tracer at all. */
  readonly tracing: boolean;
  /** Whether the application's MeterProvider has bound `collector.metricReader`. */
  readonly metricReaderBound: () => boolean;
  readonly diag: DiagLogger;
}

/** What `register()` found: whose providers are the OpenTelemetry globals now. */
export type RegisterOutcome = "registered" | "joined";

/**
 * Connects the collector to the OpenTelemetry globals, whoever owns them.
 *
 * - Nobody yet: the collector's context manager, providers and propagator become the globals;
 *   auto-instrumentations and `@opentelemetry/api` users feed the collector's pipeline.
 * - The application's SDK (e.g. `NodeSDK.start()`) already did: the collector joins it. `trace()`
 *   and the HTTP helpers start their spans with the app's tracer in the app's context, so they
 *   nest under its spans and leave through its exporters; the app's spans reach the collector's
 *   exporters through {@link spanProcessor}, its instruments reach `/metrics` through the
 *   snapshot source's application reader, and the golden signals reach the app's metric
 *   exporters through the collector's `metricProducer`. What the app did not wire is reported.
 */
export class SdkBridge {
  /** See `TelemetryCollector.contextManager`. */
  readonly contextManager: ContextManager;
  /** See `TelemetryCollector.tracer`; undefined with tracing off. */
  readonly tracer: Tracer | undefined;
  /** See `TelemetryCollector.spanProcessor`. */
  readonly spanProcessor: SpanProcessor;
  private readonly joinableTracer: JoinableTracer | undefined;
  private readonly forwarder: ForwardingSpanProcessor;
  private outcome: RegisterOutcome | undefined;

  constructor(private readonly options: SdkBridgeOptions) {
    this.contextManager = options.contextManager;
    this.joinableTracer = options.tracing
      ? new JoinableTracer(
          options.tracerProvider.getTracer(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version),
        )
      : undefined;
    this.tracer = this.joinableTracer;
    this.forwarder = new ForwardingSpanProcessor(options.spanProcessors);
    this.spanProcessor = this.forwarder;
  }

  /** Registers or joins, once; later calls return the first outcome. */
  register(): RegisterOutcome {
    this.outcome ??= this.connect();
    return this.outcome;
  }

  private connect(): RegisterOutcome {
    const { diag } = this.options;
    // Each global is set only when nobody holds it (the API refuses to replace one, and would
    // log the refusal with a stack trace on the application's diag logger).
    const held = heldGlobals();
    const ownContext =
      !held.has("context") && contextApi.setGlobalContextManager(this.options.contextManager);
    const ownTracer = !held.has("trace") && traceApi.setGlobalTracerProvider(this.options.tracerProvider);
    const ownMeter = !held.has("metrics") && metrics.setGlobalMeterProvider(this.options.meterProvider);
    if (!held.has("propagation")) propagation.setGlobalPropagator(this.options.propagator);
    if (ownContext && ownTracer && ownMeter) return "registered";
    if (!ownContext) this.options.contextManager.join();
    if (!ownTracer && this.joinableTracer !== undefined) {
      this.joinableTracer.join(
        traceApi.getTracer(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version),
        (span) => {
          if (span.isRecording() && !this.forwarder.started)
            diag.warn(
              "zoran-telemetrie: register() joined the application's OpenTelemetry SDK, but its spans do not reach the collector's exporters: add collector.spanProcessor to the SDK's spanProcessors (docs/opentelemetry.md)",
            );
        },
      );
    }
    if (!ownMeter && !this.options.metricReaderBound()) {
      diag.warn(
        "zoran-telemetrie: register() found the application's MeterProvider, which does not read through the collector: its instruments will not reach /metrics or the collector's exporters; add collector.metricReader to its readers (NodeSDK metricReaders) (docs/opentelemetry.md)",
      );
    }
    diag.debug(
      `zoran-telemetrie: register() joined the application's OpenTelemetry SDK (kept its ${[
        ownContext ? undefined : "context manager",
        ownTracer ? undefined : "tracer provider",
        ownMeter ? undefined : "meter provider",
      ]
        .filter((part) => part !== undefined)
        .join(", ")})`,
    );
    return "joined";
  }
}
