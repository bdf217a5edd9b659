import type { DataPoint, Histogram } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import {
  bucketIndex,
  ExponentialBuckets,
  MAX_SCALE,
  ZERO_THRESHOLD,
} from "../../src/recording/exponential-buckets.js";
import { nativeOf } from "../../src/snapshot/point-extensions.js";

/** Bucket index of `value` at `scale`, from the definition: value in (2^(i/2^s), 2^((i+1)/2^s)]. */
function exactIndex(value: number, scale: number): number {
  // A power of two 2^k closes bucket k * 2^scale - 1 (exactly: pow is not exact at boundaries).
  const k = Math.log2(value);
  if (Number.isInteger(k) && 2 ** k === value) return Math.ceil(k * 2 ** scale) - 1;
  const base = 2 ** (2 ** -scale);
  let index = Math.floor(Math.log(value) / Math.log(base));
  // Correct the floating-point estimate against the definition itself.
  while (base ** index >= value) index--;
  while (base ** (index + 1) < value) index++;
  return index;
}

/** A log-normal sample from a seeded generator (mulberry32 + Box-Muller). */
function logNormal(count: number, mu: number, sigma: number, seed = 42): number[] {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    return Math.exp(mu + sigma * z);
  });
}

describe("bucketIndex", () => {
  it("gives the bucket of the definition at every scale used, powers of two included", () => {
    const values = [...logNormal(5_000, 0, 4, 7), 1, 2, 0.5, 1024, 2 ** -20, 3, 1e300, 1e-30];
    for (let scale = -3; scale <= MAX_SCALE; scale++) {
      for (const value of values)
        expect(bucketIndex(value, scale), `${value} at ${scale}`).toBe(exactIndex(value, scale));
    }
  });
});

describe("ExponentialBuckets", () => {
  it("maps powers of two to the bucket they close, at the finest scale", () => {
    const buckets = new ExponentialBuckets();
    buckets.allocate(0);
    buckets.allocate(1);
    for (const value of [1, 1.001, 0.999]) buckets.record(0, value);
    buckets.record(1, 4);
    // At scale 8, bucket i is (2^(i/256), 2^((i+1)/256)]: 1 closes bucket -1, 1.001 is in bucket 0.
    expect(buckets.bucketsOf(0)).toEqual({ scale: MAX_SCALE, zeroCount: 0, offset: -1, counts: [2, 1] });
    expect(buckets.bucketsOf(1)).toMatchObject({ scale: MAX_SCALE, offset: 2 * 256 - 1, counts: [1] });
  });

  it("lowers the scale until the populated range fits the bucket limit, merging counts", () => {
    const buckets = new ExponentialBuckets(160);
    buckets.allocate(0);
    const values = logNormal(20_000, Math.log(0.25), 1);
    for (const value of values) buckets.record(0, value);
    const { scale, offset, counts, zeroCount } = buckets.bucketsOf(0);
    expect(zeroCount).toBe(0);
    expect(counts.length).toBeLessThanOrEqual(160);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    // The finest scale that fits: one more step would need more than 160 buckets.
    const span = (s: number) => {
      const indexes = values.map((v) => exactIndex(v, s));
      return Math.max(...indexes) - Math.min(...indexes) + 1;
    };
    expect(span(scale)).toBeLessThanOrEqual(160);
    if (scale < MAX_SCALE) expect(span(scale + 1)).toBeGreaterThan(160);
    // Every value in the bucket its definition gives (within one bucket at exact boundaries).
    const expected = new Map<number, number>();
    for (const value of values) {
      const index = exactIndex(value, scale);
      expected.set(index, (expected.get(index) ?? 0) + 1);
    }
    let misplaced = 0;
    for (const [index, count] of expected) misplaced += Math.abs((counts[index - offset] ?? 0) - count);
    expect(misplaced).toBe(0);
  });

  it("counts zero (and anything at or below the zero threshold) in the zero bucket", () => {
    const buckets = new ExponentialBuckets();
    buckets.allocate(0);
    buckets.record(0, 0);
    buckets.record(0, ZERO_THRESHOLD);
    buckets.record(0, 0.5);
    const { zeroCount, counts } = buckets.bucketsOf(0);
    expect(zeroCount).toBe(2);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it("keeps a downscaled histogram consistent when values then arrive below the window", () => {
    const buckets = new ExponentialBuckets(20);
    buckets.allocate(0);
    const values = [1000, 1, 0.001, 3, 7, 0.5, 1e-6, 123_456];
    for (const value of values) buckets.record(0, value);
    const { scale, offset, counts } = buckets.bucketsOf(0);
    expect(counts.length).toBeLessThanOrEqual(20);
    for (const value of values) expect(counts[exactIndex(value, scale) - offset]).toBeGreaterThan(0);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(values.length);
  });
});

describe("nativeHistograms on the collector", () => {
  const collectors: TelemetryCollector[] = [];
  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
    vi.unstubAllEnvs();
  });
  const create = (options: ConstructorParameters<typeof TelemetryCollector>[0]) => {
    const collector = new TelemetryCollector({ saturation: false, runtimeMetrics: false, ...options });
    collectors.push(collector);
    return collector;
  };
  const latencyPoint = async (collector: TelemetryCollector) => {
    const snapshot = await collector.collect();
    const metric = snapshot.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === "zoran.latency");
    return metric!.dataPoints[0] as DataPoint<Histogram>;
  };

  it("attaches the same observations as an exponential histogram to each latency point", async () => {
    const collector = create({ exporter: "none", nativeHistograms: true });
    for (const seconds of [0, 0.01, 0.2, 0.2, 3.5]) collector.recordSignal(GoldenSignals.LATENCY, seconds);
    const point = await latencyPoint(collector);
    const native = nativeOf(point)!;
    expect(native).toMatchObject({ count: 5, zeroCount: 1, sum: point.value.sum, min: 0, max: 3.5 });
    expect(native.zeroThreshold).toBeGreaterThan(0);
    expect(native.positive.bucketCounts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(native.negative.bucketCounts).toEqual([]);
    expect(point.value.count).toBe(5);
  });

  it("is off by default, and on for OTLP with OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION", async () => {
    const classic = create({ exporter: "none" });
    classic.recordSignal(GoldenSignals.LATENCY, 0.2);
    expect(nativeOf(await latencyPoint(classic))).toBeUndefined();

    vi.stubEnv(
      "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
      "base2_exponential_bucket_histogram",
    );
    const otlp = create({
      exporter: "otlp",
      otlp: { endpoint: "http://127.0.0.1:9", metrics: false, traces: false },
    });
    otlp.recordSignal(GoldenSignals.LATENCY, 0.2);
    expect(nativeOf(await latencyPoint(otlp))?.count).toBe(1);
  });
});
