import type { DiagLogger } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { type NormalizedAlertingOptions, normalizeAlertingOptions } from "../alerting/alerting-options.js";
import { countOption } from "../config/count-option.js";
import { durationOption, MAX_TIMER_MS } from "../config/duration-option.js";
import { booleanOption, envFlag, envInteger, envValue, objectOption } from "../config/option-values.js";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";
import type { HttpEndpointOptions } from "../endpoint/http-endpoint.js";
import { EXPORTER_NAMES, type ExporterName } from "../exporters/exporter-registry.js";
import type { ExemplarFilter } from "../recording/signal-attributes.js";
import { isProbeResource } from "../saturation/create-probes.js";
import { PROBE_RESOURCES, type ProbeResource } from "../signals/label-values.js";
import type { SnapshotMerge } from "../snapshot/snapshot-source.js";
import type { SaturationOptions, TelemetryCollectorOptions, WindowOptions } from "./collector-options.js";
import type { ExitSignal } from "./exit-flush.js";
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
  /**
   * Exporter options that come from the environment (`OTEL_TRACES_EXPORTER`,
   * `OTEL_METRIC_EXPORT_TIMEOUT`), under the options given in code for the same exporter.
   */
  readonly exporterDefaults: Readonly<Partial<Record<Exclude<ExporterName, "prometheus" | "none">, object>>>;
  /** `OTEL_TRACES_EXPORTER=console`: spans printed on stdout by the SDK's console span exporter. */
  readonly consoleSpans: boolean;
  /** The exit flush (collector/exit-flush.ts), when on: the signals it listens to. */
  readonly exitFlush: { readonly signals: readonly ExitSignal[] } | undefined;
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
      : countOption(codePort, { name: "port", defaultValue: 9464, min: 0, max: 65_535 }, diag);
  const host =
    options.host ?? prometheus.host ?? envValue(env, "OTEL_EXPORTER_PROMETHEUS_HOST") ?? "127.0.0.1";
  return {
    ...prometheus,
    port,
    host: typeof host === "string" && host.trim() !== "" ? host : "127.0.0.1",
    ...(prometheus.maxConcurrentScrapes === undefined
      ? {}
      : {
          maxConcurrentScrapes: countOption(
            prometheus.maxConcurrentScrapes,
            { name: "prometheus.maxConcurrentScrapes", defaultValue: 16 },
            diag,
          ),
        }),
    ...(prometheus.maxConnections === undefined
      ? {}
      : {
          maxConnections: countOption(
            prometheus.maxConnections,
            { name: "prometheus.maxConnections", defaultValue: 256 },
            diag,
          ),
        }),
  };
}

/** The `exporter` option as a list of known names without duplicates; unknown names are reported. */
function exporterNames(diag: DiagLogger, exporter: unknown, source = "exporter"): ExporterName[] {
  const list = exporter === undefined ? ["prometheus"] : Array.isArray(exporter) ? exporter : [exporter];
  const known: ExporterName[] = [];
  for (const name of list) {
    if ((EXPORTER_NAMES as readonly unknown[]).includes(name)) {
      if (!known.includes(name as ExporterName)) known.push(name as ExporterName);
      continue;
    }
    const guess = typeof name === "string" ? closestName(name, EXPORTER_NAMES) : undefined;
    diag.error(
      `zoran-telemetrie: ${source}: unknown exporter ${typeof name === "string" ? `"${name.slice(0, 32)}"` : typeof name} ignored${guess === undefined ? "" : ` (did you mean "${guess}"?)`}; use ${EXPORTER_NAMES.join(", ")}`,
    );
  }
  return known.filter((name) => name !== "none");
}

const EXIT_SIGNALS: readonly ExitSignal[] = ["SIGTERM", "SIGINT"];

/**
 * The `flushOnExit` option: on by default when something pushes or writes (with only the
 * Prometheus endpoint, or none, there is nothing to flush: scrapes read the live state).
 */
function exitFlushOption(
  diag: DiagLogger,
  value: unknown,
  names: readonly ExporterName[],
): ResolvedCollectorOptions["exitFlush"] {
  const pushes = names.some((name) => name !== "prometheus" && name !== "none");
  if (value === undefined) return pushes ? { signals: EXIT_SIGNALS } : undefined;
  if (value === false) return undefined;
  if (value === true) return { signals: EXIT_SIGNALS };
  const object = objectOption<{ signals?: unknown }>(diag, "flushOnExit", value);
  if (object === undefined) return pushes ? { signals: EXIT_SIGNALS } : undefined;
  if (object.signals === undefined) return { signals: EXIT_SIGNALS };
  const signals = Array.isArray(object.signals)
    ? object.signals.filter((signal): signal is ExitSignal => EXIT_SIGNALS.includes(signal as ExitSignal))
    : [];
  if (!Array.isArray(object.signals) || signals.length < object.signals.length)
    diag.warn(
      `zoran-telemetrie: option flushOnExit.signals must be an array of ${EXIT_SIGNALS.join(", ")}; others ignored`,
    );
  return { signals };
}

/** The exporters the environment chose, when the code did not pass `exporter`. */
interface EnvironmentExporters {
  readonly names: ExporterName[];
  /** `OTEL_TRACES_EXPORTER` asked for OTLP spans (true), for none (false), or is unset. */
  readonly tracesToOtlp: boolean | undefined;
  readonly consoleSpans: boolean;
}

/**
 * `OTEL_METRICS_EXPORTER` and `OTEL_TRACES_EXPORTER` (comma lists, per the SDK configuration
 * spec), read only when the code passes no `exporter`:
 *
 * - metrics: `prometheus`, `otlp`, `console`, `none`, and this library's own exporter names
 *   (`json`, `csv`, `pushgateway`, `remote_write`); unset means `prometheus` (this library's
 *   default, not the spec's `otlp`: nothing is pushed anywhere unless asked for).
 * - traces: `otlp` (the OTLP exporter carries spans, with or without OTLP metrics), `console`
 *   (the SDK's console span exporter), `none`. Unset: spans go wherever the OTLP exporter goes,
 *   when one runs. `zipkin` and `jaeger` are not shipped and are reported.
 *
 * `none` alone turns that signal's exporters off, so `OTEL_METRICS_EXPORTER=none` opens no port.
 */
function exportersFromEnvironment(diag: DiagLogger, env: NodeJS.ProcessEnv): EnvironmentExporters {
  const metricsList = envList(env, "OTEL_METRICS_EXPORTER");
  const tracesList = envList(env, "OTEL_TRACES_EXPORTER");
  const names =
    metricsList === undefined
      ? (["prometheus"] as ExporterName[])
      : exporterNames(
          diag,
          metricsList.filter((name) => name !== "none"),
          "OTEL_METRICS_EXPORTER",
        );
  let tracesToOtlp: boolean | undefined;
  let consoleSpans = false;
  if (tracesList !== undefined) {
    tracesToOtlp = tracesList.includes("otlp");
    consoleSpans = tracesList.includes("console");
    for (const name of tracesList) {
      if (name === "otlp" || name === "console" || name === "none") continue;
      diag.error(
        `zoran-telemetrie: OTEL_TRACES_EXPORTER: exporter "${name.slice(0, 32)}" is not supported and is ignored; use otlp, console or none`,
      );
    }
    if (tracesToOtlp && !names.includes("otlp")) names.push("otlp");
  }
  return { names, tracesToOtlp, consoleSpans };
}

/** A comma list from the environment, trimmed and lower-cased; `undefined` when unset or blank. */
function envList(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  return raw
    .split(",")
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== "");
}

/**
 * Options the environment gives exporters (the code's options for the same exporter win):
 * which signals OTLP carries when the `OTEL_*_EXPORTER` lists split them, and
 * `OTEL_METRIC_EXPORT_TIMEOUT`, the bound on one metric export of every push exporter.
 */
function exporterDefaults(
  diag: DiagLogger,
  env: NodeJS.ProcessEnv,
  names: readonly ExporterName[],
  tracesToOtlp: boolean | undefined,
): ResolvedCollectorOptions["exporterDefaults"] {
  const timeoutMs = envInteger(diag, env, "OTEL_METRIC_EXPORT_TIMEOUT", { min: 1, max: MAX_TIMER_MS });
  const timeout = timeoutMs === undefined ? {} : { metricExportTimeoutMs: timeoutMs };
  const defaults: Partial<Record<Exclude<ExporterName, "prometheus" | "none">, object>> = {};
  for (const push of ["pushgateway", "remote_write"] as const)
    if (names.includes(push) && timeoutMs !== undefined) defaults[push] = { timeoutMs };
  if (names.includes("otlp")) {
    const metricsList = envList(env, "OTEL_METRICS_EXPORTER");
    defaults.otlp = {
      ...timeout,
      // Traces asked of OTLP by OTEL_TRACES_EXPORTER: metrics too only if OTEL_METRICS_EXPORTER says so.
      ...(tracesToOtlp === undefined ? {} : { metrics: metricsList?.includes("otlp") ?? false }),
      ...(tracesToOtlp === undefined ? {} : { traces: tracesToOtlp }),
    };
  }
  return defaults;
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
