import type { DiagLogger, Meter, Tracer } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { MeterProvider, type MetricProducer } from "@opentelemetry/sdk-metrics";
import { AlwaysOffSampler, type SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { OperationContextManager } from "../recording/operation-context-manager.js";
import { PooledIdGenerator } from "../recording/pooled-id-generator.js";
import { INSTRUMENTATION_SCOPE } from "../signals/metric-definitions.js";
import type { SnapshotSource } from "../snapshot/snapshot-source.js";
import type { ResolvedCollectorOptions } from "./resolve-options.js";
import { SdkBridge } from "./sdk-bridge.js";

/** The tracer of a collector with `tracing: false` or disabled: its spans do not record, cost little, and reach no processor. */
export const NON_RECORDING_TRACER: Tracer = new TracerProvider({ sampler: new AlwaysOffSampler() }).getTracer(
  INSTRUMENTATION_SCOPE.name,
);

/** A collector's OpenTelemetry providers and the bridge that joins them to the globals. */
export interface ProviderParts {
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: TracerProvider;
  /** The meter of the application's own instruments, named after the service. */
  readonly meter: Meter;
  /** The golden signals and the meter's instruments, without what the app SDK's reader reads. */
  readonly metricProducer: MetricProducer;
  readonly bridge: SdkBridge;
}

/** What the providers are built from. */
export interface ProviderContext {
  readonly resolved: ResolvedCollectorOptions;
  readonly source: SnapshotSource;
  readonly contextManager: OperationContextManager;
  /** The exporters' span processors (OTLP, console spans). */
  readonly exporterSpanProcessors: readonly SpanProcessor[];
  /** The `spanProcessors` option, unchecked. */
  readonly spanProcessorsOption: unknown;
}

/**
 * Builds the meter provider (read by the snapshot source), the tracer provider (the exporters'
 * span processors, then the `spanProcessors` option's) and the SDK bridge with the W3C trace
 * context and baggage propagators.
 */
export function buildProviders(context: ProviderContext): ProviderParts {
  const { resolved, source } = context;
  const { resource, diag } = resolved;
  const meterProvider = new MeterProvider({ resource, readers: [source.reader] });
  const metricProducer: MetricProducer = {
    collect: async () => ({ resourceMetrics: await source.collectWithoutApplication(), errors: [] }),
  };
  const spanProcessors = [
    ...context.exporterSpanProcessors,
    ...spanProcessorsOption(diag, context.spanProcessorsOption),
  ];
  const tracerProvider = new TracerProvider({
    resource,
    idGenerator: new PooledIdGenerator(),
    spanProcessors,
  });
  const meter = meterProvider.getMeter(resolved.serviceName);
  const bridge = new SdkBridge({
    contextManager: context.contextManager,
    tracerProvider,
    meterProvider,
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
    spanProcessors,
    tracing: resolved.tracing,
    metricReaderBound: () => source.applicationReader.bound,
    diag,
  });
  return { meterProvider, tracerProvider, meter, metricProducer, bridge };
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
