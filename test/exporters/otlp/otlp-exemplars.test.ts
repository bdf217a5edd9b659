import { afterEach, describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import type { OtlpProtocol } from "../../../src/exporters/otlp/otlp-exporter-options.js";
import { LATENCY_METRIC, REQUESTS_METRIC } from "../../../src/signals/metric-definitions.js";
import { type OtlpReceiver, startOtlpReceiver } from "../../helpers/otlp-receiver.js";

let receiver: OtlpReceiver | undefined;
let collector: TelemetryCollector | undefined;
afterEach(async () => {
  await collector?.shutdown();
  await receiver?.stop();
  collector = receiver = undefined;
});

/** A started collector exporting OTLP to the test receiver; everything is flushed at shutdown. */
async function exportingCollector(protocol: OtlpProtocol, nativeHistograms: boolean) {
  receiver = await startOtlpReceiver();
  collector = new TelemetryCollector({
    serviceName: "zoran-core",
    exporter: "otlp",
    otlp: { endpoint: receiver.url, protocol, intervalMs: 3_600_000 },
    nativeHistograms,
    saturation: false,
    runtimeMetrics: false,
  });
  await collector.start();
  return { collector, receiver };
}

/** Bucket index of `value` at `scale` from the definition: value in (2^(i/2^s), 2^((i+1)/2^s)]. */
function indexAt(value: number, scale: number): number {
  // A power of two 2^k closes bucket k * 2^scale - 1 (exactly: pow is not exact at boundaries).
  const k = Math.log2(value);
  if (Number.isInteger(k) && 2 ** k === value) return Math.ceil(k * 2 ** scale) - 1;
  const base = 2 ** (2 ** -scale);
  let index = Math.floor(Math.log(value) / Math.log(base));
  while (base ** index >= value) index--;
  while (base ** (index + 1) < value) index++;
  return index;
}

describe.each<OtlpProtocol>(["http/protobuf", "http/json"])("OTLP over %s", (protocol) => {
  it("exports latency as an exponential histogram: scale, zero count, buckets and count as recorded", async () => {
    const { collector: c, receiver: r } = await exportingCollector(protocol, true);
    const values = [0, 0.003, 0.02, 0.02, 0.245, 0.9, 1.3, 2.5, 11, 45];
    for (const seconds of values) c.recordSignal(GoldenSignals.LATENCY, seconds, { operation: "answer" });
    await c.shutdown();

    const point = r.latest(LATENCY_METRIC.name, { operation: "answer" });
    expect(point?.kind).toBe("exponentialHistogram");
    expect(point).toMatchObject({ count: values.length, zeroCount: 1, temporality: 2, min: 0, max: 45 });
    expect(point!.sum).toBeCloseTo(
      values.reduce((a, b) => a + b, 0),
      9,
    );
    expect(point!.zeroThreshold).toBeGreaterThan(0);
    const { scale, positive } = point as Required<typeof point & object>;
    expect(positive.bucketCounts.reduce((a, b) => a + b, 0) + point!.zeroCount!).toBe(values.length);
    expect(positive.bucketCounts.length).toBeLessThanOrEqual(160);
    const expected = new Map<number, number>();
    for (const value of values.filter((v) => v > 0)) {
      const index = indexAt(value, scale);
      expected.set(index, (expected.get(index) ?? 0) + 1);
    }
    for (const [index, count] of expected) expect(positive.bucketCounts[index - positive.offset]).toBe(count);
  });

  it("carries exemplars whose trace ids are spans the same process exported", async () => {
    const { collector: c, receiver: r } = await exportingCollector(protocol, false);
    c.meter.createCounter("app.jobs").add(3, { queue: "main" });
    for (let i = 0; i < 5; i++) {
      await c.trace("answer", async () => c.recordSignal(GoldenSignals.LATENCY, 0.1 * (i + 1)));
    }
    await c.shutdown();

    const exported = new Map(r.spans.map((span) => [span.spanId, span.traceId]));
    expect(exported.size).toBe(5);
    const latency = r.latest(LATENCY_METRIC.name, { operation: "answer" });
    expect(latency?.kind).toBe("histogram");
    expect(latency?.exemplars?.length).toBeGreaterThan(0);
    for (const exemplar of latency!.exemplars!) {
      expect(exported.get(exemplar.spanId)).toBe(exemplar.traceId);
      expect(exemplar.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(exemplar.timeUnixNano).toBeGreaterThan(BigInt(Date.now() - 60_000) * 1_000_000n);
    }
    const requests = r.latest(REQUESTS_METRIC.name, { operation: "answer" });
    expect(requests?.exemplars).toHaveLength(1);
    expect(exported.get(requests!.exemplars![0]!.spanId)).toBe(requests!.exemplars![0]!.traceId);
    expect(requests!.exemplars![0]!.value).toBe(1);
    // The rest of the snapshot is unchanged: the plain request count, and the application's own
    // instruments (written by the official transformer, in the same ResourceMetrics).
    expect(requests?.value).toBe(5);
    const jobs = r.latest("app.jobs", { queue: "main" });
    expect(jobs).toMatchObject({ kind: "sum", value: 3, scope: "zoran-core" });
    expect(jobs?.resource["service.name"]).toBe("zoran-core");
    expect(latency?.resource["service.name"]).toBe("zoran-core");
  });
});
