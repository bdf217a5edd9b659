import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import type { ExporterFactory, ExporterSetup, TelemetryExporter } from "../telemetry-exporter.js";
import { DeferredMetricExporter, DeferredSpanExporter } from "./deferred-exporters.js";
import { DeltaTemporality } from "./delta-temporality.js";
import { FailureReportingMetricExporter } from "./failure-reporting-metric-exporter.js";
import { withExponentialHistograms } from "./native-histograms.js";
import {
  type OtlpExporterOptions,
  type ResolvedOtlpConfig,
  resolveOtlpConfig,
} from "./otlp-exporter-options.js";
import { RetainingSpanProcessor } from "./retaining-span-processor.js";
import { settleWithin } from "./settle-within.js";

/** The official OTLP exporters' module, loaded once, on first need. */
let transports: Promise<typeof import("./otlp-transports.js")> | undefined;
function loadTransports(): Promise<typeof import("./otlp-transports.js")> {
  transports ??= import("./otlp-transports.js");
  return transports;
}

/** Longest wait before a batch of spans goes out, in milliseconds (OpenTelemetry's default). */
const MAX_SPAN_DELAY_MS = 5_000;

/**
 * The OTLP exporter: metrics and the spans of `trace()` pushed to an OpenTelemetry receiver
 * over HTTP, as protobuf or JSON, by the official `@opentelemetry/exporter-*-otlp-*` packages.
 *
 * - Metrics: a `PeriodicExportingMetricReader` fed by the collector's snapshot source (the same
 *   snapshot as `/metrics`, cluster workers included), cumulative (or delta on request), every
 *   `intervalMs`. Each export retries with backoff on 429/502/503/504 and network errors,
 *   honouring `Retry-After`, within `timeoutMs`; a failed export is reported and not queued,
 *   since the next cumulative snapshot carries everything.
 * - Spans: our own {@link RetainingSpanProcessor}, one bounded buffer of `maxRetainedSpans` that
 *   keeps the newest spans across an outage and counts every span it drops (OpenTelemetry's
 *   `BatchSpanProcessor` dropped the newest ones when its own queue was full).
 * - `shutdown()`: one final flush of both, bounded by `shutdownTimeoutMs`; resolves even when
 *   the receiver is down.
 * - The official exporters (and the OTLP stack behind them) are loaded by `start()`, or by the
 *   first export if one comes before: a collector without OTLP never loads them
 *   (`deferred-exporters.ts`, `otlp-transports.ts`).
 *
 * @example
 * createOtlpExporter(setup, { endpoint: "http://127.0.0.1:4318", protocol: "http/json", intervalMs: 10_000 });
 */
export const createOtlpExporter: ExporterFactory<OtlpExporterOptions> = (setup, options = {}) => {
  const name = "otlp";
  const config = resolveOtlpConfig(options, process.env, setup.diag);
  const report = (error: unknown) => setup.reportFailure(name, error);
  const metricExporter = config.metrics
    ? new DeferredMetricExporter(
        async () => (await loadTransports()).createMetricExporter(config),
        config.temporality,
      )
    : undefined;
  const traceExporter = config.traces
    ? new DeferredSpanExporter(async () => (await loadTransports()).createTraceExporter(config))
    : undefined;

  const metricReader = metricExporter
    ? new PeriodicExportingMetricReader({
        exporter: new FailureReportingMetricExporter(metricExporter, report),
        exportIntervalMillis: config.intervalMs,
        exportTimeoutMillis: config.metricExportTimeoutMs,
      })
    : undefined;
  if (metricReader !== undefined) {
    // Fed by the collector's one snapshot source (store, SDK instruments, cluster workers), not
    // registered with the MeterProvider: OTLP sees exactly what /metrics sees. Binding the
    // reader starts its export timer.
    const delta =
      config.temporality === "delta" || config.temporality === "lowmemory"
        ? new DeltaTemporality()
        : undefined;
    metricReader.setMetricProducer({
      collect: async () => {
        // Latency as an ExponentialHistogram when the store records native histograms.
        const snapshot = withExponentialHistograms(await setup.collect());
        return { resourceMetrics: delta === undefined ? snapshot : delta.convert(snapshot), errors: [] };
      },
    });
  }

  const spanProcessor = traceExporter
    ? new RetainingSpanProcessor(traceExporter, {
        exporter: name,
        maxRetainedSpans: config.maxRetainedSpans,
        scheduledDelayMs: Math.min(config.intervalMs, MAX_SPAN_DELAY_MS),
        exportTimeoutMs: config.timeoutMs,
        onExportFailure: report,
        onSpansDropped: (reason, count) => setup.reportSpansDropped?.(name, reason, count),
        diag: setup.diag,
      })
    : undefined;

  let shutdown: Promise<void> | undefined;
  const exporter: TelemetryExporter = {
    name,
    ...(spanProcessor ? { spanProcessor } : {}),
    async start() {
      // Loaded now rather than at the first export; a failure is reported by that export.
      await Promise.all([metricExporter?.load(), traceExporter?.load()]).catch(() => undefined);
    },
    async forceFlush() {
      await Promise.all([
        metricReader?.forceFlush().catch(report),
        spanProcessor?.forceFlush().catch(report),
      ]);
    },
    shutdown() {
      shutdown ??= shutDownWithin(setup, config, metricReader, spanProcessor);
      return shutdown;
    },
  };
  return exporter;
};

async function shutDownWithin(
  setup: ExporterSetup,
  config: ResolvedOtlpConfig,
  metricReader: PeriodicExportingMetricReader | undefined,
  spanProcessor: RetainingSpanProcessor | undefined,
): Promise<void> {
  const report = (error: unknown) => setup.reportFailure("otlp", error);
  // Shutting the reader down flushes it once, then stops its timer and the HTTP agent.
  const work = Promise.all([metricReader?.shutdown().catch(report), spanProcessor?.shutdown().catch(report)]);
  const inTime = await settleWithin(work, config.shutdownTimeoutMs, report);
  if (!inTime) report(new Error(`otlp: final flush did not finish within ${config.shutdownTimeoutMs} ms`));
}
