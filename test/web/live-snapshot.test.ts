import { afterEach, describe, expect, it } from "vitest";
import type { AlertState } from "../../src/alerting/alert-state.js";
import { GoldenSignals, TelemetryCollector } from "../../src/index.js";
import {
  LATENCY_BOUNDS_SECONDS,
  REFUSALS_METRIC,
  TIME_TO_FIRST_TOKEN_METRIC,
} from "../../src/signals/metric-definitions.js";
import { buildLiveSnapshot } from "../../src/web/live-snapshot.js";
import type { LiveSnapshotOptions } from "../../src/web/live-snapshot-options.js";
import { WindowStore } from "../../src/window/window-store.js";

const STEP_MS = 1_000;
const T0 = 1_700_000_000_000;

const collectors: TelemetryCollector[] = [];
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((collector) => collector.shutdown()));
});

function setup() {
  const collector = new TelemetryCollector({
    serviceName: "snapshot-test",
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
  });
  collectors.push(collector);
  const window = new WindowStore({ intervalMs: STEP_MS, retentionMs: 120_000 });
  const build = (nowMs: number, extra: Partial<LiveSnapshotOptions> = {}) =>
    buildLiveSnapshot({
      serviceName: "snapshot-test",
      window,
      historyMs: 30_000,
      summaryWindowMs: 10_000,
      refreshMs: 2_000,
      maxOperations: 50,
      maxResources: 8,
      nowMs,
      ...extra,
    });
  return { collector, window, build };
}

/** One operation outside trace(): ERROR_RATE is one completed request, LATENCY one observation. */
function operation(collector: TelemetryCollector, name: string, latency: number, errorType?: string): void {
  collector.recordSignal(GoldenSignals.LATENCY, latency, { operation: name });
  collector.recordSignal(GoldenSignals.ERROR_RATE, errorType === undefined ? 0 : 1, {
    operation: name,
    ...(errorType === undefined ? {} : { error_type: errorType }),
  });
}

describe("buildLiveSnapshot", () => {
  it("gives every panel only gaps and empty tables before anything is recorded", async () => {
    const { collector, window, build } = setup();
    window.ingest(await collector.collect(), T0);
    const snapshot = build(T0 + 5_000);
    // The x axis starts at the first ingest: 5 ended intervals, not 30 s of empty history.
    expect(snapshot.startedAt).toBe(T0 / 1000);
    expect(snapshot.timestamps).toEqual([0, 1, 2, 3, 4].map((s) => T0 / 1000 + s));
    for (const series of snapshot.charts.latency.series)
      expect(series.values.every((v) => v === null)).toBe(true);
    expect(snapshot.charts.errors.series).toHaveLength(1);
    expect(snapshot.charts.errors.series[0]!.values.every((v) => v === null)).toBe(true);
    expect(snapshot.charts.saturation.series).toEqual([]);
    expect(snapshot.operations).toEqual([]);
    expect(snapshot.errorTypes).toEqual([]);
    expect(snapshot.alerts).toBeNull();
  });

  it("charts requests per second, error ratio and latency from ingested snapshots", async () => {
    const { collector, window, build } = setup();
    // 20 s of traffic: 10 chat operations per second (1 in 10 times out), 5 embed per second.
    for (let second = 1; second <= 20; second++) {
      for (let i = 0; i < 10; i++) operation(collector, "chat", 0.5, i === 0 ? "timeout" : undefined);
      for (let i = 0; i < 5; i++) operation(collector, "embed", 0.02);
      window.ingest(await collector.collect(), T0 + second * STEP_MS + 100);
    }
    const snapshot = build(T0 + 21 * STEP_MS + 500);
    expect(snapshot.stepMs).toBe(STEP_MS);
    expect(snapshot.pointWindowMs).toBe(5 * STEP_MS);
    // The newest (still filling) interval is left out: the last point is one interval back.
    expect(snapshot.timestamps.at(-1)).toBe((T0 + 20 * STEP_MS) / 1000);
    expect(snapshot.timestamps[1]! - snapshot.timestamps[0]!).toBe(STEP_MS / 1000);

    const [requests, tokens] = snapshot.charts.traffic.series;
    expect(requests!.label).toBe("requests/s");
    expect(requests!.values.at(-1)).toBeCloseTo(15, 6);
    // No token was ever recorded: no series, so gaps rather than a made-up zero.
    expect(tokens!.values.at(-1)).toBeNull();
    const [all, timeout] = snapshot.charts.errors.series;
    expect(all!.values.at(-1)).toBeCloseTo(10 / 150, 6);
    expect(timeout!.label).toBe("timeout");
    expect(timeout!.values.at(-1)).toBeCloseTo(10 / 150, 6);
    const p50 = snapshot.charts.latency.series[0]!.values.at(-1)!;
    const p99 = snapshot.charts.latency.series[2]!.values.at(-1)!;
    // Bucket estimates: the median lies in the embed/chat mix, p99 in chat's (0.32, 0.64] bucket.
    expect(p99).toBeGreaterThan(0.32);
    expect(p99).toBeLessThanOrEqual(0.64);
    expect(p50).toBeLessThan(p99);
    // The chart starts at the first ingest (T0 + 1.1 s), the interval that began at T0 + 1 s.
    expect(snapshot.timestamps[0]).toBe((T0 + STEP_MS) / 1000);
    // Its first point covers that one interval only, so its rate is not diluted by time before it.
    expect(requests!.values[0]).toBeCloseTo(15, 6);
  });

  it("grows the x axis from the first ingest up to the history, then slides", async () => {
    const { collector, window, build } = setup();
    window.ingest(await collector.collect(), T0 + 100);
    expect(build(T0 + 10_500).timestamps).toHaveLength(10);
    expect(build(T0 + 20_500).timestamps).toHaveLength(20);
    const later = build(T0 + 100_500);
    expect(later.timestamps).toHaveLength(30);
    expect(later.timestamps.at(-1)).toBe((T0 + 99_000) / 1000);
    // A shorter range, within what exists.
    const five = build(T0 + 100_500, { rangeMs: 5_000 });
    expect(five.rangeMs).toBe(5_000);
    expect(five.timestamps).toHaveLength(5);
  });

  it("draws no value before a series existed, rather than a zero", async () => {
    const { collector, window, build } = setup();
    for (let second = 1; second <= 12; second++) {
      for (let i = 0; i < 4; i++) operation(collector, "chat", 0.2);
      // Tokens and a second operation start half-way through.
      if (second > 6) {
        collector.recordSignal(GoldenSignals.TRAFFIC, 100, { kind: "tokens", direction: "input" });
        operation(collector, "late", 0.1);
      }
      window.ingest(await collector.collect(), T0 + second * STEP_MS + 100);
    }
    const snapshot = build(T0 + 13 * STEP_MS + 500);
    const [requests, tokens] = snapshot.charts.traffic.series;
    expect(requests!.values.every((v) => v !== null && v > 0)).toBe(true);
    // Points 0..5 are seconds 1..6: no token series yet, so gaps; then the series exists.
    expect(tokens!.values.slice(0, 6)).toEqual([null, null, null, null, null, null]);
    expect(tokens!.values.slice(6).every((v) => v !== null && v > 0)).toBe(true);
    const late = build(T0 + 13 * STEP_MS + 500, { filter: { operation: "late" } });
    expect(late.charts.traffic.series[0]!.values.slice(0, 6)).toEqual([null, null, null, null, null, null]);
    expect(late.charts.traffic.series[0]!.values.at(-1)).toBeCloseTo(1, 6);
  });

  it("narrows every chart and table to one operation, saturation staying per process", async () => {
    const { collector, window, build } = setup();
    for (let second = 1; second <= 8; second++) {
      for (let i = 0; i < 9; i++) operation(collector, "chat", 2, i === 0 ? "timeout" : undefined);
      for (let i = 0; i < 3; i++) operation(collector, "embed", 0.02);
      collector.recordSignal(GoldenSignals.SATURATION, 0.5, { resource: "cpu" });
      window.ingest(await collector.collect(), T0 + second * STEP_MS + 100);
    }
    const nowMs = T0 + 9 * STEP_MS + 500;
    const all = build(nowMs);
    const embed = build(nowMs, { filter: { operation: "embed" } });
    expect(embed.filter).toEqual({ operation: "embed" });
    expect(embed.operations.map((row) => row.operation)).toEqual(["embed"]);
    expect(all.charts.traffic.series[0]!.values.at(-1)).toBeCloseTo(12, 6);
    expect(embed.charts.traffic.series[0]!.values.at(-1)).toBeCloseTo(3, 6);
    expect(embed.charts.errors.series[0]!.values.at(-1)).toBe(0);
    expect(embed.errorTypes).toEqual([]);
    expect(embed.charts.latency.series[2]!.values.at(-1)).toBeLessThan(0.05);
    expect(all.charts.latency.series[2]!.values.at(-1)).toBeGreaterThan(1);
    expect(embed.charts.saturation.series[0]!.values.at(-1)).toBeCloseTo(0.5, 6);
    const chatOnly = build(nowMs, { filter: { operation: "chat", exchange: "ai_ai" } });
    expect(chatOnly.operations).toEqual([]);
  });

  it("breaks traffic down per operation and error type over the summary window", async () => {
    const { collector, window, build } = setup();
    for (let second = 1; second <= 12; second++) {
      for (let i = 0; i < 10; i++) operation(collector, "chat", 0.5, i < 2 ? "timeout" : undefined);
      for (let i = 0; i < 4; i++)
        operation(collector, "embed", 0.02, i === 0 ? "invalid_response" : undefined);
      collector.recordSignal(GoldenSignals.TRAFFIC, 300, {
        kind: "tokens",
        direction: "input",
        operation: "chat",
      });
      window.ingest(await collector.collect(), T0 + second * STEP_MS + 100);
    }
    const snapshot = build(T0 + 12 * STEP_MS + 500);
    expect(snapshot.operations.map((row) => row.operation)).toEqual(["chat", "embed"]);
    const [chat, embed] = snapshot.operations;
    expect(chat!.exchange).toBe("none");
    expect(chat!.requestsPerSecond).toBeCloseTo(10, 6);
    expect(chat!.errorRatio).toBeCloseTo(0.2, 6);
    expect(chat!.tokensPerSecond).toBeCloseTo(300, 6);
    expect(chat!.p95Seconds).toBeGreaterThan(0.32);
    expect(embed!.errorRatio).toBeCloseTo(0.25, 6);
    expect(embed!.tokensPerSecond).toBe(0);
    expect(snapshot.errorTypes).toEqual([
      { errorType: "timeout", perSecond: expect.closeTo(2, 6), ratio: expect.closeTo(20 / 140, 6) },
      { errorType: "invalid_response", perSecond: expect.closeTo(1, 6), ratio: expect.closeTo(10 / 140, 6) },
    ]);
  });

  it("keeps the busiest operations and counts the rest", async () => {
    const { collector, window, build } = setup();
    for (let op = 0; op < 5; op++) {
      for (let i = 0; i <= op; i++) operation(collector, `op${op}`, 0.1);
    }
    window.ingest(await collector.collect(), T0 + 1_100);
    const snapshot = build(T0 + 1_500, { maxOperations: 2 });
    expect(snapshot.operations.map((row) => row.operation)).toEqual(["op4", "op3"]);
    expect(snapshot.operationsOmitted).toBe(3);
  });

  it("draws one saturation line per resource, probes first", async () => {
    const { collector, window, build } = setup();
    for (let second = 1; second <= 3; second++) {
      collector.recordSignal(GoldenSignals.SATURATION, 0.9, { resource: "gpu_pool" });
      collector.recordSignal(GoldenSignals.SATURATION, 0.1 * second, { resource: "cpu" });
      window.ingest(await collector.collect(), T0 + second * STEP_MS + 100);
    }
    const snapshot = build(T0 + 4 * STEP_MS + 500);
    expect(snapshot.charts.saturation.series.map((s) => s.label)).toEqual(["cpu", "gpu_pool"]);
    const cpu = snapshot.charts.saturation.series[0]!.values;
    expect(cpu.at(-1)).toBeCloseTo(0.3, 6);
    expect(snapshot.charts.saturation.series[1]!.values.at(-1)).toBeCloseTo(0.9, 6);
  });

  it("shows the GenAI panels only once their metrics exist: tokens by model, TTFT, refusals", async () => {
    const { collector, window, build } = setup();
    window.ingest(await collector.collect(), T0 + 100);
    const before = build(T0 + 1_500);
    expect(before.genAi).toEqual({ tokensByModel: null, timeToFirstToken: null, refusals: null });

    // Until exchange() records them itself, the frozen instruments are fed through the meter.
    const refusals = collector.meter.createCounter(REFUSALS_METRIC.name);
    const firstToken = collector.meter.createHistogram(TIME_TO_FIRST_TOKEN_METRIC.name, {
      unit: "s",
      advice: { explicitBucketBoundaries: [...LATENCY_BOUNDS_SECONDS] },
    });
    for (let second = 1; second <= 10; second++) {
      // Per second: 3 calls answered by gpt-4o (100 + 50 tokens), 1 by a model named only in the request.
      for (let i = 0; i < 3; i++) {
        await collector.exchange(
          { operation: "chat", kind: "ai_human", provider: "openai", model: "gpt-4o" },
          (ex) =>
            ex.response({
              model: "gpt-4o-2024-08-06",
              choices: [{ finish_reason: "stop", message: { content: "ok" } }],
              usage: { prompt_tokens: 100, completion_tokens: 50 },
            }),
        );
      }
      await collector.exchange(
        { operation: "summarize", kind: "ai_ai", provider: "anthropic", model: "claude" },
        (ex) => ex.usage({ inputTokens: 40, outputTokens: 20 }),
      );
      firstToken.record(0.3, { operation: "chat", exchange: "ai_human" });
      firstToken.record(1.5, { operation: "summarize", exchange: "ai_ai" });
      refusals.add(2, { operation: "chat", exchange: "ai_human" });
      window.ingest(await collector.collect(), T0 + second * STEP_MS + 100);
    }
    const snapshot = build(T0 + 11 * STEP_MS + 500);
    const tokens = snapshot.genAi.tokensByModel!;
    expect(tokens.unit).toBe("tokens/s");
    expect(tokens.series.map((s) => s.label)).toEqual(["gpt-4o-2024-08-06", "claude"]);
    expect(tokens.series[0]!.values.at(-1)).toBeCloseTo(450, 6);
    expect(tokens.series[1]!.values.at(-1)).toBeCloseTo(60, 6);
    // Before the first exchange (the first ingest at T0 + 0.1 s), no value: a gap.
    expect(tokens.series[0]!.values[0]).toBeNull();
    const ttft = snapshot.genAi.timeToFirstToken!;
    expect(ttft.series.map((s) => s.label)).toEqual(["p50", "p95"]);
    expect(ttft.series[0]!.values.at(-1)).toBeGreaterThan(0.16);
    expect(ttft.series[1]!.values.at(-1)).toBeGreaterThan(1.28);
    expect(snapshot.genAi.refusals!.series[0]!.values.at(-1)).toBeCloseTo(2, 6);
    // Narrowed to summarize: its own TTFT, no refusals; tokens by model is never narrowed.
    const summarize = build(T0 + 11 * STEP_MS + 500, { filter: { operation: "summarize" } });
    expect(summarize.genAi.timeToFirstToken!.series[0]!.values.at(-1)).toBeGreaterThan(1.28);
    expect(summarize.genAi.refusals!.series[0]!.values.at(-1)).toBeNull();
    expect(summarize.genAi.tokensByModel!.series[0]!.values.at(-1)).toBeCloseTo(450, 6);
  });

  it("passes alert states through without alertname and severity in the labels", async () => {
    const { build } = setup();
    const state: AlertState = {
      name: "ChatSlow",
      status: "firing",
      severity: "critical",
      labels: { alertname: "ChatSlow", severity: "critical", service: "s", operation: "<b>chat</b>" },
      annotations: {},
      value: 2.5,
      threshold: 2,
      condition: { signal: "latency", statistic: "p95", comparison: ">" },
      activeAt: "2024-01-01T00:00:00.000Z",
      firedAt: "2024-01-01T00:05:00.000Z",
      resolvedAt: null,
      lastEvaluatedAt: "2024-01-01T00:06:00.000Z",
      fingerprint: "abc",
    };
    const snapshot = build(T0, { alerts: () => [state] });
    expect(snapshot.alerts).toEqual([
      {
        name: "ChatSlow",
        status: "firing",
        severity: "critical",
        value: 2.5,
        threshold: 2,
        condition: { signal: "latency", statistic: "p95", comparison: ">" },
        activeAt: "2024-01-01T00:00:00.000Z",
        labels: { service: "s", operation: "<b>chat</b>" },
      },
    ]);
    expect(build(T0, { alerts: () => [] }).alerts).toEqual([]);
    // Filtered to an operation: its alerts and those of no operation in particular.
    const other = { ...state, labels: { ...state.labels, operation: "embed" } };
    const global = { ...state, name: "AllSlow", labels: { alertname: "AllSlow" } };
    const filtered = build(T0, { alerts: () => [state, other, global], filter: { operation: "embed" } });
    expect(filtered.alerts?.map((a) => [a.name, a.labels.operation])).toEqual([
      ["ChatSlow", "embed"],
      ["AllSlow", undefined],
    ]);
  });

  it("clamps the history to what the store keeps", async () => {
    const { collector, window, build } = setup();
    window.ingest(await collector.collect(), T0);
    const snapshot = build(T0 + 200_000, { historyMs: 3_600_000 });
    expect(snapshot.historyMs).toBe(120_000);
    expect(snapshot.timestamps).toHaveLength(120);
  });
});
