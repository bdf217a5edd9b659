import { DataPointType, type MetricData } from "@opentelemetry/sdk-metrics";

/**
 * OpenTelemetry-to-Prometheus naming (https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/):
 * invalid characters become `_`, the unit becomes a suffix (`s` -> `_seconds`, `By` -> `_bytes`,
 * `1` on a gauge -> `_ratio`), `{annotations}` are dropped, and monotonic counters end in `_total`.
 */

// UCUM units to Prometheus base-unit words (the spec's table, the units we and runtimes emit).
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: "days",
  h: "hours",
  min: "minutes",
  s: "seconds",
  ms: "milliseconds",
  us: "microseconds",
  ns: "nanoseconds",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  GiBy: "gibibytes",
  KBy: "kilobytes",
  MBy: "megabytes",
  GBy: "gigabytes",
  bit: "bits",
  m: "meters",
  V: "volts",
  A: "amperes",
  J: "joules",
  W: "watts",
  g: "grams",
  Cel: "celsius",
  Hz: "hertz",
  "%": "percent",
};

/** Prometheus kind of a metric family. */
export type PrometheusType = "counter" | "gauge" | "histogram";

/** Prometheus identity of an OpenTelemetry metric. */
export interface PrometheusFamily {
  /** Sample name without `_total`/`_bucket` suffixes (the OpenMetrics family name). */
  readonly family: string;
  /** Name of the samples: `family` + `_total` for counters, `family` otherwise. */
  readonly sampleName: string;
  readonly type: PrometheusType;
  /** Unit word when the family name ends with it (for OpenMetrics `# UNIT`), else "". */
  readonly unit: string;
}

/**
 * Replaces characters Prometheus does not allow in a metric name and collapses repeated `_`
 * (so no name can start with `__`, the prefix Prometheus reserves for itself).
 */
export function sanitizeMetricName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_:]/g, "_").replace(/_{2,}/g, "_");
  if (!/^[a-zA-Z_:]/.test(out)) out = `_${out}`;
  return out;
}

/**
 * Replaces characters Prometheus does not allow in a label name (no `:`) and collapses `_`: so a
 * label can never start with `__` (reserved by Prometheus: `__name__` would rename the series).
 */
export function sanitizeLabelName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_]/g, "_").replace(/_{2,}/g, "_");
  if (!/^[a-zA-Z_]/.test(out)) out = `_${out}`;
  return out;
}

/** The unit suffix word for a UCUM unit, or "" when it has none (e.g. `{token}`, ``). */
export function unitWord(unit: string, type: PrometheusType): string {
  const bare = unit.replace(/\{[^}]*\}/g, "").trim();
  if (bare === "") return "";
  if (bare === "1") return type === "gauge" ? "ratio" : "";
  const slash = bare.indexOf("/");
  if (slash > 0) {
    const num = UNIT_WORDS[bare.slice(0, slash)] ?? bare.slice(0, slash);
    const den = bare.slice(slash + 1);
    const perWord = { s: "second", m: "minute", h: "hour", d: "day" }[den] ?? UNIT_WORDS[den] ?? den;
    return sanitizeLabelName(`${num}_per_${perWord}`);
  }
  return sanitizeLabelName(UNIT_WORDS[bare] ?? bare);
}

/** Prometheus type of an OpenTelemetry metric: non-monotonic sums are gauges. */
export function prometheusType(metric: MetricData): PrometheusType | undefined {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? "counter" : "gauge";
    case DataPointType.GAUGE:
      return "gauge";
    case DataPointType.HISTOGRAM:
      return "histogram";
    default:
      // Exponential histograms have no classic Prometheus text form; they are skipped.
      return undefined;
  }
}

/** Prometheus family of an OpenTelemetry metric, or undefined when it has no text form. */
export function prometheusFamily(metric: MetricData): PrometheusFamily | undefined {
  const type = prometheusType(metric);
  if (type === undefined) return undefined;
  let family = sanitizeMetricName(metric.descriptor.name);
  if (type === "counter" && family.endsWith("_total")) family = family.slice(0, -6);
  const unit = unitWord(metric.descriptor.unit, type);
  if (unit !== "" && !family.endsWith(`_${unit}`)) family = `${family}_${unit}`;
  return {
    family,
    sampleName: type === "counter" ? `${family}_total` : family,
    type,
    unit,
  };
}

/**
 * Every name a family occupies on a page, in any of the three formats: its family name, its
 * sample names and the OpenMetrics suffixes a parser reserves for its type (`_created`).
 * Two families may not share one: the strict OpenMetrics parser rejects the page ("Clashing
 * name") and Prometheus keeps one of them at random.
 *
 * - counter `x`: `x`, `x_total`, `x_created`
 * - gauge `x`: `x`
 * - histogram `x`: `x`, `x_bucket`, `x_count`, `x_sum`, `x_created`
 */
export function familyClaims(family: PrometheusFamily): readonly string[] {
  const name = family.family;
  switch (family.type) {
    case "counter":
      return [name, `${name}_total`, `${name}_created`];
    case "histogram":
      return [name, `${name}_bucket`, `${name}_count`, `${name}_sum`, `${name}_created`];
    default:
      return [name];
  }
}

/** Names held by `target_info`: its OpenMetrics family `target` and its sample `target_info`. */
export const TARGET_INFO_CLAIMS: readonly string[] = Object.freeze(["target", "target_info"]);
