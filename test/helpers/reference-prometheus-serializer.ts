import type { Attributes, AttributeValue } from "@opentelemetry/api";
import {
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import {
  familyClaims,
  type PrometheusFamily,
  prometheusFamily,
  sanitizeLabelName,
  TARGET_INFO_CLAIMS,
} from "../../src/exporters/prometheus/prometheus-names.js";
import { EXPOSITION_CONFLICTS_METRIC, INSTRUMENTATION_SCOPE } from "../../src/signals/metric-definitions.js";
import type { Exemplar } from "../../src/snapshot/point-extensions.js";

/**
 * A straightforward Prometheus serializer: lines built as strings, no caches, no buffers, no
 * slices. It states the exposition rules of `serializePrometheus` (text 0.0.4 and OpenMetrics
 * 1.0.0, docs/formats.md) in the plainest code, so that the fast serializer can be checked
 * against it on random snapshots (test/exporters/prometheus/reference-serializer.test.ts):
 *
 * - `target_info` and our own families (scope `zoran-telemetrie`) claim their names first, then
 *   application metrics in snapshot order; a metric whose names another family holds is left out;
 *   same name and type (and same side) merge;
 * - application metrics carry `otel_scope_name` (+ `otel_scope_version`, `otel_scope_schema_url`
 *   when set) after their own labels, unless `withoutScopeInfo`;
 * - label keys sanitized; a key equal to a label the writer adds (`le` on histograms, the scope
 *   labels) becomes `exported_<key>`; keys that meet on one name join their values with `;`,
 *   ordered by key; null values left out;
 * - in application and merged families, a series whose name and labels repeat an earlier one is
 *   left out;
 * - OpenMetrics: exemplars on `_bucket` and `_total`, and no `_sum`/`_count` beside negative
 *   buckets or a negative sum.
 */
export function referenceSerializePrometheus(
  snapshot: ResourceMetrics,
  options: { format?: "text" | "openmetrics"; targetInfo?: boolean; withoutScopeInfo?: boolean } = {},
): string {
  const openMetrics = options.format === "openmetrics";
  const withTargetInfo = options.targetInfo !== false;
  const holders = new Map<string, Family | "reserved">();
  if (withTargetInfo) for (const name of TARGET_INFO_CLAIMS) holders.set(name, "reserved");
  const conflictsFamily = prometheusFamily({
    descriptor: { name: EXPOSITION_CONFLICTS_METRIC.name, description: "", unit: "", valueType: 1 },
    aggregationTemporality: 1,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: [],
  } as MetricData)!;
  for (const name of familyClaims(conflictsFamily)) holders.set(name, "reserved");

  const families: Family[] = [];
  const entries: {
    index: number;
    owned: boolean;
    scope: ResourceMetrics["scopeMetrics"][number]["scope"];
    metric: MetricData;
  }[] = [];
  let index = 0;
  for (const { scope, metrics } of snapshot.scopeMetrics) {
    for (const metric of metrics) {
      entries.push({ index: index++, owned: scope.name === INSTRUMENTATION_SCOPE.name, scope, metric });
    }
  }
  for (const wantOwned of [true, false]) {
    for (const { index: at, owned, scope, metric } of entries) {
      if (owned !== wantOwned) continue;
      const family = prometheusFamily(metric);
      if (family === undefined) continue;
      const holder = holders.get(family.family);
      let target: Family | undefined;
      if (
        holder !== undefined &&
        holder !== "reserved" &&
        holder.family.family === family.family &&
        holder.family.type === family.type &&
        holder.owned === owned
      ) {
        target = holder;
        target.merged = true;
      } else if (familyClaims(family).some((name) => holders.has(name))) {
        continue;
      } else {
        target = {
          family,
          help: metric.descriptor.description,
          owned,
          first: at,
          merged: false,
          metrics: [],
        };
        for (const name of familyClaims(family)) holders.set(name, target);
        families.push(target);
      }
      const scopeLabels: [string, string][] = [];
      if (!owned && options.withoutScopeInfo !== true) {
        scopeLabels.push(["otel_scope_name", scope.name]);
        if (scope.version) scopeLabels.push(["otel_scope_version", scope.version]);
        if (scope.schemaUrl) scopeLabels.push(["otel_scope_schema_url", scope.schemaUrl]);
      }
      target.metrics.push({ metric, scopeLabels });
    }
  }
  families.sort((a, b) => a.first - b.first);

  const lines: string[] = [];
  if (withTargetInfo) {
    const labels = pairsText(labelPairs(snapshot.resource.attributes, new Set()));
    if (openMetrics) lines.push("# TYPE target info", "# HELP target Target metadata");
    else lines.push("# HELP target_info Target metadata", "# TYPE target_info gauge");
    lines.push(`target_info{${labels}} 1`);
  }
  for (const { family, help, owned, merged, metrics } of families) {
    const name = openMetrics || family.type !== "counter" ? family.family : family.sampleName;
    const helpText = escapeHelp(help || family.family, openMetrics);
    if (openMetrics) {
      lines.push(`# TYPE ${name} ${family.type}`);
      if (family.unit !== "") lines.push(`# UNIT ${name} ${family.unit}`);
      lines.push(`# HELP ${name} ${helpText}`);
    } else {
      lines.push(`# HELP ${name} ${helpText}`, `# TYPE ${name} ${family.type}`);
    }
    const seen = new Set<string>();
    for (const { metric, scopeLabels } of metrics) {
      const histogram = metric.dataPointType === DataPointType.HISTOGRAM;
      const reserved = new Set<string>(histogram ? ["le"] : []);
      if (scopeLabels.length > 0)
        for (const n of ["otel_scope_name", "otel_scope_version", "otel_scope_schema_url"]) reserved.add(n);
      for (const point of metric.dataPoints as {
        attributes: Attributes;
        value: unknown;
        exemplars?: (Exemplar | undefined)[];
      }[]) {
        const labels = pairsText([...labelPairs(point.attributes, reserved), ...scopeLabels]);
        if (!owned || merged) {
          if (seen.has(labels)) continue;
          seen.add(labels);
        }
        if (histogram) {
          lines.push(
            ...histogramLines(
              family,
              labels,
              point.value as Histogram,
              openMetrics ? point.exemplars : undefined,
              openMetrics,
            ),
          );
        } else if (
          metric.dataPointType === DataPointType.SUM ||
          metric.dataPointType === DataPointType.GAUGE
        ) {
          const exemplar = openMetrics && family.type === "counter" ? exemplarText(point.exemplars?.[0]) : "";
          lines.push(
            `${family.sampleName}${labels === "" ? "" : `{${labels}}`} ${number(point.value as number)}${exemplar}`,
          );
        }
      }
    }
  }
  if (openMetrics) lines.push("# EOF");
  return lines.map((line) => `${line}\n`).join("");
}

interface Family {
  family: PrometheusFamily;
  help: string;
  owned: boolean;
  first: number;
  merged: boolean;
  metrics: { metric: MetricData; scopeLabels: [string, string][] }[];
}

function histogramLines(
  family: PrometheusFamily,
  labels: string,
  value: Histogram,
  exemplars: (Exemplar | undefined)[] | undefined,
  openMetrics: boolean,
): string[] {
  const lines: string[] = [];
  const { boundaries, counts } = value.buckets;
  let cumulative = 0;
  for (let i = 0; i <= boundaries.length; i++) {
    cumulative += counts[i] ?? 0;
    const le = i < boundaries.length ? number(boundaries[i]!) : "+Inf";
    lines.push(
      `${family.family}_bucket{${labels === "" ? "" : `${labels},`}le="${le}"} ${number(cumulative)}${exemplarText(exemplars?.[i])}`,
    );
  }
  const sum = value.sum ?? 0;
  if (openMetrics && (!(sum >= 0) || (boundaries.length > 0 && boundaries[0]! < 0))) return lines;
  const braces = labels === "" ? "" : `{${labels}}`;
  lines.push(
    `${family.family}_sum${braces} ${number(sum)}`,
    `${family.family}_count${braces} ${number(value.count)}`,
  );
  return lines;
}

function exemplarText(exemplar: Exemplar | undefined): string {
  if (exemplar === undefined) return "";
  const { traceId, spanId, value, timeUnixMs } = exemplar;
  if (!/^[0-9a-f]{32}$/.test(String(traceId)) || !/^[0-9a-f]{16}$/.test(String(spanId))) return "";
  if (!Number.isFinite(value) || !Number.isFinite(timeUnixMs)) return "";
  return ` # {trace_id="${traceId}",span_id="${spanId}"} ${number(value)} ${number(timeUnixMs / 1000)}`;
}

/** Label pairs of an attribute set, by the rules above (without the scope labels). */
function labelPairs(attributes: Attributes, reserved: ReadonlySet<string>): [string, string][] {
  const byName = new Map<string, { key: string; value: string }[]>();
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    let name = sanitizeLabelName(key);
    if (reserved.has(name)) name = `exported_${name}`;
    const list = byName.get(name) ?? [];
    list.push({ key, value: stringify(value) });
    byName.set(name, list);
  }
  return [...byName].map(([name, list]) => {
    if (list.length === 1) return [name, list[0]!.value];
    const sorted = [...list].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return [name, sorted.map((e) => e.value).join(";")];
  });
}

function pairsText(pairs: [string, string][]): string {
  return pairs.map(([name, value]) => `${name}="${escapeLabelValue(value.toWellFormed())}"`).join(",");
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
