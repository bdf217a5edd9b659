import type { Attributes } from "@opentelemetry/api";
import { DataPointType, type Histogram, type MetricData } from "@opentelemetry/sdk-metrics";
import { type Exemplar, exemplarsOf, nativeOf } from "../../snapshot/point-extensions.js";
import type { ExpositionReport } from "./exposition-conflicts.js";
import {
  labelPairFields,
  PLAIN_CONTEXT,
  protoLabels,
  toByteString,
  varintBytes,
  writeProtoLabels,
} from "./exposition-labels.js";
import type { ExpositionPlan } from "./exposition-plan.js";
import type { ExpositionWriter } from "./exposition-writer.js";
import { type NativeLayout, nativeLayout } from "./native-histogram.js";
import type { PrometheusFamily } from "./prometheus-names.js";
import { type SliceBudget, WORK_PER_CHECK } from "./slice-budget.js";
import { nowHrTime } from "./text-exposition.js";

/*
 * The Prometheus protobuf exposition (`application/vnd.google.protobuf;
 * proto=io.prometheus.client.MetricFamily; encoding=delimited`): each `MetricFamily` of
 * client_model's metrics.proto (Debian golang-github-prometheus-client-model-dev), preceded by its
 * length as a varint. The only format with native histograms: Prometheus 2.42 asks for it when
 * started with `--enable-feature=native-histograms`.
 *
 * Hand-written for this one fixed message shape, into the same Buffer writer as the text formats,
 * instead of protobufjs (a devDependency, used by the tests to decode every page): no object per
 * message, label bytes encoded once per series; measured in bench/serialize.bench.ts.
 *
 * Field tags used below, `(field << 3) | wire type` (0 varint, 1 fixed64, 2 length-delimited):
 *   MetricFamily  name 1 -> 0x0a, help 2 -> 0x12, type 3 -> 0x18, metric 4 -> 0x22
 *   Metric        label 1 -> 0x0a, gauge 2 -> 0x12, counter 3 -> 0x1a, histogram 7 -> 0x3a
 *   Gauge/Counter value 1 (double) -> 0x09; Counter exemplar 2 -> 0x12
 *   Histogram     sample_count 1 -> 0x08, sample_sum 2 -> 0x11, bucket 3 -> 0x1a, schema 5 -> 0x28,
 *                 zero_threshold 6 -> 0x31, zero_count 7 -> 0x38, negative_span 9 -> 0x4a,
 *                 negative_delta 10 -> 0x52 (packed), positive_span 12 -> 0x62,
 *                 positive_delta 13 -> 0x6a (packed)
 *   Bucket        cumulative_count 1 -> 0x08, upper_bound 2 -> 0x11, exemplar 3 -> 0x1a
 *   BucketSpan    offset 1 (sint32) -> 0x08, length 2 -> 0x10
 *   Exemplar      label 1 -> 0x0a, value 2 -> 0x11, timestamp 3 -> 0x1a
 *   Timestamp     seconds 1 -> 0x08, nanos 2 -> 0x10
 */

/** client_model `MetricType`. */
const METRIC_TYPE = { counter: 0, gauge: 1, histogram: 4 } as const;

// `name`, `help` and `type` fields of each family, per name, type and help (few: one per metric).
const headCache = new Map<string, string>();
const HEAD_CACHE_LIMIT = 1000;

/** Writes a planned page in the delimited protobuf format; yields like {@link writeTextPage}. */
export function* writeProtobufPage(
  writer: ExpositionWriter,
  plan: ExpositionPlan,
  report: ExpositionReport | undefined,
  budget: SliceBudget | undefined,
): Generator<void, void, void> {
  if (plan.targetInfo !== undefined) writeTargetInfo(writer, plan.targetInfo);
  let work = 0;
  for (const group of plan.families) {
    const familyMark = writer.beginLength();
    writer.bytes(familyHead(group.family, group.help));
    const seen = group.dedupe ? new Set<string>() : undefined;
    for (const planned of group.metrics) {
      const { metric, scopeProto, labels } = planned;
      const points = metric.dataPoints;
      const histogram = metric.dataPointType === DataPointType.HISTOGRAM;
      const counter = group.family.type === "counter";
      if (
        !histogram &&
        metric.dataPointType !== DataPointType.SUM &&
        metric.dataPointType !== DataPointType.GAUGE
      ) {
        continue;
      }
      // Our own families: labels straight into the page (see text-exposition.ts).
      const direct = seen === undefined && scopeProto === "";
      for (let i = 0; i < points.length; i++) {
        const point = points[i]!;
        let all: string | undefined;
        if (!direct) {
          all = protoLabels(point.attributes, labels) + scopeProto;
          if (seen !== undefined) {
            if (seen.has(all)) {
              planned.duplicate();
              continue;
            }
            seen.add(all);
          }
        }
        writer.byte(0x22); // MetricFamily.metric
        const metricMark = writer.beginLength();
        if (all === undefined) writeProtoLabels(writer, point.attributes, labels);
        else writer.bytes(all);
        if (histogram) {
          let layout: NativeLayout | undefined;
          const native = nativeOf(point);
          if (native !== undefined) {
            const result = nativeLayout(native);
            if (typeof result === "string") planned.nativeDropped(result);
            else layout = result;
          }
          writeHistogram(writer, point.value as Histogram, exemplarsOf(point), layout);
        } else {
          writer.byte(counter ? 0x1a : 0x12); // Metric.counter or Metric.gauge
          const valueMark = writer.beginLength();
          writer.byte(0x09);
          writer.double(point.value as number);
          if (counter) {
            const exemplar = exemplarsOf(point)?.[0];
            if (exemplar !== undefined) writeExemplar(writer, 0x12, exemplar);
          }
          writer.endLength(valueMark);
        }
        writer.endLength(metricMark);
        if (budget !== undefined && ++work === WORK_PER_CHECK) {
          work = 0;
          if (budget.spent()) yield;
        }
      }
    }
    writer.endLength(familyMark);
  }
  if (report !== undefined) {
    report.record(plan.conflicts.list);
    const self = report.selfMetric(nowHrTime());
    if (self !== undefined) writeSelfMetric(writer, plan.conflictsFamily, self);
  }
}

function writeHistogram(
  writer: ExpositionWriter,
  value: Histogram,
  exemplars: readonly (Exemplar | undefined)[] | undefined,
  native: NativeLayout | undefined,
) {
  writer.byte(0x3a); // Metric.histogram
  const mark = writer.beginLength();
  writer.byte(0x08);
  writer.varint(value.count);
  writer.byte(0x11);
  writer.double(value.sum ?? 0);
  const { boundaries, counts } = value.buckets;
  let cumulative = 0;
  for (let i = 0; i <= boundaries.length; i++) {
    cumulative += counts[i] ?? 0;
    writer.byte(0x1a); // Histogram.bucket
    const bucketMark = writer.beginLength();
    writer.byte(0x08);
    writer.varint(cumulative);
    writer.byte(0x11);
    writer.double(i < boundaries.length ? boundaries[i]! : Number.POSITIVE_INFINITY);
    const exemplar = exemplars?.[i];
    if (exemplar !== undefined) writeExemplar(writer, 0x1a, exemplar);
    writer.endLength(bucketMark);
  }
  if (native !== undefined) {
    writer.byte(0x28);
    writer.zigzag(native.schema);
    writer.byte(0x31);
    writer.double(native.zeroThreshold);
    writer.byte(0x38);
    writer.varint(native.zeroCount);
    writeSpans(writer, 0x4a, 0x52, native.negativeSpans, native.negativeDeltas);
    writeSpans(writer, 0x62, 0x6a, native.positiveSpans, native.positiveDeltas);
  }
  writer.endLength(mark);
}

function writeSpans(
  writer: ExpositionWriter,
  spanTag: number,
  deltaTag: number,
  spans: readonly number[],
  deltas: readonly number[],
) {
  for (let i = 0; i < spans.length; i += 2) {
    writer.byte(spanTag);
    const mark = writer.beginLength();
    writer.byte(0x08);
    writer.zigzag(spans[i]!);
    writer.byte(0x10);
    writer.varint(spans[i + 1]!);
    writer.endLength(mark);
  }
  if (deltas.length === 0) return;
  writer.byte(deltaTag);
  const mark = writer.beginLength();
  for (const delta of deltas) writer.zigzag(delta);
  writer.endLength(mark);
}

const HEX_TRACE_ID = /^[0-9a-f]{32}$/;
const HEX_SPAN_ID = /^[0-9a-f]{16}$/;

/** An `Exemplar` field (`tag`: Counter.exemplar or Bucket.exemplar) with trace and span ids. */
function writeExemplar(writer: ExpositionWriter, tag: number, exemplar: Exemplar): void {
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
  writer.byte(tag);
  const mark = writer.beginLength();
  writer.bytes(labelPairFields(["trace_id", "span_id"], [traceId, spanId]));
  writer.byte(0x11);
  writer.double(value);
  writer.byte(0x1a);
  const stamp = writer.beginLength();
  const seconds = Math.floor(timeUnixMs / 1000);
  writer.byte(0x08);
  writer.varint(seconds);
  const nanos = Math.round((timeUnixMs - seconds * 1000) * 1e6);
  if (nanos > 0) {
    writer.byte(0x10);
    writer.varint(Math.min(nanos, 999_999_999));
  }
  writer.endLength(stamp);
  writer.endLength(mark);
}

/** `name`, `help` and `type` of a family (counters are named with `_total`, as client_golang does). */
function familyHead(family: PrometheusFamily, help: string): string {
  const key = `${family.family}\u0000${family.type}\u0000${help}`;
  let head = headCache.get(key);
  if (head !== undefined) return head;
  const name = toByteString(family.type === "counter" ? family.sampleName : family.family);
  const text = toByteString(help || family.family);
  head = `\u000a${varintBytes(name.length)}${name}\u0012${varintBytes(text.length)}${text}\u0018${String.fromCharCode(METRIC_TYPE[family.type])}`;
  if (headCache.size >= HEAD_CACHE_LIMIT) headCache.clear();
  headCache.set(key, head);
  return head;
}

function writeTargetInfo(writer: ExpositionWriter, attributes: Attributes): void {
  const family = writer.beginLength();
  writer.bytes(
    familyHead(
      { family: "target_info", sampleName: "target_info", type: "gauge", unit: "" },
      "Target metadata",
    ),
  );
  writer.byte(0x22);
  const metric = writer.beginLength();
  writer.bytes(protoLabels(attributes, PLAIN_CONTEXT));
  writer.byte(0x12);
  const gauge = writer.beginLength();
  writer.byte(0x09);
  writer.double(1);
  writer.endLength(gauge);
  writer.endLength(metric);
  writer.endLength(family);
}

function writeSelfMetric(writer: ExpositionWriter, family: PrometheusFamily, metric: MetricData): void {
  const familyMark = writer.beginLength();
  writer.bytes(familyHead(family, metric.descriptor.description));
  for (const point of metric.dataPoints) {
    writer.byte(0x22);
    const metricMark = writer.beginLength();
    writer.bytes(protoLabels(point.attributes, PLAIN_CONTEXT));
    writer.byte(0x1a);
    const counter = writer.beginLength();
    writer.byte(0x09);
    writer.double(point.value as number);
    writer.endLength(counter);
    writer.endLength(metricMark);
  }
  writer.endLength(familyMark);
}
