import type { Attributes, AttributeValue } from "@opentelemetry/api";
import {
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { type PrometheusFamily, prometheusFamily, sanitizeLabelName } from "./prometheus-names.js";

/** Exposition formats of `/metrics`. */
export type PrometheusFormat = "text" | "openmetrics";

/** Content types of the two exposition formats. */
export const CONTENT_TYPES: Readonly<Record<PrometheusFormat, string>> = {
  text: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

/** Options of {@link serializePrometheus}. */
export interface PrometheusSerializerOptions {
  /** Text format 0.0.4 or OpenMetrics 1.0.0. @default "text" */
  format?: PrometheusFormat;
  /** Emit `target_info` with the resource attributes. @default true */
  targetInfo?: boolean;
}

// Encoded label strings, keyed by attribute object. The store hands the same frozen attribute
// object for a series in every snapshot, so each series' labels are escaped once, not per scrape
// (DESIGN §7: "label strings encoded once per series"). A WeakMap: series never leak through it.
const labelCache = new WeakMap<Attributes, string>();
const boundCache = new WeakMap<readonly number[], string[]>();

/**
 * Writes a snapshot in the Prometheus text format 0.0.4 or OpenMetrics 1.0.0. A pure function of
 * its input (the caches above only remember escaping work). Families with the same Prometheus
 * name are merged; a later family whose type conflicts with an earlier one is left out.
 *
 * @example
 * const body = serializePrometheus(await collector.collect(), { format: "openmetrics" });
 */
export function serializePrometheus(
  snapshot: ResourceMetrics,
  options: PrometheusSerializerOptions = {},
): string {
  const openMetrics = options.format === "openmetrics";
  const families = new Map<string, { family: PrometheusFamily; help: string; metrics: MetricData[] }>();
  for (const scope of snapshot.scopeMetrics) {
    for (const metric of scope.metrics) {
      const family = prometheusFamily(metric);
      if (family === undefined) continue;
      const existing = families.get(family.family);
      if (existing === undefined) {
        families.set(family.family, { family, help: metric.descriptor.description, metrics: [metric] });
      } else if (existing.family.type === family.type) {
        existing.metrics.push(metric);
      }
    }
  }

  let out = "";
  if (options.targetInfo !== false) out += targetInfo(snapshot, openMetrics);
  for (const { family, help, metrics } of families.values()) {
    const name = openMetrics || family.type !== "counter" ? family.family : family.sampleName;
    if (openMetrics) {
      out += `# TYPE ${name} ${family.type}\n`;
      if (family.unit !== "") out += `# UNIT ${name} ${family.unit}\n`;
      out += `# HELP ${name} ${escapeHelp(help || family.family, openMetrics)}\n`;
    } else {
      out += `# HELP ${name} ${escapeHelp(help || family.family, openMetrics)}\n`;
      out += `# TYPE ${name} ${family.type}\n`;
    }
    for (const metric of metrics) {
      if (metric.dataPointType === DataPointType.HISTOGRAM) {
        for (const point of metric.dataPoints)
          out += histogramLines(family.family, point.attributes, point.value);
      } else if (metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.GAUGE) {
        for (const point of metric.dataPoints) {
          const labels = encodeLabels(point.attributes);
          out += `${family.sampleName}${labels === "" ? "" : `{${labels}}`} ${formatNumber(point.value)}\n`;
        }
      }
    }
  }
  if (openMetrics) out += "# EOF\n";
  return out;
}

function histogramLines(name: string, attributes: Attributes, value: Histogram): string {
  const labels = encodeLabels(attributes);
  const prefix = labels === "" ? `${name}_bucket{le="` : `${name}_bucket{${labels},le="`;
  const bounds = encodeBounds(value.buckets.boundaries);
  const counts = value.buckets.counts;
  let cumulative = 0;
  let out = "";
  for (let i = 0; i < bounds.length; i++) {
    cumulative += counts[i] ?? 0;
    out += `${prefix}${bounds[i]}"} ${formatNumber(cumulative)}\n`;
  }
  cumulative += counts[bounds.length] ?? 0;
  out += `${prefix}+Inf"} ${formatNumber(cumulative)}\n`;
  const suffix = labels === "" ? "" : `{${labels}}`;
  out += `${name}_sum${suffix} ${formatNumber(value.sum ?? 0)}\n`;
  out += `${name}_count${suffix} ${formatNumber(value.count)}\n`;
  return out;
}

function targetInfo(snapshot: ResourceMetrics, openMetrics: boolean): string {
  const labels = encodeLabels(snapshot.resource.attributes, false);
  const help = "Target metadata";
  if (openMetrics) return `# TYPE target info\n# HELP target ${help}\ntarget_info{${labels}} 1\n`;
  return `# HELP target_info ${help}\n# TYPE target_info gauge\ntarget_info{${labels}} 1\n`;
}

/** Escaped `key="value"` pairs of an attribute set, without braces, cached per object. */
export function encodeLabels(attributes: Attributes, cache = true): string {
  if (cache) {
    const cached = labelCache.get(attributes);
    if (cached !== undefined) return cached;
  }
  let out = "";
  const seen = new Set<string>();
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const label = sanitizeLabelName(key);
    // Two keys that sanitize to the same label (`a.b`, `a_b`): the first wins, as duplicate
    // labels would make the whole scrape invalid.
    if (seen.has(label) || label.startsWith("__")) continue;
    seen.add(label);
    out += `${out === "" ? "" : ","}${label}="${escapeLabelValue(stringifyValue(value))}"`;
  }
  if (cache && Object.isFrozen(attributes)) labelCache.set(attributes, out);
  return out;
}

function stringifyValue(value: AttributeValue): string {
  // Lone surrogates would make the body invalid UTF-8; scrape parsers reject the whole page.
  if (typeof value === "string") return value.toWellFormed();
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

function encodeBounds(boundaries: readonly number[]): string[] {
  let encoded = boundCache.get(boundaries);
  if (encoded === undefined) {
    encoded = boundaries.map(formatNumber);
    boundCache.set(boundaries, encoded);
  }
  return encoded;
}

/** A sample value as Prometheus writes it (`+Inf`, `-Inf`, `NaN`, shortest round-trip decimal). */
export function formatNumber(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "+Inf" : "-Inf";
}

/** Label values escape backslash, double quote and line feed (both formats). */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
    : value;
}

function escapeHelp(help: string, openMetrics: boolean): string {
  let out = help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  if (openMetrics) out = out.replace(/"/g, '\\"');
  return out;
}
