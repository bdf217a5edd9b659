import type { DiagLogger } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { type NormalizedAlertingOptions, normalizeAlertingOptions } from "../alerting/alerting-options.js";
import { countOption } from "../config/count-option.js";
import { durationOption } from "../config/duration-option.js";
import { booleanOption, envFlag, envValue, objectOption } from "../config/option-values.js";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";
import type { ExporterName } from "../exporters/exporter-registry.js";
import type { ExemplarFilter } from "../recording/signal-attributes.js";
import { isProbeResource } from "../saturation/create-probes.js";
import { PROBE_RESOURCES, type ProbeResource } from "../signals/label-values.js";
import type { SnapshotMerge } from "../snapshot/snapshot-source.js";
import type { SaturationOptions, TelemetryCollectorOptions, WindowOptions } from "./collector-options.js";
import { type EndpointSettings, endpointSettings } from "./endpoint-settings.js";
import { exemplarFilterOption } from "./exemplar-filter-option.js";
import { type ExitFlushSettings, exitFlushOption } from "./exit-flush-option.js";
import { exporterNames } from "./exporter-names.js";
import {
  type ExporterDefaults,
  exporterDefaults,
  exportersFromEnvironment,
} from "./exporters-from-environment.js";
import { buildResource } from "./resource.js";
import { TEST_HOOKS, type TestHooks } from "./test-hooks.js";

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
  /**
   * Exporter options that come from the environment (`OTEL_TRACES_EXPORTER`,
   * `OTEL_METRIC_EXPORT_TIMEOUT`), under the options given in code for the same exporter.
   */
  readonly exporterDefaults: ExporterDefaults;
  /** `OTEL_TRACES_EXPORTER=console`: spans printed on stdout by the SDK's console span exporter. */
  readonly consoleSpans: boolean;
  /** The exit flush (collector/exit-flush.ts), when on: the signals it listens to. */
  readonly exitFlush: ExitFlushSettings | undefined;
  /** The HTTP endpoint, when `prometheus` is among the exporters. */
  readonly endpoint: EndpointSettings | undefined;
  /** How Prometheus pages are written, by the endpoint and by `export()`. */
  readonly exposition: { readonly withoutScopeInfo: boolean };
  readonly tracing: boolean;
  /** Latency also in exponential buckets (`nativeHistograms`, or OTLP's default aggregation). */
  readonly nativeHistograms: boolean;
  readonly exemplarFilter: ExemplarFilter;
  readonly runtimeMetrics: boolean;
  readonly saturation: { readonly intervalMs: number; readonly probes: readonly ProbeResource[] } | undefined;
  readonly window:
    | { readonly intervalMs: number; readonly retentionMs: number; readonly maxSeries: number }
    | undefined;
  readonly alerting: NormalizedAlertingOptions | undefined;
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
  const chosen =
    options.exporter === undefined
      ? exportersFromEnvironment(diag, env)
      : { names: exporterNames(diag, options.exporter), tracesToOtlp: undefined, consoleSpans: false };
  const names = chosen.names;
  const saturationOption =
    options.saturation === false
      ? undefined
      : objectOption<SaturationOptions>(
          diag,
          "saturation",
          (options.saturation as unknown) === true || options.saturation === undefined
            ? {}
            : options.saturation,
        );
  const alerting = normalizeAlertingOptions(options.alerting, diag);
  const windowOption =
    options.window === false
      ? alerting === undefined
        ? undefined
        : {}
      : (objectOption<WindowOptions>(diag, "window", options.window) ?? {});
  const windowIntervalMs = durationOption(
    windowOption?.intervalMs,
    { name: "window.intervalMs", defaultMs: WINDOW_DEFAULTS.intervalMs },
    diag,
  );
  const off = disabled;
  const hooks = (options as { [TEST_HOOKS]?: TestHooks })[TEST_HOOKS];
  return {
    diag,
    disabled,
    resource,
    serviceName: String(resource.attributes[ATTR_SERVICE_NAME]),
    cardinalityLimit: countOption(
      options.cardinalityLimit,
      { name: "cardinalityLimit", defaultValue: 2000, max: 1_000_000 },
      diag,
    ),
    shutdownTimeoutMs: durationOption(
      options.shutdownTimeoutMs,
      { name: "shutdownTimeoutMs", defaultMs: 5000 },
      diag,
    ),
    exporters: off
      ? []
      : names.filter((name): name is Exclude<ExporterName, "prometheus" | "none"> => name !== "prometheus"),
    exporterDefaults: exporterDefaults(diag, env, names, chosen.tracesToOtlp),
    consoleSpans: !off && chosen.consoleSpans,
    exitFlush: off ? undefined : exitFlushOption(diag, options.flushOnExit, names),
    endpoint: off || !names.includes("prometheus") ? undefined : endpointSettings(diag, options, env),
    exposition: {
      withoutScopeInfo: booleanOption(
        diag,
        "prometheus.withoutScopeInfo",
        typeof options.prometheus === "object" && options.prometheus !== null
          ? options.prometheus.withoutScopeInfo
          : undefined,
        false,
      ),
    },
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
            intervalMs: durationOption(
              saturationOption.intervalMs,
              { name: "saturation.intervalMs", defaultMs: 1000 },
              diag,
            ),
            probes: probeList(diag, saturationOption.probes),
          },
    window:
      off || windowOption === undefined
        ? undefined
        : {
            intervalMs: windowIntervalMs,
            retentionMs: Math.max(
              windowIntervalMs,
              durationOption(
                windowOption.retentionMs,
                { name: "window.retentionMs", defaultMs: WINDOW_DEFAULTS.retentionMs },
                diag,
              ),
            ),
            maxSeries: countOption(
              windowOption.maxSeries,
              { name: "window.maxSeries", defaultValue: WINDOW_DEFAULTS.maxSeries, max: 1_000_000 },
              diag,
            ),
          },
    alerting: off ? undefined : alerting,
    cluster: clusterOption(diag, options.cluster),
    clock: hooks?.clock ?? Date.now,
    manualScheduler: hooks?.manualScheduler ?? false,
  };
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

function clusterOption(diag: DiagLogger, cluster: unknown): SnapshotMerge | undefined {
  if (cluster === undefined) return undefined;
  if (cluster !== null && typeof (cluster as SnapshotMerge).collect === "function")
    return cluster as SnapshotMerge;
  diag.warn(
    "zoran-telemetrie: option cluster must be a ClusterAggregator (createClusterAggregator()); ignored",
  );
  return undefined;
}
