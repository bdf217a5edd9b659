import { afterEach, describe, expect, it } from "vitest";
import { WindowStore } from "../../src/window/window-store.js";
import { createGoldenSignalMeter } from "./golden-signal-meter.js";

const T0 = 1_700_000_000_000; // a multiple of 10 s, so slots line up with the ingests below
let meter = createGoldenSignalMeter();
afterEach(async () => {
  await meter.shutdown();
  meter = createGoldenSignalMeter();
});

function single(values: { value: number }[]): number | undefined {
  expect(values.length).toBeLessThanOrEqual(1);
  return values[0]?.value;
}

describe("WindowStore", () => {
  it("turns cumulative counters into per-window request and error rates", async () => {
    const store = new WindowStore({ intervalMs: 10_000, retentionMs: 60_000 });
    for (let i = 0; i < 5; i++) meter.operation({ seconds: 0.1 });
    store.ingest(await meter.collect(), T0);
    for (let i = 0; i < 3; i++) meter.operation({ seconds: 0.1 });
    meter.operation({ seconds: 0.1, error: 1, errorType: "timeout" });
    store.ingest(await meter.collect(), T0 + 10_000);

    // Window of 10 s ending at T0+10s holds only the second delta: 4 requests, 1 error.
    const last10s = { windowMs: 10_000, nowMs: T0 + 10_000 };
    expect(single(store.requestRate(last10s))).toBeCloseTo(0.4, 12);
    expect(single(store.errorRate(last10s))).toBeCloseTo(0.1, 12);
    expect(single(store.errorRatio(last10s))).toBeCloseTo(0.25, 12);
    // 20 s window holds both: 9 requests, 1 error.
    const last20s = { windowMs: 20_000, nowMs: T0 + 10_000 };
    expect(single(store.requestRate(last20s))).toBeCloseTo(9 / 20, 12);
    expect(single(store.errorRatio(last20s))).toBeCloseTo(1 / 9, 12);
  });

  it("forgets deltas older than the window and wraps the ring without leaking old slots", async () => {
    const store = new WindowStore({ intervalMs: 10_000, retentionMs: 30_000 });
    meter.operation({ seconds: 0.1, error: 1 });
    store.ingest(await meter.collect(), T0);
    // Quiet for 2 minutes: the ring (3 slots) wraps several times.
    store.ingest(await meter.collect(), T0 + 120_000);
    expect(single(store.requestRate({ windowMs: 30_000, nowMs: T0 + 120_000 }))).toBe(0);
    expect(store.errorRatio({ windowMs: 30_000, nowMs: T0 + 120_000 })).toEqual([]);
  });

  it("treats a counter that went down as reset, like PromQL", async () => {
    const store = new WindowStore({ intervalMs: 10_000, retentionMs: 60_000 });
    for (let i = 0; i < 10; i++) meter.operation({ seconds: 0.1 });
    store.ingest(await meter.collect(), T0);
    await meter.shutdown();
    meter = createGoldenSignalMeter(); // the process restarted: counters start over
    for (let i = 0; i < 2; i++) meter.operation({ seconds: 0.1 });
    store.ingest(await meter.collect(), T0 + 10_000);
    expect(single(store.requestRate({ windowMs: 10_000, nowMs: T0 + 10_000 }))).toBeCloseTo(0.2, 12);
  });

  it("estimates latency quantiles from the bucket deltas of the window", async () => {
    const store = new WindowStore({ intervalMs: 10_000, retentionMs: 60_000 });
    // Old, slow traffic that must not count in the last 10 s.
    for (let i = 0; i < 50; i++) meter.operation({ seconds: 50 });
    store.ingest(await meter.collect(), T0);
    // Bounds 0.01, 0.02, 0.04, 0.08, ...: 10 values in (0.02, 0.04], 10 in (0.04, 0.08].
    for (let i = 0; i < 10; i++) meter.operation({ seconds: 0.03 });
    for (let i = 0; i < 10; i++) meter.operation({ seconds: 0.05 });
    store.ingest(await meter.collect(), T0 + 10_000);
    const query = { windowMs: 10_000, nowMs: T0 + 10_000 };
    // p50 = rank 10 = top of (0.02, 0.04]; p95 = rank 19 in (0.04, 0.08]: 0.04 + 0.04 * 9/10.
    expect(single(store.latencyQuantile(0.5, query))).toBeCloseTo(0.04, 12);
    expect(single(store.latencyQuantile(0.95, query))).toBeCloseTo(0.076, 12);
    expect(single(store.measure({ signal: "latency", statistic: "p99" }, query))).toBeCloseTo(0.0792, 12);
    expect(single(store.latencyShareAbove(0.04, query))).toBeCloseTo(0.5, 12);
    // Over 20 s the slow 50 dominate: p50 = rank 35 of 70, in (40.96, 81.92] holding ranks 21..70.
    const both = { windowMs: 20_000, nowMs: T0 + 10_000 };
    expect(single(store.latencyQuantile(0.5, both))).toBeCloseTo(40.96 + 40.96 * (15 / 50), 9);
  });

  it("keeps label sets apart with `by` and filters with a matcher", async () => {
    const store = new WindowStore({ intervalMs: 10_000, retentionMs: 60_000 });
    meter.operation({ seconds: 0.1, operation: "chat", error: 1, errorType: "timeout" });
    meter.operation({ seconds: 0.1, operation: "chat" });
    meter.operation({ seconds: 0.1, operation: "embed", error: 1, errorType: "crash" });
    meter.operation({ seconds: 0.1, operation: "embed" });
    meter.operation({ seconds: 0.1, operation: "embed" });
    meter.operation({ seconds: 0.1, operation: "embed" });
    store.ingest(await meter.collect(), T0);
    const base = { windowMs: 10_000, nowMs: T0 };
    const byOperation = store.errorRatio({ ...base, by: ["operation"] });
    expect(byOperation).toHaveLength(2);
    expect(byOperation).toContainEqual({ labels: { operation: "chat" }, value: 0.5 });
    expect(byOperation).toContainEqual({ labels: { operation: "embed" }, value: 0.25 });
    // error_type filters the errors only: timeouts per request over all 6 requests.
    expect(single(store.errorRatio({ ...base, matcher: { error_type: "timeout" } }))).toBeCloseTo(1 / 6, 12);
    expect(single(store.requestRate({ ...base, matcher: { operation: ["chat", "nope"] } }))).toBeCloseTo(
      0.2,
      12,
    );
  });

  it("rates tokens and bytes by kind and direction", async () => {
    const store = new WindowStore({ intervalMs: 10_000, retentionMs: 60_000 });
    meter.tokens(300, { operation: "chat", exchange: "ai_human", direction: "input" });
    meter.tokens(100, { operation: "chat", exchange: "ai_human", direction: "output" });
    meter.bytes(2048, { operation: "chat", exchange: "ai_human", direction: "input" });
    store.ingest(await meter.collect(), T0);
    const base = { windowMs: 10_000, nowMs: T0 };
    expect(single(store.trafficRate("tokens", base))).toBeCloseTo(40, 12);
    expect(single(store.trafficRate("tokens", { ...base, matcher: { direction: "output" } }))).toBeCloseTo(
      10,
      12,
    );
    expect(single(store.measure({ signal: "traffic", statistic: "rate", kind: "bytes" }, base))).toBeCloseTo(
      204.8,
      12,
    );
  });

  it("gives saturation last and max over the window, per resource", async () => {
    const store = new WindowStore({ intervalMs: 10_000, retentionMs: 60_000 });
    const samples = [0.2, 0.9, 0.4];
    for (const [i, ratio] of samples.entries()) {
      meter.saturation(ratio, "cpu");
      meter.saturation(0.5, "memory");
      store.ingest(await meter.collect(), T0 + i * 10_000);
    }
    const query = { windowMs: 30_000, nowMs: T0 + 20_000, matcher: { resource: "cpu" } };
    expect(single(store.saturation("last", query))).toBe(0.4);
    expect(single(store.saturation("max", query))).toBe(0.9);
    expect(single(store.saturation("max", { ...query, windowMs: 10_000 }))).toBe(0.4);
    const perResource = store.saturation("last", { windowMs: 30_000, nowMs: T0 + 20_000, by: ["resource"] });
    expect(perResource).toContainEqual({ labels: { resource: "memory" }, value: 0.5 });
  });

  it("answers long windows from the coarse ring", async () => {
    const store = new WindowStore({
      intervalMs: 10_000,
      retentionMs: 60_000,
      coarse: { intervalMs: 300_000, retentionMs: 3 * 3_600_000 },
    });
    store.ingest(await meter.collect(), T0);
    for (let i = 0; i < 36; i++) meter.operation({ seconds: 0.1 });
    store.ingest(await meter.collect(), T0 + 1_800_000);
    meter.operation({ seconds: 0.1 });
    store.ingest(await meter.collect(), T0 + 3_600_000);
    expect(single(store.requestRate({ windowMs: 3_600_000, nowMs: T0 + 3_600_000 }))).toBeCloseTo(
      37 / 3600,
      12,
    );
    expect(single(store.requestRate({ windowMs: 60_000, nowMs: T0 + 3_600_000 }))).toBeCloseTo(1 / 60, 12);
    expect(store.maxWindowMs).toBe(3 * 3_600_000);
  });

  it("draws a chart series with gaps where there is no data", async () => {
    const store = new WindowStore({ intervalMs: 10_000, retentionMs: 60_000 });
    meter.operation({ seconds: 0.1 });
    store.ingest(await meter.collect(), T0 + 10_000);
    meter.operation({ seconds: 0.1, error: 1 });
    store.ingest(await meter.collect(), T0 + 20_000);
    const chart = store.timeSeries(
      { signal: "errors", statistic: "ratio" },
      { durationMs: 30_000, nowMs: T0 + 20_000 },
    );
    expect(chart.timestamps).toEqual([T0 / 1000, T0 / 1000 + 10, T0 / 1000 + 20]);
    expect(chart.values).toEqual([null, 0, 1]);
  });

  it("caps the number of series it holds", async () => {
    const store = new WindowStore({ intervalMs: 10_000, retentionMs: 60_000, maxSeries: 2 });
    for (const operation of ["a", "b", "c"]) meter.operation({ seconds: 0.1, operation });
    store.ingest(await meter.collect(), T0);
    expect(store.seriesCount).toBe(2);
  });

  it("holds only the slots that received something, and gives them back once they leave the retention", async () => {
    const store = new WindowStore({
      intervalMs: 2_000,
      retentionMs: 900_000,
      coarse: { intervalMs: 300_000, retentionMs: 3 * 86_400_000 },
    });
    // 15 minutes of a busy operation: one slot per interval, a few bytes each.
    for (let i = 0; i < 450; i++) {
      meter.operation({ seconds: 0.1 + (i % 4) * 0.3 });
      store.ingest(await meter.collect(), T0 + i * 2_000);
    }
    const busy = store.slotBytes;
    // Latency, requests: 450 fine slots each, plus the requests' coarse slots; a dense ring of
    // every slot held 450 * 15 * 8 + 450 * 8 + 864 * 8 bytes (65 KB) for the same.
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThan(8_000);
    // Quiet for 3 days: every slot left both tiers' retention.
    store.ingest(await meter.collect(), T0 + 900_000 + 3 * 86_400_000);
    expect(store.slotBytes).toBe(0);
    expect(single(store.requestRate({ windowMs: 900_000, nowMs: T0 + 900_000 + 3 * 86_400_000 }))).toBe(0);
  });
});
