import type { DiagLogger } from "@opentelemetry/api";
import { MAX_TIMER_MS } from "../config/duration-option.js";
import { envInteger, envValue } from "../config/option-values.js";
import type { ExporterName } from "../exporters/exporter-registry.js";
import { exporterNames } from "./exporter-names.js";

/** Options of the push and file exporters that come from the environment, by exporter name. */
export type ExporterDefaults = Readonly<
  Partial<Record<Exclude<ExporterName, "prometheus" | "none">, object>>
>;

/** The exporters the environment chose, when the code did not pass `exporter`. */
export interface EnvironmentExporters {
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
export function exportersFromEnvironment(diag: DiagLogger, env: NodeJS.ProcessEnv): EnvironmentExporters {
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
export function exporterDefaults(
  diag: DiagLogger,
  env: NodeJS.ProcessEnv,
  names: readonly ExporterName[],
  tracesToOtlp: boolean | undefined,
): ExporterDefaults {
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
