import { describe, expect, it } from "vitest";
import {
  serializePrometheus,
  serializePrometheusToBuffer,
} from "../../../src/exporters/prometheus/prometheus-serializer.js";
import { LATENCY_BOUNDS_SECONDS } from "../../../src/signals/metric-definitions.js";
import {
  decodeProtobufPage,
  metricsProto,
  parseWithPython,
  strictParser,
} from "../../helpers/exposition-check.js";
import { exemplar, extensionSnapshot, SPAN_A, SPAN_B, TRACE_A, TRACE_B } from "./extension-fixtures.js";

/**
 * Exemplars (issue 17, exposition side): the store attaches them to data points
 * (src/snapshot/point-extensions.ts); the serializer writes the OpenMetrics 1.0 syntax on
 * `_bucket` and `_total` samples, the protobuf `exemplar` fields, and nothing in text 0.0.4.
 * Hand-made snapshots: the pure serializer's side of the contract.
 */

// 0.245 s falls in the bucket (0.16, 0.32]: index 5 of the latency bounds.
const BUCKET_OF_0_245 = LATENCY_BOUNDS_SECONDS.findIndex((bound) => 0.245 <= bound);

function snapshotWithExemplars() {
  return extensionSnapshot({
    values: [0.05, 0.245, 0.3, 1.9],
    bucketExemplars: {
      [BUCKET_OF_0_245]: exemplar(0.245),
      14: exemplar(99.5, TRACE_B, SPAN_B, 1_767_225_602_000),
    },
    counterExemplar: exemplar(1, TRACE_B, SPAN_B),
  });
}

describe("exemplars in the Prometheus exposition", () => {
  it.skipIf(!strictParser)(
    "writes OpenMetrics exemplars on _bucket and _total that the strict parser reads back",
    () => {
      const page = serializePrometheus(snapshotWithExemplars(), { format: "openmetrics" });
      expect(page).toContain(
        `zoran_latency_seconds_bucket{operation="answer",exchange="ai_human",outcome="ok",le="0.32"} 3 # {trace_id="${TRACE_A}",span_id="${SPAN_A}"} 0.245 1767225601.25\n`,
      );
      const samples = parseWithPython(page, "openmetrics").flatMap((f) => f.samples);
      const withExemplars = samples.filter((s) => s.exemplar !== undefined);
      expect(withExemplars.map((s) => [s.name, s.labels.le, s.exemplar])).toEqual([
        [
          "zoran_latency_seconds_bucket",
          "0.32",
          { labels: { trace_id: TRACE_A, span_id: SPAN_A }, value: 0.245, timestamp: 1767225601.25 },
        ],
        [
          "zoran_latency_seconds_bucket",
          "+Inf",
          { labels: { trace_id: TRACE_B, span_id: SPAN_B }, value: 99.5, timestamp: 1767225602 },
        ],
        [
          "zoran_requests_total",
          undefined,
          { labels: { trace_id: TRACE_B, span_id: SPAN_B }, value: 1, timestamp: 1767225601.25 },
        ],
      ]);
      // OpenMetrics' limit: at most 128 characters of exemplar labels (names and values).
      for (const sample of withExemplars) {
        const length = Object.entries(sample.exemplar!.labels).reduce(
          (n, [k, v]) => n + k.length + v.length,
          0,
        );
        expect(length).toBeLessThanOrEqual(128);
      }
    },
  );

  it("writes none in the text format 0.0.4, which has no syntax for them", () => {
    const page = serializePrometheus(snapshotWithExemplars(), { format: "text" });
    expect(page).not.toContain("trace_id");
    expect(page).not.toContain(" # ");
  });

  it.skipIf(!strictParser)(
    "leaves out an exemplar that is not a W3C trace context, keeping the page valid",
    () => {
      const snapshot = extensionSnapshot({
        values: [0.245],
        bucketExemplars: {
          [BUCKET_OF_0_245]: { value: 0.245, timeUnixMs: 1, traceId: 'x"} 1\nfake 2', spanId: SPAN_A },
          0: { value: Number.NaN, timeUnixMs: 1, traceId: TRACE_A, spanId: SPAN_A },
          1: { value: 0.1, timeUnixMs: 1, traceId: TRACE_A.toUpperCase(), spanId: SPAN_A },
        },
      });
      const page = serializePrometheus(snapshot, { format: "openmetrics" });
      expect(page).not.toContain("trace_id");
      expect(() => parseWithPython(page, "openmetrics")).not.toThrow();
    },
  );

  it.skipIf(!metricsProto)("writes the protobuf exemplar fields of buckets and counters", async () => {
    const families = await decodeProtobufPage(
      serializePrometheusToBuffer(snapshotWithExemplars(), { format: "protobuf" }),
    );
    const latency = families.find((f) => f.name === "zoran_latency_seconds")!;
    const buckets = (latency.metric[0]!.histogram as { bucket: { exemplar?: unknown; upperBound: number }[] })
      .bucket;
    expect(buckets[BUCKET_OF_0_245]!.exemplar).toEqual({
      label: [
        { name: "trace_id", value: TRACE_A },
        { name: "span_id", value: SPAN_A },
      ],
      value: 0.245,
      timestamp: { seconds: 1767225601, nanos: 250_000_000 },
    });
    expect(buckets.filter((b) => b.exemplar !== undefined)).toHaveLength(2);
    const requests = families.find((f) => f.name === "zoran_requests_total")!;
    expect((requests.metric[0]!.counter as { exemplar: { label: unknown[] } }).exemplar.label).toEqual([
      { name: "trace_id", value: TRACE_B },
      { name: "span_id", value: SPAN_B },
    ]);
  });
});
