import { type Attributes, type AttributeValue, diag, type HrTime, ValueType } from "@opentelemetry/api";
import {
  type IExportMetricsServiceResponse,
  type ISerializer,
  JsonMetricsSerializer,
  ProtobufMetricsSerializer,
} from "@opentelemetry/otlp-transformer";
import {
  AggregationTemporality,
  type DataPoint,
  DataPointType,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
  type ScopeMetrics,
} from "@opentelemetry/sdk-metrics";
import { type Exemplar, exemplarsOf, type NativeHistogram } from "../../snapshot/point-extensions.js";
import { ProtobufWriter } from "./protobuf-writer.js";

/** The OTLP metrics serializer the metric exporter uses (the transformer's interface). */
export type MetricsSerializer = ISerializer<ResourceMetrics, IExportMetricsServiceResponse>;

/**
 * The official OTLP metrics serialization (`@opentelemetry/otlp-transformer`), plus what the
 * OpenTelemetry SDK data model has no field for and the store attaches to its points
 * (`snapshot/point-extensions.ts`): exemplars, and the zero threshold of exponential histograms.
 *
 * - Snapshots without either: the transformer's bytes, unchanged.
 * - Protobuf: the transformer writes every scope that has none; the scopes that have some (the
 *   golden signals') are written here, field numbers of opentelemetry-proto `metrics/v1`, and
 *   appended to the same `ResourceMetrics` (a protobuf message is the concatenation of its
 *   fields, so only that message's length prefix is rewritten).
 * - JSON: the transformer's document, with `exemplars` and `zeroThreshold` added to its points
 *   (same order as the snapshot's).
 */
export function createExemplarMetricsSerializer(encoding: "protobuf" | "json"): MetricsSerializer {
  const base = encoding === "json" ? JsonMetricsSerializer : ProtobufMetricsSerializer;
  return {
    serializeRequest(request: ResourceMetrics): Uint8Array | undefined {
      if (!request.scopeMetrics.some(scopeHasExtensions)) return base.serializeRequest(request);
      try {
        return encoding === "json" ? jsonWithExtensions(request) : protobufWithExtensions(request);
      } catch (error) {
        reportOnce(error);
        return base.serializeRequest(request);
      }
    },
    deserializeResponse: (data) => base.deserializeResponse(data),
  };
}

let reported = false;
function reportOnce(error: unknown): void {
  if (reported) return;
  reported = true;
  diag.warn(
    `zoran-telemetrie: OTLP exemplars could not be encoded; exported without them (${String(error)})`,
  );
}

/** Exemplars of a point as OTLP lists them (the store's per-bucket slots, present ones only). */
function presentExemplars(point: DataPoint<unknown>): Exemplar[] {
  const exemplars = exemplarsOf(point);
  if (exemplars === undefined) return [];
  return exemplars.filter((exemplar): exemplar is Exemplar => exemplar !== undefined);
}

function zeroThresholdOf(metric: MetricData, point: DataPoint<unknown>): number {
  if (metric.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM) return 0;
  return (point.value as Partial<NativeHistogram>).zeroThreshold ?? 0;
}

function scopeHasExtensions(scope: ScopeMetrics): boolean {
  return scope.metrics.some((metric) =>
    (metric.dataPoints as DataPoint<unknown>[]).some(
      (point) => presentExemplars(point).length > 0 || zeroThresholdOf(metric, point) > 0,
    ),
  );
}

// ---------- JSON: the transformer's document, completed ----------

interface JsonPoint {
  exemplars?: unknown[];
  zeroThreshold?: number;
}

function jsonWithExtensions(request: ResourceMetrics): Uint8Array | undefined {
  const bytes = JsonMetricsSerializer.serializeRequest(request);
  if (bytes === undefined) return undefined;
  const document = JSON.parse(Buffer.from(bytes).toString("utf8")) as {
    resourceMetrics: { scopeMetrics: { metrics: Record<string, { dataPoints?: JsonPoint[] }>[] }[] }[];
  };
  const scopes = document.resourceMetrics[0]!.scopeMetrics;
  request.scopeMetrics.forEach((scope, s) => {
    scope.metrics.forEach((metric, m) => {
      const encoded = scopes[s]!.metrics[m]!;
      const data = encoded.sum ?? encoded.histogram ?? encoded.exponentialHistogram ?? encoded.gauge;
      (metric.dataPoints as DataPoint<unknown>[]).forEach((point, p) => {
        const target = data?.dataPoints?.[p];
        if (target === undefined) return;
        const exemplars = presentExemplars(point);
        if (exemplars.length > 0) {
          target.exemplars = exemplars.map((exemplar) => ({
            timeUnixNano: String(exemplarNanos(exemplar)),
            asDouble: exemplar.value,
            spanId: exemplar.spanId,
            traceId: exemplar.traceId,
          }));
        }
        const zeroThreshold = zeroThresholdOf(metric, point);
        if (zeroThreshold > 0) target.zeroThreshold = zeroThreshold;
      });
    });
  });
  return new TextEncoder().encode(JSON.stringify(document));
}

// ---------- protobuf: the transformer's bytes, with the extended scopes appended ----------

function protobufWithExtensions(request: ResourceMetrics): Uint8Array | undefined {
  const plain = request.scopeMetrics.filter((scope) => !scopeHasExtensions(scope));
  const extended = request.scopeMetrics.filter(scopeHasExtensions);
  const head = ProtobufMetricsSerializer.serializeRequest({
    resource: request.resource,
    scopeMetrics: plain,
  });
  if (head === undefined) return undefined;
  // ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; } with one
  // element: tag 0x0a, the element's length as a varint, then its fields.
  if (head[0] !== 0x0a) throw new Error("unexpected OTLP request layout from the transformer");
  let length = 0;
  let shift = 1;
  let position = 1;
  for (;;) {
    const byte = head[position++]!;
    length += (byte & 0x7f) * shift;
    shift *= 0x80;
    if (byte < 0x80) break;
  }
  if (position + length !== head.length)
    throw new Error("unexpected OTLP request length from the transformer");
  const tail = new ProtobufWriter();
  for (const scope of extended) tail.message(2, (w) => writeScopeMetrics(w, scope));
  const extra = tail.finish();
  const out = new ProtobufWriter();
  out.tag(1, 2).varint(length + extra.length);
  const prefix = out.finish();
  const body = new Uint8Array(prefix.length + length + extra.length);
  body.set(prefix, 0);
  body.set(head.subarray(position), prefix.length);
  body.set(extra, prefix.length + length);
  return body;
}

// Field numbers of opentelemetry-proto `opentelemetry/proto/metrics/v1/metrics.proto` and
// `common/v1/common.proto`.

function writeScopeMetrics(w: ProtobufWriter, scope: ScopeMetrics): void {
  w.message(1, (s) => {
    s.tag(1, 2).string(scope.scope.name);
    if (scope.scope.version) s.tag(2, 2).string(scope.scope.version);
  });
  for (const metric of scope.metrics) w.message(2, (m) => writeMetric(m, metric));
  if (scope.scope.schemaUrl) w.tag(3, 2).string(scope.scope.schemaUrl);
}

function temporalityOf(metric: MetricData): number {
  return metric.aggregationTemporality === AggregationTemporality.DELTA ? 1 : 2;
}

function writeMetric(w: ProtobufWriter, metric: MetricData): void {
  w.tag(1, 2).string(metric.descriptor.name);
  if (metric.descriptor.description) w.tag(2, 2).string(metric.descriptor.description);
  if (metric.descriptor.unit) w.tag(3, 2).string(metric.descriptor.unit);
  const integer = metric.descriptor.valueType === ValueType.INT;
  switch (metric.dataPointType) {
    case DataPointType.GAUGE:
      w.message(5, (g) => {
        for (const point of metric.dataPoints) g.message(1, (p) => writeNumberPoint(p, point, integer));
      });
      return;
    case DataPointType.SUM:
      w.message(7, (s) => {
        for (const point of metric.dataPoints) s.message(1, (p) => writeNumberPoint(p, point, integer));
        s.tag(2, 0).varint(temporalityOf(metric));
        if (metric.isMonotonic) s.tag(3, 0).varint(1);
      });
      return;
    case DataPointType.HISTOGRAM:
      w.message(9, (h) => {
        for (const point of metric.dataPoints) h.message(1, (p) => writeHistogramPoint(p, point));
        h.tag(2, 0).varint(temporalityOf(metric));
      });
      return;
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      w.message(10, (h) => {
        for (const point of metric.dataPoints) h.message(1, (p) => writeExponentialPoint(p, point));
        h.tag(2, 0).varint(temporalityOf(metric));
      });
      return;
  }
}

function writeNumberPoint(w: ProtobufWriter, point: DataPoint<number>, integer: boolean): void {
  writeAttributes(w, 7, point.attributes);
  w.tag(2, 1).fixed64(hrNanos(point.startTime));
  w.tag(3, 1).fixed64(hrNanos(point.endTime));
  if (integer) w.tag(6, 1).fixed64(BigInt(Math.trunc(point.value)));
  else w.tag(4, 1).double(point.value);
  writeExemplars(w, 5, point);
}

function writeHistogramPoint(w: ProtobufWriter, point: DataPoint<Histogram>): void {
  const { value } = point;
  writeAttributes(w, 9, point.attributes);
  w.tag(2, 1).fixed64(hrNanos(point.startTime));
  w.tag(3, 1).fixed64(hrNanos(point.endTime));
  w.tag(4, 1).fixed64(BigInt(value.count));
  if (value.sum !== undefined) w.tag(5, 1).double(value.sum);
  w.message(6, (c) => {
    for (const count of value.buckets.counts) c.fixed64(BigInt(count));
  });
  w.message(7, (b) => {
    for (const bound of value.buckets.boundaries) b.double(bound);
  });
  writeExemplars(w, 8, point);
  if (value.min !== undefined) w.tag(11, 1).double(value.min);
  if (value.max !== undefined) w.tag(12, 1).double(value.max);
}

function writeExponentialPoint(w: ProtobufWriter, point: DataPoint<ExponentialHistogram>): void {
  const value = point.value as ExponentialHistogram & Partial<NativeHistogram>;
  writeAttributes(w, 1, point.attributes);
  w.tag(2, 1).fixed64(hrNanos(point.startTime));
  w.tag(3, 1).fixed64(hrNanos(point.endTime));
  w.tag(4, 1).fixed64(BigInt(value.count));
  if (value.sum !== undefined) w.tag(5, 1).double(value.sum);
  w.tag(6, 0).sint32(value.scale);
  w.tag(7, 1).fixed64(BigInt(value.zeroCount));
  const writeBuckets = (b: ProtobufWriter, buckets: { offset: number; bucketCounts: number[] }) => {
    b.tag(1, 0).sint32(buckets.offset);
    b.message(2, (c) => {
      for (const count of buckets.bucketCounts) c.varint(count);
    });
  };
  w.message(8, (b) => writeBuckets(b, value.positive));
  w.message(9, (b) => writeBuckets(b, value.negative));
  writeExemplars(w, 11, point);
  if (value.min !== undefined) w.tag(12, 1).double(value.min);
  if (value.max !== undefined) w.tag(13, 1).double(value.max);
  if (value.zeroThreshold !== undefined && value.zeroThreshold > 0) w.tag(14, 1).double(value.zeroThreshold);
}

/** Exemplar { time_unix_nano = 2; as_double = 3; span_id = 4; trace_id = 5; } */
function writeExemplars(w: ProtobufWriter, field: number, point: DataPoint<unknown>): void {
  for (const exemplar of presentExemplars(point)) {
    w.message(field, (e) => {
      e.tag(2, 1).fixed64(exemplarNanos(exemplar));
      e.tag(3, 1).double(exemplar.value);
      e.tag(4, 2).bytes(Buffer.from(exemplar.spanId, "hex"));
      e.tag(5, 2).bytes(Buffer.from(exemplar.traceId, "hex"));
    });
  }
}

function writeAttributes(w: ProtobufWriter, field: number, attributes: Attributes): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    w.message(field, (kv) => {
      kv.tag(1, 2).string(key);
      kv.message(2, (v) => writeAnyValue(v, value));
    });
  }
}

/** AnyValue { string = 1; bool = 2; int = 3; double = 4; array = 5; } */
function writeAnyValue(w: ProtobufWriter, value: AttributeValue): void {
  if (typeof value === "string") w.tag(1, 2).string(value);
  else if (typeof value === "boolean") w.tag(2, 0).varint(value ? 1 : 0);
  else if (typeof value === "number") {
    if (Number.isSafeInteger(value)) w.tag(3, 0).int64(value);
    else w.tag(4, 1).double(value);
  } else if (Array.isArray(value)) {
    w.message(5, (array) => {
      for (const item of value) {
        if (item !== undefined && item !== null) array.message(1, (v) => writeAnyValue(v, item));
      }
    });
  }
}

function hrNanos(time: HrTime): bigint {
  return BigInt(Math.trunc(time[0])) * 1_000_000_000n + BigInt(Math.trunc(time[1]));
}

function exemplarNanos(exemplar: Exemplar): bigint {
  const ms = Math.floor(exemplar.timeUnixMs);
  return BigInt(ms) * 1_000_000n + BigInt(Math.round((exemplar.timeUnixMs - ms) * 1_000_000));
}
