import type { DiagLogger } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { AlertingOptions } from "../alerting/alerting-options.js";
import {
  booleanOption,
  envFlag,
  envInteger,
  envValue,
  integerOption,
  objectOption,
} from "../config/option-values.js";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";
import type { HttpEndpointOptions } from "../endpoint/http-endpoint.js";
import { EXPORTER_NAMES, type ExporterName } from "../exporters/exporter-registry.js";
import type { ExemplarFilter } from "../recording/signal-attributes.js";
import { isProbeResource } from "../saturation/create-probes.js";
import { PROBE_RESOURCES, type ProbeResource } from "../signals/label-values.js";
import type { SnapshotMerge } from "../snapshot/snapshot-source.js";
import type { SaturationOptions, TelemetryCollectorOptions, WindowOptions } from "./collector-options.js";
import { buildResource } from "./resource.js";
import { TEST_HOOKS, type TestHooks } from "./test-hooks.js";

/** The Prometheus endpoint's settings, once resolved. */
export interface EndpointSettings extends HttpEndpointOptions {
  readonly port: number;
  readonly host: string;
  readonly maxConcurrentScrapes?: number | undefined;
}

/** Every option of a collector, validated once, with code over environment over defaults. */
export interface ResolvedCollectorOptions {
  readonly diag: DiagLogger;
  readonly disabled: boolean;
  readonly resource: Resource;
  readonly serviceName: string;
  readonly cardinalityLimit: number;
  readonly shutdownTimeoutMs: number;
  /** Push and file exporters to build (the endpoint apart). */
  readonly exporters: readonly Exclude<ExporterName, "prometheus" | "none">[];
  /** The HTTP endpoint, when `prometheus` is among the exporters. */
  readonly endpoint: EndpointSettings | undefined;
  readonly tracing: boolean;
  /** Latency also in exponential buckets (`nativeHistograms`, or OTLP's default aggregation). */
  readonly nativeHistograms: boolean;
  readonly exemplarFilter: ExemplarFilter;
  readonly runtimeMetrics: boolean;
  readonly saturation: { readonly intervalMs: number; readonly probes: readonly ProbeResource[] } | undefined;
  readonly window:
    | { readonly intervalMs: number; readonly retentionMs: number; readonly maxSeries: number }
    | undefined;
  readonly alerting: AlertingOptions | undefined;
  readonly cluster: SnapshotMerge | undefined;
  /** Epoch milliseconds of the window and alerting (`Date.now` unless a test helper set one). */
  readonly clock: () => number;
  /** Periodic work runs only when a test helper says so. */
  readonly manualScheduler: boolean;
}

/** Default window: a snapshot every 2 s, 15 minutes kept, at most 1,000 series. */
const WINDOW_DEFAULTS = { intervalMs: 2_000, retentionMs: 15 * 60_000, maxSeries: 1_000 } as const;

/**
 * Resolves a collector's options: the one place where options and the standard OpenTelemetry
 * environment variables are read, checked and defaulted. A wrong value takes the default with
 * one warning (see `config/option-values.ts`); nothing here throws.
 */
export function resolveOptions(
  options: TelemetryCollectorOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedCollectorOptions {
  const diag = createTelemetryLogger({ diag: options.diag, env });
  const disabled = booleanOption(diag, "disabled", options.disabled, envFlag(env, "OTEL_SDK_DISABLED"));
  const resource = buildResource(options);
  const names = exporterNames(diag, options.exporter);
  const saturationOption =
    options.saturation === false
      ? undefined
      : objectOption<SaturationOptions>(diag, "saturation", options.saturation ?? {});
  const alerting = alertingOptions(diag, options.alerting);
  const windowOption =
    options.window === false
      ? alerting === undefined
        ? undefined
        : {}
      : (objectOption<WindowOptions>(diag, "window", options.window) ?? {});
  const windowIntervalMs = integerOption(
    diag,
    "window.intervalMs",
    windowOption?.intervalMs,
    WINDOW_DEFAULTS.intervalMs,
  );
  const off = disabled;
  const hooks = (options as { [TEST_HOOKS]?: TestHooks })[TEST_HOOKS];
  return {
    diag,
    disabled,
    resource,
    serviceName: String(resource.attributes["service.name"]),
    cardinalityLimit: integerOption(diag, "cardinalityLimit", options.cardinalityLimit, 2000, {
      max: 1_000_000,
    }),
    shutdownTimeoutMs: integerOption(diag, "shutdownTimeoutMs", options.shutdownTimeoutMs, 5000),
    exporters: off
      ? []
      : names.filter((name): name is Exclude<ExporterName, "prometheus" | "none"> => name !== "prometheus"),
    endpoint: off || !names.includes("prometheus") ? undefined : endpointSettings(diag, options, env),
    tracing: !off && booleanOption(diag, "tracing", options.tracing, true),
    nativeHistograms: booleanOption(
      diag,
      "nativeHistograms",
      options.nativeHistograms,
      names.includes("otlp") &&
        envValue(env, "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION")?.toLowerCase() ===
          "base2_exponential_bucket_histogram",
    ),
    exemplarFilter: exemplarFilterOption(diag, options.exemplarFilter, env),
    runtimeMetrics: !off && booleanOption(diag, "runtimeMetrics", options.runtimeMetrics, true),
    saturation:
      off || saturationOption === undefined
        ? undefined
        : {
            intervalMs: integerOption(diag, "saturation.intervalMs", saturationOption.intervalMs, 1000),
            probes: probeList(diag, saturationOption.probes),
          },
    window:
      off || windowOption === undefined
        ? undefined
        : {
            intervalMs: windowIntervalMs,
            retentionMs: Math.max(
              windowIntervalMs,
              integerOption(
                diag,
                "window.retentionMs",
                windowOption.retentionMs,
                WINDOW_DEFAULTS.retentionMs,
              ),
            ),
            maxSeries: integerOption(
              diag,
              "window.maxSeries",
              windowOption.maxSeries,
              WINDOW_DEFAULTS.maxSeries,
              {
                max: 1_000_000,
              },
            ),
          },
    alerting: off ? undefined : alerting,
    cluster: clusterOption(diag, options.cluster),
    clock: hooks?.clock ?? Date.now,
    manualScheduler: hooks?.manualScheduler ?? false,
  };
}

function endpointSettings(
  diag: DiagLogger,
  options: TelemetryCollectorOptions,
  env: NodeJS.ProcessEnv,
): EndpointSettings {
  const prometheus =
    objectOption<NonNullable<TelemetryCollectorOptions["prometheus"]>>(
      diag,
      "prometheus",
      options.prometheus,
    ) ?? {};
  const codePort = options.port ?? prometheus.port;
  const port =
    codePort === undefined
      ? (envInteger(diag, env, "OTEL_EXPORTER_PROMETHEUS_PORT", { min: 0, max: 65_535 }) ?? 9464)
      : integerOption(diag, "port", codePort, 9464, { min: 0, max: 65_535 });
  const host =
    options.host ?? prometheus.host ?? envValue(env, "OTEL_EXPORTER_PROMETHEUS_HOST") ?? "127.0.0.1";
  return {
    ...prometheus,
    port,
    host: typeof host === "string" && host.trim() !== "" ? host : "127.0.0.1",
    ...(prometheus.maxConcurrentScrapes === undefined
      ? {}
      : {
          maxConcurrentScrapes: integerOption(
            diag,
            "prometheus.maxConcurrentScrapes",
            prometheus.maxConcurrentScrapes,
            16,
          ),
        }),
    ...(prometheus.maxConnections === undefined
      ? {}
      : { maxConnections: integerOption(diag, "prometheus.maxConnections", prometheus.maxConnections, 256) }),
  };
}

/** The `exporter` option as a list of known names without duplicates; unknown names are reported. */
function exporterNames(diag: DiagLogger, exporter: unknown): ExporterName[] {
  const list = exporter === undefined ? ["prometheus"] : Array.isArray(exporter) ? exporter : [exporter];
  const known: ExporterName[] = [];
  for (const name of list) {
    if ((EXPORTER_NAMES as readonly unknown[]).includes(name)) {
      if (!known.includes(name as ExporterName)) known.push(name as ExporterName);
      continue;
    }
    const guess = typeof name === "string" ? closestName(name, EXPORTER_NAMES) : undefined;
    diag.error(
      `zoran-telemetrie: unknown exporter ${typeof name === "string" ? `"${name.slice(0, 32)}"` : typeof name} ignored${guess === undefined ? "" : ` (did you mean "${guess}"?)`}; use ${EXPORTER_NAMES.join(", ")}`,
    );
  }
  return known.filter((name) => name !== "none");
}

function probeList(diag: DiagLogger, probes: unknown): ProbeResource[] {
  if (probes === undefined) return [...PROBE_RESOURCES];
  if (!Array.isArray(probes)) {
    diag.warn(
      `zoran-telemetrie: option saturation.probes must be an array of ${PROBE_RESOURCES.join(", ")}; using all`,
    );
    return [...PROBE_RESOURCES];
  }
  const known = probes.filter(isProbeResource);
  if (known.length < probes.length)
    diag.warn(
      `zoran-telemetrie: saturation.probes: unknown probes ignored; use ${PROBE_RESOURCES.join(", ")}`,
    );
  return known;
}

function alertingOptions(diag: DiagLogger, alerting: unknown): AlertingOptions | undefined {
  if (alerting === undefined || alerting === false) return undefined;
  if (alerting === true) return {};
  return objectOption<AlertingOptions>(diag, "alerting", alerting);
}

function clusterOption(diag: DiagLogger, cluster: unknown): SnapshotMerge | undefined {
  if (cluster === undefined) return undefined;
  if (cluster !== null && typeof (cluster as SnapshotMerge).collect === "function")
    return cluster as SnapshotMerge;
  diag.warn(
    "zoran-telemetrie: option cluster must be a ClusterAggregator (createClusterAggregator()); ignored",
  );
  return undefined;
}

/** The known name within edit distance 2 of `name`, if one is (for "did you mean"). */
function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64) return 99;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

const EXEMPLAR_FILTERS: readonly ExemplarFilter[] = ["trace_based", "always_on", "always_off"];

/** `exemplarFilter`, else `OTEL_METRICS_EXEMPLAR_FILTER`, else `trace_based` (the spec's default). */
function exemplarFilterOption(diag: DiagLogger, value: unknown, env: NodeJS.ProcessEnv): ExemplarFilter {
  if (value !== undefined) {
    if (EXEMPLAR_FILTERS.includes(value as ExemplarFilter)) return value as ExemplarFilter;
    diag.warn(
      `zoran-telemetrie: option exemplarFilter must be one of ${EXEMPLAR_FILTERS.join(", ")}; using trace_based`,
    );
    return "trace_based";
  }
  const fromEnv = envValue(env, "OTEL_METRICS_EXEMPLAR_FILTER")?.toLowerCase();
  if (fromEnv === undefined) return "trace_based";
  if (EXEMPLAR_FILTERS.includes(fromEnv as ExemplarFilter)) return fromEnv as ExemplarFilter;
  diag.warn(
    `zoran-telemetrie: OTEL_METRICS_EXEMPLAR_FILTER=${fromEnv.slice(0, 16)} is not one of ${EXEMPLAR_FILTERS.join(", ")}; using trace_based`,
  );
  return "trace_based";
}
