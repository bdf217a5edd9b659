import type { DiagLogger } from "@opentelemetry/api";
import { countOption } from "../../config/count-option.js";
import { durationFrom, envDuration } from "../../config/duration-option.js";
import { reportBadOption } from "../../config/report-bad-option.js";
import { createTelemetryLogger } from "../../diagnostics/telemetry-logger.js";
import { resolveExportIntervalMs, resolveShutdownTimeoutMs } from "../push/export-interval.js";

/** OTLP transports this exporter speaks (gRPC is not shipped: it needs `@grpc/grpc-js`). */
export type OtlpProtocol = "http/protobuf" | "http/json";

/** Options of the OTLP exporter (`exporter: "otlp"`). Every one falls back to its `OTEL_*` variable. */
export interface OtlpExporterOptions {
  /**
   * Base URL of the receiver; `/v1/metrics` and `/v1/traces` are appended.
   * @default OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318
   */
  readonly endpoint?: string;
  /** Full metrics URL, used as is. @default OTEL_EXPORTER_OTLP_METRICS_ENDPOINT */
  readonly metricsUrl?: string;
  /** Full traces URL, used as is. @default OTEL_EXPORTER_OTLP_TRACES_ENDPOINT */
  readonly tracesUrl?: string;
  /**
   * Encoding of both signals.
   * @default OTEL_EXPORTER_OTLP_{METRICS,TRACES}_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else "http/protobuf"
   */
  readonly protocol?: OtlpProtocol;
  /** Encoding of metrics only; wins over `protocol`. */
  readonly metricsProtocol?: OtlpProtocol;
  /** Encoding of traces only; wins over `protocol`. */
  readonly tracesProtocol?: OtlpProtocol;
  /** Extra request headers (e.g. an API key); merged over `OTEL_EXPORTER_OTLP_*HEADERS`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body compression. @default OTEL_EXPORTER_OTLP_*COMPRESSION, else "none" */
  readonly compression?: "gzip" | "none";
  /**
   * Time between two metric pushes, in milliseconds.
   * @default OTEL_METRIC_EXPORT_INTERVAL, else 60000
   */
  readonly intervalMs?: number;
  /**
   * Longest time one export may take, retries (backoff, `Retry-After`) included, in milliseconds.
   * Capped at `intervalMs`, so that exports never pile up.
   * @default OTEL_EXPORTER_OTLP_TIMEOUT, else 10000
   */
  readonly timeoutMs?: number;
  /**
   * Longest time the metric reader gives one metric export, in milliseconds (the SDK's
   * `exportTimeoutMillis`); capped at `intervalMs`. The collector fills it from
   * `OTEL_METRIC_EXPORT_TIMEOUT`. @default timeoutMs
   */
  readonly metricExportTimeoutMs?: number;
  /** Temporality asked of the SDK's own instruments. @default OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, else "cumulative" */
  readonly temporality?: "cumulative" | "delta" | "lowmemory";
  /** Export metrics. @default true */
  readonly metrics?: boolean;
  /** Export the spans of `trace()`. @default true */
  readonly traces?: boolean;
  /**
   * Spans kept for the next attempt when an export fails (receiver down); past it the oldest are dropped and reported.
   * @default 2048
   */
  readonly maxRetainedSpans?: number;
  /**
   * Longest time `shutdown()` waits for the final flush, in milliseconds.
   * @default 5000
   */
  readonly shutdownTimeoutMs?: number;
}

/** The OTLP configuration after options and environment are merged: what the factory builds from. */
export interface ResolvedOtlpConfig {
  /** Full metrics URL, or `undefined` to let the official exporter read its variables. */
  readonly metricsUrl: string | undefined;
  readonly tracesUrl: string | undefined;
  readonly metricsProtocol: OtlpProtocol;
  readonly tracesProtocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly compression: "gzip" | "none" | undefined;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly metricExportTimeoutMs: number;
  readonly temporality: "cumulative" | "delta" | "lowmemory" | undefined;
  readonly metrics: boolean;
  readonly traces: boolean;
  readonly maxRetainedSpans: number;
  readonly shutdownTimeoutMs: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Default of {@link OtlpExporterOptions.maxRetainedSpans}. */
export const DEFAULT_MAX_RETAINED_SPANS = 2048;

/**
 * Merges the options with the standard OpenTelemetry variables; options win. Variables the
 * official exporters read themselves (endpoints, headers, compression, temporality) are only
 * turned into values here when an option overrides part of them.
 */
export function resolveOtlpConfig(
  options: OtlpExporterOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  diag: DiagLogger = createTelemetryLogger(),
): ResolvedOtlpConfig {
  const intervalMs = resolveExportIntervalMs(options.intervalMs, "otlp", diag, env);
  // Durations go through the one duration-option policy (src/config/duration-option.ts).
  const timeoutMs = Math.min(
    durationFrom(
      [
        { name: "otlp.timeoutMs", value: options.timeoutMs },
        { name: "OTEL_EXPORTER_OTLP_TIMEOUT", value: envDuration(env.OTEL_EXPORTER_OTLP_TIMEOUT) },
      ],
      { defaultMs: DEFAULT_TIMEOUT_MS },
      diag,
    ),
    intervalMs,
  );
  const base = options.endpoint?.replace(/\/+$/, "");
  return {
    metricsUrl: options.metricsUrl ?? (base === undefined ? undefined : `${base}/v1/metrics`),
    tracesUrl: options.tracesUrl ?? (base === undefined ? undefined : `${base}/v1/traces`),
    metricsProtocol: resolveProtocol(options.metricsProtocol ?? options.protocol, env, "METRICS", diag),
    tracesProtocol: resolveProtocol(options.tracesProtocol ?? options.protocol, env, "TRACES", diag),
    headers: options.headers,
    compression: options.compression,
    intervalMs,
    timeoutMs,
    metricExportTimeoutMs: Math.min(
      durationFrom(
        [{ name: "otlp.metricExportTimeoutMs", value: options.metricExportTimeoutMs }],
        { defaultMs: timeoutMs },
        diag,
      ),
      intervalMs,
    ),
    temporality: options.temporality,
    metrics: options.metrics ?? true,
    traces: options.traces ?? true,
    maxRetainedSpans: countOption(
      options.maxRetainedSpans,
      { name: "otlp.maxRetainedSpans", defaultValue: DEFAULT_MAX_RETAINED_SPANS, max: 1_000_000 },
      diag,
    ),
    shutdownTimeoutMs: resolveShutdownTimeoutMs(options.shutdownTimeoutMs, "otlp", diag),
  };
}

function resolveProtocol(
  option: OtlpProtocol | undefined,
  env: NodeJS.ProcessEnv,
  signal: "METRICS" | "TRACES",
  diag: DiagLogger,
): OtlpProtocol {
  const value: unknown =
    option ?? env[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`] ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  const text = typeof value === "string" ? value.trim().toLowerCase() : value;
  if (text === undefined || text === "" || text === "http/protobuf") return "http/protobuf";
  if (text === "http/json") return "http/json";
  // gRPC is refused, visibly: its exporters need @grpc/grpc-js, which this package does not ship.
  reportBadOption(
    diag,
    "OTLP protocol",
    value,
    text === "grpc"
      ? "http/protobuf or http/json (gRPC is not shipped: point the endpoint at the receiver's OTLP/HTTP port, 4318, not gRPC's 4317)"
      : "http/protobuf or http/json (grpc is not shipped)",
    "http/protobuf",
  );
  return "http/protobuf";
}
