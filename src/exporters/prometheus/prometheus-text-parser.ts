import { type Attributes, type HrTime, ValueType } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
  type ScopeMetrics,
} from "@opentelemetry/sdk-metrics";
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_NAMESPACE,
  ATTR_SERVICE_VERSION,
  ATTR_TELEMETRY_SDK_LANGUAGE,
  ATTR_TELEMETRY_SDK_NAME,
  ATTR_TELEMETRY_SDK_VERSION,
} from "@opentelemetry/semantic-conventions";
import {
  GOLDEN_SIGNAL_METRICS,
  INSTRUMENTATION_SCOPE,
  type MetricDefinition,
  SELF_METRICS,
} from "../../signals/metric-definitions.js";

/** Options of {@link parsePrometheusText}. */
export interface PrometheusTextParseOptions {
  /**
   * Time of the read, used as the data points' end (and start: the text format has no start).
   * @default now
   */
  readonly time?: HrTime;
}

/** Prometheus family name -> golden-signal definition (counters by their `_total` name). */
const KNOWN_FAMILIES: ReadonlyMap<string, MetricDefinition> = new Map(
  [...GOLDEN_SIGNAL_METRICS, ...SELF_METRICS].map((d) => [d.promName, d]),
);

/** Prometheus labels of `target_info` -> OpenTelemetry resource attribute keys (semantic conventions). */
const RESOURCE_KEYS: Readonly<Record<string, string>> = {
  service_name: ATTR_SERVICE_NAME,
  service_namespace: ATTR_SERVICE_NAMESPACE,
  service_version: ATTR_SERVICE_VERSION,
  service_instance_id: ATTR_SERVICE_INSTANCE_ID,
  telemetry_sdk_language: ATTR_TELEMETRY_SDK_LANGUAGE,
  telemetry_sdk_name: ATTR_TELEMETRY_SDK_NAME,
  telemetry_sdk_version: ATTR_TELEMETRY_SDK_VERSION,
};

interface Family {
  name: string;
  type: string;
  help: string;
  unit: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/**
 * Reads Prometheus text (0.0.4 or OpenMetrics) back into an OpenTelemetry snapshot, e.g. to
 * export a running endpoint's page as JSON Lines or CSV (`zoran-telemetrie export`): counters become monotonic
 * sums, gauges (and untyped or summary samples) gauges, histograms explicit-bucket histograms
 * (cumulative `le` buckets turned back into per-bucket counts), `target_info` the resource.
 * Families of the golden signals get their OpenTelemetry names and units back; others keep
 * their Prometheus name.
 */
export function parsePrometheusText(text: string, options: PrometheusTextParseOptions = {}): ResourceMetrics {
  const time = options.time ?? nowHrTime();
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: "untyped", help: "", unit: "", samples: [] };
      families.set(name, f);
    }
    return f;
  };
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const match = /^#\s+(TYPE|HELP|UNIT)\s+(\S+)\s?(.*)$/.exec(line);
      if (!match) continue;
      const [, keyword, name = "", rest = ""] = match;
      const f = family(name);
      if (keyword === "TYPE") f.type = rest.trim();
      else if (keyword === "HELP") f.help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      else f.unit = rest.trim();
      continue;
    }
    const sample = parseSample(line);
    if (sample) familyOf(families, sample.name, family).samples.push(sample);
  }

  let resourceAttributes: Attributes = {};
  const known: MetricData[] = [];
  const other: MetricData[] = [];
  for (const f of families.values()) {
    if (f.samples.length === 0) continue;
    if (f.name === "target_info" || f.name === "target") {
      const labels = f.samples[0]?.labels ?? {};
      resourceAttributes = Object.fromEntries(
        Object.entries(labels).map(([k, v]) => [RESOURCE_KEYS[k] ?? k, v]),
      );
      continue;
    }
    const definition = KNOWN_FAMILIES.get(f.name) ?? KNOWN_FAMILIES.get(`${f.name}_total`);
    const metric = toMetricData(f, definition, time);
    (definition ? known : other).push(metric);
  }
  const scopeMetrics: ScopeMetrics[] = [];
  if (known.length > 0) scopeMetrics.push({ scope: { ...INSTRUMENTATION_SCOPE }, metrics: known });
  if (other.length > 0) scopeMetrics.push({ scope: { name: "" }, metrics: other });
  return { resource: resourceFromAttributes(resourceAttributes), scopeMetrics };
}

/** The family a sample belongs to: its own name, or the name without a histogram/counter suffix. */
function familyOf(
  families: Map<string, Family>,
  sampleName: string,
  create: (name: string) => Family,
): Family {
  if (families.has(sampleName) && families.get(sampleName)?.type !== "untyped") return create(sampleName);
  for (const suffix of ["_bucket", "_sum", "_count", "_total", "_created"]) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    if (families.has(base)) return create(base);
  }
  return create(sampleName);
}

function parseSample(
  line: string,
): { name: string; labels: Record<string, string>; value: number } | undefined {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) return undefined;
  const name = nameMatch[0];
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === "{") {
    at++;
    for (;;) {
      while (line[at] === " " || line[at] === ",") at++;
      if (line[at] === "}") {
        at++;
        break;
      }
      const key = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(at))?.[0];
      if (!key || line[at + key.length] !== "=" || line[at + key.length + 1] !== '"') return undefined;
      at += key.length + 2;
      let value = "";
      while (at < line.length && line[at] !== '"') {
        if (line[at] === "\\") {
          const next = line[at + 1];
          value += next === "n" ? "\n" : (next ?? "");
          at += 2;
        } else {
          value += line[at];
          at++;
        }
      }
      if (line[at] !== '"') return undefined;
      at++;
      labels[key] = value;
    }
  }
  const valueText = line.slice(at).trim().split(/\s+/)[0] ?? "";
  const value = parseValue(valueText);
  return value === undefined ? undefined : { name, labels, value };
}

function parseValue(text: string): number | undefined {
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  if (text === "") return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

function toMetricData(f: Family, definition: MetricDefinition | undefined, time: HrTime): MetricData {
  const descriptor = {
    name: definition?.name ?? f.name,
    description: definition?.description ?? f.help,
    unit: definition?.unit ?? f.unit,
    valueType: ValueType.DOUBLE,
  };
  const base = { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE };
  const point = <T>(labels: Record<string, string>, value: T) => ({
    startTime: time,
    endTime: time,
    attributes: labels,
    value,
  });
  if (f.type === "histogram") {
    return {
      ...base,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: histogramPoints(f).map((h) => point(h.labels, h.value)),
    };
  }
  const samples = f.samples.filter((s) => !s.name.endsWith("_created"));
  if (f.type === "counter") {
    return {
      ...base,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: samples.map((s) => point(s.labels, s.value)),
    };
  }
  return {
    ...base,
    dataPointType: DataPointType.GAUGE,
    dataPoints: samples.map((s) => point(s.labels, s.value)),
  };
}

/** Groups `_bucket`/`_sum`/`_count` samples by label set and undoes the cumulative `le` buckets. */
function histogramPoints(f: Family) {
  const series = new Map<
    string,
    { labels: Record<string, string>; buckets: [number, number][]; sum: number; count: number }
  >();
  for (const s of f.samples) {
    const { le, ...labels } = s.labels;
    const key = JSON.stringify(Object.entries(labels).sort());
    let entry = series.get(key);
    if (!entry) {
      entry = { labels, buckets: [], sum: 0, count: 0 };
      series.set(key, entry);
    }
    if (s.name.endsWith("_bucket") && le !== undefined)
      entry.buckets.push([parseValue(le) ?? Number.NaN, s.value]);
    else if (s.name.endsWith("_sum")) entry.sum = s.value;
    else if (s.name.endsWith("_count")) entry.count = s.value;
  }
  return [...series.values()].map(({ labels, buckets, sum, count }) => {
    buckets.sort((a, b) => a[0] - b[0]);
    const finite = buckets.filter(([le]) => Number.isFinite(le));
    const counts: number[] = [];
    let below = 0;
    for (const [, cumulative] of finite) {
      counts.push(cumulative - below);
      below = cumulative;
    }
    counts.push(count - below); // the +Inf bucket holds what is left
    return {
      labels,
      value: { buckets: { boundaries: finite.map(([le]) => le), counts }, sum, count },
    };
  });
}

function nowHrTime(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}
