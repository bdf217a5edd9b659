import type { Attributes, AttributeValue } from "@opentelemetry/api";
import {
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import {
  type PrometheusFamily,
  prometheusFamily,
  sanitizeLabelName,
} from "../../src/exporters/prometheus/prometheus-names.js";

/**
 * A straightforward Prometheus serializer: lines built as strings, no caches, no buffers. It
 * states the exposition rules of `serializePrometheus` (text 0.0.4 and OpenMetrics 1.0.0) in the
 * plainest code, so that the fast serializer can be checked against it on random snapshots
 * (test/exporters/prometheus/reference-serializer.test.ts).
 */
export function referenceSerializePrometheus(
  snapshot: ResourceMetrics,
  options: { format?: "text" | "openmetrics"; targetInfo?: boolean } = {},
): string {
  const openMetrics = options.format === "openmetrics";
  // Families with the same Prometheus name are merged; a later one of another type is left out.
  const families: { family: PrometheusFamily; help: string; metrics: MetricData[] }[] = [];
  for (const scope of snapshot.scopeMetrics) {
    for (const metric of scope.metrics) {
      const family = prometheusFamily(metric);
      if (family === undefined) continue;
      const existing = families.find((f) => f.family.family === family.family);
      if (existing === undefined)
        families.push({ family, help: metric.descriptor.description, metrics: [metric] });
      else if (existing.family.type === family.type) existing.metrics.push(metric);
    }
  }

  const lines: string[] = [];
  if (options.targetInfo !== false) {
    const labels = labelPairs(snapshot.resource.attributes);
    if (openMetrics) lines.push("# TYPE target info", "# HELP target Target metadata");
    else lines.push("# HELP target_info Target metadata", "# TYPE target_info gauge");
    lines.push(`target_info{${labels}} 1`);
  }
  for (const { family, help, metrics } of families) {
    const name = openMetrics || family.type !== "counter" ? family.family : family.sampleName;
    const helpText = escapeHelp(help || family.family, openMetrics);
    if (openMetrics) {
      lines.push(`# TYPE ${name} ${family.type}`);
      if (family.unit !== "") lines.push(`# UNIT ${name} ${family.unit}`);
      lines.push(`# HELP ${name} ${helpText}`);
    } else {
      lines.push(`# HELP ${name} ${helpText}`, `# TYPE ${name} ${family.type}`);
    }
    for (const metric of metrics) {
      if (metric.dataPointType === DataPointType.HISTOGRAM) {
        for (const point of metric.dataPoints)
          lines.push(...histogram(family.family, point.attributes, point.value));
      } else if (metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.GAUGE) {
        for (const point of metric.dataPoints) {
          const labels = labelPairs(point.attributes);
          lines.push(`${family.sampleName}${labels === "" ? "" : `{${labels}}`} ${number(point.value)}`);
        }
      }
    }
  }
  if (openMetrics) lines.push("# EOF");
  return lines.map((line) => `${line}\n`).join("");
}

function histogram(name: string, attributes: Attributes, value: Histogram): string[] {
  const labels = labelPairs(attributes);
  const lines: string[] = [];
  const { boundaries, counts } = value.buckets;
  let cumulative = 0;
  for (let i = 0; i <= boundaries.length; i++) {
    cumulative += counts[i] ?? 0;
    const le = i < boundaries.length ? number(boundaries[i]!) : "+Inf";
    lines.push(`${name}_bucket{${labels === "" ? "" : `${labels},`}le="${le}"} ${number(cumulative)}`);
  }
  const braces = labels === "" ? "" : `{${labels}}`;
  lines.push(
    `${name}_sum${braces} ${number(value.sum ?? 0)}`,
    `${name}_count${braces} ${number(value.count)}`,
  );
  return lines;
}

/** `key="value"` pairs: null values skipped, keys sanitized, the first of duplicate labels wins, `__` reserved. */
function labelPairs(attributes: Attributes): string {
  const pairs: string[] = [];
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    const label = sanitizeLabelName(key);
    if (seen.has(label) || label.startsWith("__")) continue;
    seen.add(label);
    pairs.push(`${label}="${escapeLabelValue(stringify(value))}"`);
  }
  return pairs.join(",");
}

function stringify(value: AttributeValue): string {
  if (typeof value === "string") return value.toWellFormed();
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

function number(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function escapeHelp(help: string, openMetrics: boolean): string {
  const out = help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
  return openMetrics ? out.replaceAll('"', '\\"') : out;
}
