import type { Attributes } from "@opentelemetry/api";
import { DataPointType, type Histogram, type MetricData } from "@opentelemetry/sdk-metrics";
import { type Exemplar, exemplarsOf } from "../../snapshot/point-extensions.js";
import type { ExpositionReport } from "./exposition-conflicts.js";
import {
  type LabelContext,
  PLAIN_CONTEXT,
  textLabels,
  toByteString,
  writeTextLabels,
} from "./exposition-labels.js";
import type { ExpositionPlan } from "./exposition-plan.js";
import type { ExpositionWriter } from "./exposition-writer.js";
import { formatNumber } from "./format-number.js";
import type { PrometheusFamily } from "./prometheus-names.js";
import { type SliceBudget, WORK_PER_CHECK } from "./slice-budget.js";

/*
 * The text formats: Prometheus text 0.0.4 and OpenMetrics 1.0.0
 * (https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md).
 * They differ in the counter family name (`x_total` in 0.0.4, `x` in OpenMetrics), `# UNIT`,
 * `target_info` (a gauge, or the info family `target`), `# EOF`, and exemplars (OpenMetrics only:
 * 0.0.4 has no syntax for them).
 */

// `le="0.01"} ` suffixes of each bucket line, per bounds array (shared by all series of a metric).
const boundCache = new WeakMap<readonly number[], string[]>();
// HELP, TYPE and sample-name heads per family name, format and help text (few: one per metric).
const headCache = new Map<string, FamilyHeads>();
const HEAD_CACHE_LIMIT = 1000;

/** Byte strings of one family that do not depend on a data point. */
interface FamilyHeads {
  /** `# HELP`/`# TYPE`/`# UNIT` lines. */
  readonly header: string;
  /** Sample name of counters and gauges, e.g. `zoran_requests_total`. */
  readonly sample: string;
  /** `name_bucket{` */
  readonly bucket: string;
  /** `name_sum` */
  readonly sum: string;
  /** `name_count` */
  readonly count: string;
}

/**
 * Writes a planned page in a text format. A generator: with a `budget` it yields when the slice
 * is spent (checked every {@link WORK_PER_CHECK} series), so a caller can give the event loop back
 * between slices; without one it runs to the end in one go.
 */
export function* writeTextPage(
  writer: ExpositionWriter,
  plan: ExpositionPlan,
  openMetrics: boolean,
  report: ExpositionReport | undefined,
  budget: SliceBudget | undefined,
): Generator<void, void, void> {
  if (plan.targetInfo !== undefined) writer.bytes(targetInfo(plan.targetInfo, openMetrics));
  let work = 0;
  for (const group of plan.families) {
    const heads = familyHeads(group.family, group.help, openMetrics);
    writer.bytes(heads.header);
    const seen = group.dedupe ? new Set<string>() : undefined;
    for (const planned of group.metrics) {
      const { metric, scopeText, labels } = planned;
      const points = metric.dataPoints;
      const histogram = metric.dataPointType === DataPointType.HISTOGRAM;
      const counter = openMetrics && group.family.type === "counter";
      // Our own families (no scope labels, series unique by construction): labels go straight
      // into the page. Others need the label text first, to tell repeated series apart.
      const direct = seen === undefined && scopeText === "";
      for (let i = 0; i < points.length; i++) {
        const point = points[i]!;
        let text: string | undefined;
        if (!direct) {
          text = textLabels(point.attributes, labels);
          if (scopeText !== "") text = text === "" ? scopeText : `${text},${scopeText}`;
          if (seen !== undefined) {
            if (seen.has(text)) {
              planned.duplicate();
              continue;
            }
            seen.add(text);
          }
        }
        if (histogram) {
          writeHistogram(
            writer,
            heads,
            text,
            point.attributes,
            labels,
            point.value as Histogram,
            openMetrics ? exemplarsOf(point) : undefined,
            openMetrics,
          );
        } else if (
          metric.dataPointType === DataPointType.SUM ||
          metric.dataPointType === DataPointType.GAUGE
        ) {
          writer.bytes(heads.sample);
          // `{labels} `, or ` ` alone when there are none.
          const open = writer.position;
          writer.byte(0x7b);
          if (text === undefined) writeTextLabels(writer, point.attributes, labels);
          else writer.bytes(text);
          if (writer.position === open + 1) writer.rewind(open);
          else writer.byte(0x7d);
          writer.byte(0x20);
          writer.number(point.value as number);
          if (counter) {
            const exemplar = exemplarsOf(point)?.[0];
            if (exemplar !== undefined) writeExemplar(writer, exemplar);
          }
          writer.byte(0x0a);
        }
        if (budget !== undefined && ++work === WORK_PER_CHECK) {
          work = 0;
          if (budget.spent()) yield;
        }
      }
    }
  }
  if (report !== undefined) {
    report.record(plan.conflicts.list);
    const self = report.selfMetric(nowHrTime());
    if (self !== undefined) writeSelfMetric(writer, plan.conflictsFamily, self, openMetrics);
  }
  if (openMetrics) writer.bytes("# EOF\n");
}

function writeSelfMetric(
  writer: ExpositionWriter,
  family: PrometheusFamily,
  metric: MetricData,
  openMetrics: boolean,
) {
  const heads = familyHeads(family, metric.descriptor.description, openMetrics);
  writer.bytes(heads.header);
  for (const point of metric.dataPoints) {
    writer.bytes(heads.sample);
    writeBraced(writer, textLabels(point.attributes, PLAIN_CONTEXT));
    writer.number(point.value as number);
    writer.byte(0x0a);
  }
}

/** The time of the self-metric's points (it has no snapshot of its own). */
export function nowHrTime(): [number, number] {
  const now = Date.now();
  return [Math.floor(now / 1000), (now % 1000) * 1e6];
}

function writeHistogram(
  writer: ExpositionWriter,
  heads: FamilyHeads,
  text: string | undefined,
  attributes: Attributes,
  context: LabelContext,
  value: Histogram,
  exemplars: readonly (Exemplar | undefined)[] | undefined,
  openMetrics: boolean,
) {
  const boundaries = value.buckets.boundaries;
  const suffixes = boundSuffixes(boundaries);
  const counts = value.buckets.counts;
  const bounds = suffixes.length - 1;
  // `name_bucket{labels,` is written once, then copied inside the buffer for the other buckets:
  // one memmove instead of a charCodeAt loop over ~70 bytes (profile at 10,000 sets: that loop
  // was 1/3 of a scrape; serializing 10,000 sets went from 35 to 16 ms, best of 30). The label
  // bytes of `_sum` and `_count` are copied from it too.
  const prefixStart = writer.position;
  writer.bytes(heads.bucket);
  const labelsStart = writer.position;
  if (text === undefined) writeTextLabels(writer, attributes, context);
  else writer.bytes(text);
  const labelsLength = writer.position - labelsStart;
  if (labelsLength > 0) writer.byte(0x2c); // ,
  const prefixLength = writer.position - prefixStart;
  let cumulative = 0;
  for (let i = 0; i <= bounds; i++) {
    cumulative += counts[i] ?? 0;
    if (i > 0) writer.repeat(prefixStart, prefixLength);
    writer.bytes(suffixes[i]!);
    writer.number(cumulative);
    if (exemplars !== undefined) {
      const exemplar = exemplars[i];
      if (exemplar !== undefined) writeExemplar(writer, exemplar);
    }
    writer.byte(0x0a);
  }
  const sum = value.sum ?? 0;
  // OpenMetrics: `_sum` is counter-like (never negative nor NaN), not allowed beside negative
  // buckets, and `_count` goes with `_sum`. So a histogram of negative values has neither there
  // (its count is still the +Inf bucket); the text format 0.0.4 has no such rule.
  if (openMetrics && !(sum >= 0 && (boundaries.length === 0 || boundaries[0]! >= 0))) return;
  writer.bytes(heads.sum);
  writeCopiedLabels(writer, labelsStart, labelsLength);
  writer.number(sum);
  writer.byte(0x0a);
  writer.bytes(heads.count);
  writeCopiedLabels(writer, labelsStart, labelsLength);
  writer.number(value.count);
  writer.byte(0x0a);
}

/** `{labels} ` from label bytes already on the page, or ` ` when there are none. */
function writeCopiedLabels(writer: ExpositionWriter, start: number, length: number): void {
  if (length > 0) {
    writer.byte(0x7b); // {
    writer.repeat(start, length);
    writer.byte(0x7d); // }
  }
  writer.byte(0x20);
}

/** `{labels} ` or ` ` when there are none. */
function writeBraced(writer: ExpositionWriter, labels: string): void {
  if (labels !== "") {
    writer.byte(0x7b); // {
    writer.bytes(labels);
    writer.byte(0x7d); // }
  }
  writer.byte(0x20);
}

const HEX_TRACE_ID = /^[0-9a-f]{32}$/;
const HEX_SPAN_ID = /^[0-9a-f]{16}$/;

/**
 * ` # {trace_id="…",span_id="…"} value timestamp`, the OpenMetrics exemplar of a `_bucket` or
 * `_total` sample (label set 63 characters, within the 128 allowed). One that is not a W3C trace
 * context with finite numbers is left out rather than risk the page.
 */
function writeExemplar(writer: ExpositionWriter, exemplar: Exemplar): void {
  const { traceId, spanId, value, timeUnixMs } = exemplar;
  if (
    typeof traceId !== "string" ||
    typeof spanId !== "string" ||
    !HEX_TRACE_ID.test(traceId) ||
    !HEX_SPAN_ID.test(spanId) ||
    !Number.isFinite(value) ||
    !Number.isFinite(timeUnixMs)
  ) {
    return;
  }
  writer.bytes(' # {trace_id="');
  writer.bytes(traceId);
  writer.bytes('",span_id="');
  writer.bytes(spanId);
  writer.bytes('"} ');
  writer.number(value);
  writer.byte(0x20);
  // OpenMetrics timestamps are seconds.
  writer.number(timeUnixMs / 1000);
}

function familyHeads(family: PrometheusFamily, help: string, openMetrics: boolean): FamilyHeads {
  const key = `${openMetrics ? "o" : "t"}\u0000${family.family}\u0000${family.type}\u0000${family.unit}\u0000${help}`;
  let heads = headCache.get(key);
  if (heads !== undefined) return heads;
  const name = openMetrics || family.type !== "counter" ? family.family : family.sampleName;
  const helpLine = `# HELP ${name} ${escapeHelp(help || family.family, openMetrics)}\n`;
  let header: string;
  if (openMetrics) {
    header = `# TYPE ${name} ${family.type}\n`;
    if (family.unit !== "") header += `# UNIT ${name} ${family.unit}\n`;
    header += helpLine;
  } else {
    header = `${helpLine}# TYPE ${name} ${family.type}\n`;
  }
  heads = {
    header: toByteString(header),
    sample: toByteString(family.sampleName),
    bucket: toByteString(`${family.family}_bucket{`),
    sum: toByteString(`${family.family}_sum`),
    count: toByteString(`${family.family}_count`),
  };
  if (headCache.size >= HEAD_CACHE_LIMIT) headCache.clear();
  headCache.set(key, heads);
  return heads;
}

function targetInfo(attributes: Attributes, openMetrics: boolean): string {
  const labels = textLabels(attributes, PLAIN_CONTEXT);
  const help = "Target metadata";
  if (openMetrics) return `# TYPE target info\n# HELP target ${help}\ntarget_info{${labels}} 1\n`;
  return `# HELP target_info ${help}\n# TYPE target_info gauge\ntarget_info{${labels}} 1\n`;
}

function boundSuffixes(boundaries: readonly number[]): string[] {
  let suffixes = boundCache.get(boundaries);
  if (suffixes === undefined) {
    suffixes = boundaries.map((bound) => toByteString(`le="${formatNumber(bound)}"} `));
    suffixes.push('le="+Inf"} ');
    // By identity, frozen or not: the store and the OpenTelemetry SDK keep one bounds array per
    // instrument and never change it.
    boundCache.set(boundaries, suffixes);
  }
  return suffixes;
}

function escapeHelp(help: string, openMetrics: boolean): string {
  let out = help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  if (openMetrics) out = out.replace(/"/g, '\\"');
  return out;
}
