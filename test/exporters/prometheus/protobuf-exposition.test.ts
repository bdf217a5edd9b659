import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nativeLayout } from "../../../src/exporters/prometheus/native-histogram.js";
import { negotiateFormat } from "../../../src/exporters/prometheus/negotiate-format.js";
import { serializePrometheusToBuffer } from "../../../src/exporters/prometheus/prometheus-serializer.js";
import { LATENCY_BOUNDS_SECONDS } from "../../../src/signals/metric-definitions.js";
import type { NativeHistogram } from "../../../src/snapshot/point-extensions.js";
import { type DecodedFamily, decodeProtobufPage, metricsProto } from "../../helpers/exposition-check.js";
import { classicCounts, extensionSnapshot, logNormalValues, nativeOf } from "./extension-fixtures.js";

/**
 * The protobuf exposition (native histograms, issue 17): written by hand for one message shape,
 * checked by decoding with protobufjs and client_model's metrics.proto, and against the
 * OpenTelemetry-to-Prometheus rules for exponential histograms.
 */

interface DecodedHistogram {
  sampleCount: number;
  sampleSum: number;
  bucket: { cumulativeCount: number; upperBound: number }[];
  schema?: number;
  zeroThreshold?: number;
  zeroCount?: number;
  positiveSpan?: { offset?: number; length: number }[];
  positiveDelta?: number[];
}

/** Absolute Prometheus-indexed counts of decoded spans and deltas. */
function expand(
  spans: { offset?: number; length: number }[] = [],
  deltas: number[] = [],
): Map<number, number> {
  const counts = new Map<number, number>();
  let index = 0;
  let count = 0;
  let d = 0;
  // The first span's offset is the first index; each later one's is the gap since the last run.
  spans.forEach((span) => {
    index += span.offset ?? 0;
    for (let k = 0; k < span.length; k++) {
      count += deltas[d++]!;
      if (count !== 0) counts.set(index, count);
      index++;
    }
  });
  return counts;
}

describe.skipIf(!metricsProto)("the protobuf exposition", () => {
  const values = logNormalValues(2_000, -1, 0.6);

  it("writes every family as a delimited MetricFamily: target_info, counters with _total, histograms", async () => {
    const families = await decodeProtobufPage(
      serializePrometheusToBuffer(extensionSnapshot({ values, classicCopy: true }), { format: "protobuf" }),
    );
    expect(families.map((f) => [f.name, f.type])).toEqual([
      ["target_info", "GAUGE"],
      ["reference_latency_seconds", "HISTOGRAM"],
      ["zoran_latency_seconds", "HISTOGRAM"],
      ["zoran_requests_total", "COUNTER"],
    ]);
    const target = families[0]!.metric[0]!;
    expect(target.label).toEqual([{ name: "service_name", value: "extensions" }]);
    expect(target.gauge).toEqual({ value: 1 });
    const requests = families[3]!.metric[0]!;
    expect(requests.counter).toEqual({ value: 2_000 });
    expect(requests.label).toEqual([
      { name: "operation", value: "answer" },
      { name: "exchange", value: "ai_human" },
      { name: "outcome", value: "ok" },
    ]);
    // An application histogram carries its scope labels in protobuf too.
    expect(families[1]!.metric[0]!.label).toEqual([
      { name: "operation", value: "answer" },
      { name: "otel_scope_name", value: "reference" },
      { name: "otel_scope_version", value: "1" },
    ]);
  });

  it("keeps the classic buckets (cumulative, +Inf last) beside the native ones on the same family", async () => {
    const families = await decodeProtobufPage(
      serializePrometheusToBuffer(extensionSnapshot({ values, scale: 3 }), { format: "protobuf" }),
    );
    const histogram = families.find((f) => f.name === "zoran_latency_seconds")!.metric[0]!
      .histogram as DecodedHistogram;
    expect(histogram.sampleCount).toBe(2_000);
    expect(histogram.sampleSum).toBeCloseTo(
      values.reduce((a, b) => a + b, 0),
      9,
    );
    const classic = classicCounts(values, LATENCY_BOUNDS_SECONDS);
    const expectedBuckets: [number, number][] = [];
    let cumulative = 0;
    LATENCY_BOUNDS_SECONDS.forEach((bound, i) => {
      cumulative += classic[i]!;
      expectedBuckets.push([bound, cumulative]);
    });
    expectedBuckets.push([Number.POSITIVE_INFINITY, 2_000]);
    expect(histogram.bucket.map((b) => [b.upperBound, b.cumulativeCount])).toEqual(expectedBuckets);
    expect(histogram.schema).toBe(3);
    expect(histogram.zeroThreshold).toBe(1e-9);
    // Native buckets: OpenTelemetry index i is Prometheus index i + 1; counts survive the trip.
    const native = nativeOf(values, 3, 1e-9);
    const expected = new Map<number, number>();
    native.positive.bucketCounts.forEach((count, i) => {
      if (count > 0) expected.set(native.positive.offset + i + 1, count);
    });
    expect(expand(histogram.positiveSpan, histogram.positiveDelta)).toEqual(expected);
  });

  it("writes no native fields on a histogram without a native form, so Prometheus takes it as classic", async () => {
    const families = await decodeProtobufPage(
      serializePrometheusToBuffer(extensionSnapshot({ values }), { format: "protobuf" }),
    );
    const histogram = families.find((f) => f.name === "zoran_latency_seconds")!.metric[0]!
      .histogram as DecodedHistogram;
    expect(histogram.schema).toBeUndefined();
    expect(histogram.zeroThreshold).toBeUndefined();
    expect(histogram.positiveSpan).toBeUndefined();
  });

  it("decodes messages longer than 127 bytes, whose length varint moved their content", async () => {
    // Scale 8 over a wide distribution: a histogram message of a few KB.
    const page = serializePrometheusToBuffer(
      extensionSnapshot({ values: logNormalValues(2_000, 0, 2), scale: 8 }),
      { format: "protobuf" },
    );
    const families: DecodedFamily[] = await decodeProtobufPage(page);
    expect(families.map((f) => f.name)).toEqual([
      "target_info",
      "zoran_latency_seconds",
      "zoran_requests_total",
    ]);
    const histogram = families[1]!.metric[0]!.histogram as DecodedHistogram;
    expect(histogram.positiveDelta!.length).toBeGreaterThan(127);
    expect(histogram.sampleCount).toBe(2_000);
  });
});

describe("the native-histogram layout (OpenTelemetry exponential to Prometheus native)", () => {
  it("follows the worked example of native-histogram.ts", () => {
    const layout = nativeLayout({
      count: 14,
      sum: 1,
      scale: 0,
      zeroCount: 0,
      zeroThreshold: 0.001,
      positive: { offset: -1, bucketCounts: [3, 0, 0, 0, 5, 6] },
      negative: { offset: 0, bucketCounts: [] },
    });
    expect(layout).toMatchObject({ schema: 0, positiveSpans: [0, 1, 3, 2], positiveDeltas: [3, 2, 1] });
  });

  it("keeps runs across gaps of up to two empty buckets, with zero deltas", () => {
    const layout = nativeLayout({
      count: 9,
      sum: 1,
      scale: 2,
      zeroCount: 0,
      zeroThreshold: 0.001,
      positive: { offset: 4, bucketCounts: [4, 0, 0, 5] },
      negative: { offset: 0, bucketCounts: [] },
    });
    expect(layout).toMatchObject({ positiveSpans: [5, 4], positiveDeltas: [4, -4, 0, 5] });
  });

  it("downscales a scale above 8 to 8 by merging buckets, and refuses one below -4", () => {
    const fine = nativeOf(logNormalValues(500, 0, 1), 10, 1e-9);
    const coarse = nativeOf(logNormalValues(500, 0, 1), 8, 1e-9);
    const layout = nativeLayout(fine);
    expect(layout).toMatchObject({ schema: 8 });
    expect(layout).toEqual(nativeLayout(coarse));
    expect(nativeLayout({ ...fine, scale: -5 })).toMatch(/below -4/);
  });

  it("gives a zero threshold above 0 when the histogram has none (Prometheus 2.42 needs it to see a native histogram)", () => {
    const layout = nativeLayout({ ...nativeOf([], 3, 0) } as NativeHistogram);
    expect(layout).toMatchObject({ zeroThreshold: 1e-128 });
  });

  it("loses no count: spans and deltas expand to the dense buckets, for random histograms", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -4, max: 12 }),
        fc.integer({ min: -300, max: 300 }),
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000 })), { maxLength: 60 }),
        (scale, offset, bucketCounts) => {
          const layout = nativeLayout({
            count: 0,
            sum: 0,
            scale,
            zeroCount: 0,
            zeroThreshold: 1,
            positive: { offset, bucketCounts },
            negative: { offset: 0, bucketCounts: [] },
          });
          if (typeof layout === "string") throw new Error(layout);
          const shift = Math.max(0, scale - 8);
          const expected = new Map<number, number>();
          bucketCounts.forEach((count, i) => {
            const index = Math.floor((offset + i) / 2 ** shift) + 1;
            if (count > 0) expected.set(index, (expected.get(index) ?? 0) + count);
          });
          const spans: { offset: number; length: number }[] = [];
          for (let i = 0; i < layout.positiveSpans.length; i += 2) {
            spans.push({ offset: layout.positiveSpans[i]!, length: layout.positiveSpans[i + 1]! });
          }
          expect(expand(spans, [...layout.positiveDeltas])).toEqual(expected);
        },
      ),
      { numRuns: 300, seed: 17 },
    );
  });
});

describe("format negotiation by Accept", () => {
  it("serves protobuf to Prometheus started with native histograms, OpenMetrics to Prometheus by default", () => {
    expect(
      negotiateFormat(
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
      ),
    ).toBe("protobuf");
    expect(
      negotiateFormat(
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
      ),
    ).toBe("openmetrics");
  });

  it("serves the text format to curl, browsers and anything else", () => {
    expect(negotiateFormat(undefined)).toBe("text");
    expect(negotiateFormat("*/*")).toBe("text");
    expect(negotiateFormat("text/html,application/xhtml+xml")).toBe("text");
    expect(negotiateFormat("text/plain;version=0.0.4,application/openmetrics-text;q=0.5")).toBe("text");
    expect(negotiateFormat("application/openmetrics-text;version=2.0.0")).toBe("text");
    // Protobuf of another message or encoding is not ours.
    expect(
      negotiateFormat("application/vnd.google.protobuf;proto=io.prometheus.client.Other;encoding=delimited"),
    ).toBe("text");
    expect(
      negotiateFormat(
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
      ),
    ).toBe("text");
  });
});
