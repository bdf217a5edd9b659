import { diag } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { AlertState } from "../../src/alerting/alert-state.js";
import { AlertingEngine } from "../../src/alerting/alerting-engine.js";
import { defaultRules } from "../../src/alerting/default-rules.js";
import { loadRules } from "../../src/alerting/load-rules.js";
import { GoldenSignals, TelemetryCollector } from "../../src/index.js";
import {
  ERRORS_METRIC,
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  REFUSALS_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TIME_TO_FIRST_TOKEN_METRIC,
  TOKENS_METRIC,
} from "../../src/signals/metric-definitions.js";
import { buildLiveSnapshot } from "../../src/web/live-snapshot.js";
import type { LabelMatcher } from "../../src/window/label-matcher.js";
import type { SignalSelector, WindowQuery } from "../../src/window/window-query.js";
import { GEN_AI_TOKEN_USAGE, WindowStore } from "../../src/window/window-store.js";
import { propertyRuns } from "../helpers/property-runs.js";
import { ReferenceWindowStore } from "../helpers/reference-window-store.js";

/**
 * The compact window store against the dense one it replaced (test/helpers/reference-window-store.ts),
 * on the same ingested snapshots: every query, the live page's snapshot and alert evaluation must
 * give the same answers, number for number (`toEqual` compares floats exactly).
 */

// The collector's two tiers scaled down (2 s over 1 min, 20 s over 20 min), so a short run goes
// past both retentions, wraps them, and asks windows of each tier.
const TIERS = {
  intervalMs: 2_000,
  retentionMs: 60_000,
  coarse: { intervalMs: 20_000, retentionMs: 1_200_000 },
} as const;
const T0 = 1_700_000_000_000;

/** What the two stores are both asked. */
type Store = Pick<
  WindowStore,
  | "requestRate"
  | "errorRate"
  | "errorRatio"
  | "trafficRate"
  | "latencyQuantile"
  | "latencyShareAbove"
  | "refusalRate"
  | "timeToFirstTokenQuantile"
  | "genAiTokenRate"
  | "saturation"
  | "measure"
  | "timeSeries"
  | "hasSeries"
  | "track"
  | "seriesCount"
  | "maxWindowMs"
  | "intervalMs"
  | "retentionMs"
  | "firstIngestMs"
  | "ingest"
>;

function stores(maxSeries?: number): { reference: Store; compact: WindowStore } {
  const options = { ...TIERS, clock: () => T0, diag, ...(maxSeries === undefined ? {} : { maxSeries }) };
  return { reference: new ReferenceWindowStore(options), compact: new WindowStore(options) };
}

const MATCHERS: (LabelMatcher | undefined)[] = [
  undefined,
  { operation: "chat" },
  { exchange: ["ai_ai", "ai_human"] },
  { operation: ["search", "late-op"], exchange: "none" },
  { error_type: "timeout" },
  { direction: "input" },
  { resource: ["cpu", "gpu"] },
  { outcome: "error" },
];
const BYS: (readonly string[] | undefined)[] = [
  undefined,
  ["operation"],
  ["operation", "exchange"],
  ["error_type"],
  ["direction"],
  ["resource"],
  ["outcome"],
];
/** Windows of one fine slot, a few, the whole fine tier, then coarse ones, past the coarse retention too. */
const WINDOWS = [2_000, 10_000, 60_000, 62_000, 600_000, 1_200_000, 3_600_000];
const SELECTORS: SignalSelector[] = [
  { signal: "latency", statistic: "p50" },
  { signal: "latency", statistic: "p95" },
  { signal: "latency", statistic: "p99" },
  { signal: "latency", statistic: "ratio", latencyThresholdSeconds: 2.56 },
  { signal: "latency", statistic: "ratio", latencyThresholdSeconds: 0.16 },
  { signal: "errors", statistic: "ratio" },
  { signal: "errors", statistic: "rate" },
  { signal: "traffic", statistic: "rate", kind: "requests" },
  { signal: "traffic", statistic: "rate", kind: "tokens" },
  { signal: "traffic", statistic: "rate", kind: "bytes" },
  { signal: "saturation", statistic: "last" },
  { signal: "saturation", statistic: "max" },
  { signal: "errors", statistic: "p95" },
];

/**
 * Every query, at `nowMs`: all methods, windows, matchers and groupings (one of the pairs of
 * matcher and grouping per step, rotating, so a run asks each of them many times).
 */
function answers(store: Store, nowMs: number, step: number, light = false): Record<string, unknown> {
  const out: Record<string, unknown> = {
    seriesCount: store.seriesCount,
    maxWindowMs: store.maxWindowMs,
    firstIngestMs: store.firstIngestMs,
    hasSeries: [
      LATENCY_METRIC,
      TIME_TO_FIRST_TOKEN_METRIC,
      REFUSALS_METRIC,
      GEN_AI_TOKEN_USAGE,
      TOKENS_METRIC,
    ].map((metric) => store.hasSeries(metric)),
  };
  const pairs = MATCHERS.flatMap((matcher) => BYS.map((by) => ({ matcher, by })));
  const chosen = light
    ? [pairs[(step * 7 + 3) % pairs.length]!]
    : [
        pairs[step % pairs.length]!,
        pairs[(step * 7 + 3) % pairs.length]!,
        { matcher: undefined, by: undefined },
      ];
  for (const [p, { matcher, by }] of chosen.entries()) {
    for (const windowMs of WINDOWS) {
      for (const at of light
        ? [nowMs, nowMs - 90_000]
        : [nowMs, nowMs - 3_000, nowMs + 2_000, nowMs - 90_000]) {
        const query: WindowQuery = {
          windowMs,
          nowMs: at,
          ...(matcher ? { matcher } : {}),
          ...(by ? { by } : {}),
        };
        const key = `${p} ${JSON.stringify(matcher)} ${JSON.stringify(by)} ${windowMs} ${at - nowMs}`;
        out[`requestRate ${key}`] = store.requestRate(query);
        out[`errorRate ${key}`] = store.errorRate(query);
        out[`errorRatio ${key}`] = store.errorRatio(query);
        for (const kind of ["requests", "tokens", "bytes"] as const)
          out[`traffic ${kind} ${key}`] = store.trafficRate(kind, query);
        for (const q of [0.5, 0.95, 0.99]) out[`latency ${q} ${key}`] = store.latencyQuantile(q, query);
        out[`shareAbove ${key}`] = store.latencyShareAbove(1.28, query);
        out[`refusals ${key}`] = store.refusalRate(query);
        for (const q of [0.5, 0.95]) out[`ttft ${q} ${key}`] = store.timeToFirstTokenQuantile(q, query);
        out[`genAi ${key}`] = store.genAiTokenRate({
          ...query,
          by: ["gen_ai.response.model", "gen_ai.token.type"],
        });
        out[`saturation last ${key}`] = store.saturation("last", query);
        out[`saturation max ${key}`] = store.saturation("max", query);
        for (const selector of SELECTORS)
          out[`measure ${JSON.stringify(selector)} ${key}`] = store.measure(selector, query);
      }
    }
  }
  for (const selector of light ? [] : SELECTORS) {
    out[`timeSeries ${JSON.stringify(selector)}`] = store.timeSeries(selector, { durationMs: 40_000, nowMs });
    out[`timeSeries coarse ${JSON.stringify(selector)}`] = store.timeSeries(selector, {
      durationMs: 600_000,
      stepMs: 60_000,
      matcher: { operation: "chat" },
      nowMs,
    });
  }
  return out;
}

/**
 * Declares the long-window latency queries `answers` asks, as the alerting engine does for its
 * rules; time to first token (which no rule can name) is tracked by asking it once, before any
 * ingest, the way the store tracks a long-window query it was not told about.
 */
function declare(store: Store): void {
  for (const matcher of MATCHERS) {
    for (const by of BYS) {
      store.track({ signal: "latency", statistic: "p95" }, { windowMs: 3_600_000, matcher, by });
      store.timeToFirstTokenQuantile(0.5, { windowMs: 3_600_000, matcher, by, nowMs: T0 });
    }
  }
}

/** The live page's snapshot, the way its route builds it, for a few ranges and filters. */
function liveSnapshots(store: Store, nowMs: number, alerts: () => readonly AlertState[]): unknown[] {
  return [undefined, { operation: "chat" }, { operation: "search", exchange: "none" }].flatMap((filter) =>
    [undefined, 20_000].map((rangeMs) =>
      buildLiveSnapshot({
        serviceName: "reference",
        window: store as WindowStore,
        alerts,
        historyMs: store.retentionMs,
        ...(rangeMs === undefined ? {} : { rangeMs }),
        ...(filter === undefined ? {} : { filter }),
        summaryWindowMs: 10_000,
        refreshMs: 2_000,
        maxOperations: 3,
        maxResources: 3,
        maxModels: 2,
        nowMs,
      }),
    ),
  );
}

/** Rules of every kind, over windows of both tiers, grouped and matched. */
function rules() {
  return [
    ...defaultRules(),
    ...loadRules({
      rules: [
        {
          name: "P95ByOperation",
          signal: "latency",
          statistic: "p95",
          comparison: ">",
          threshold: 0.5,
          window: "10m",
          by: ["operation"],
        },
        {
          name: "P99Human",
          signal: "latency",
          statistic: "p99",
          comparison: ">",
          threshold: 1,
          window: "20m",
          matchers: { exchange: "ai_human" },
        },
        {
          name: "P50Short",
          signal: "latency",
          statistic: "p50",
          comparison: ">",
          threshold: 0.2,
          window: "30s",
          by: ["exchange"],
        },
        {
          name: "ErrorsByType",
          signal: "errors",
          statistic: "rate",
          comparison: ">",
          threshold: 0.01,
          window: "15m",
          by: ["error_type"],
        },
        {
          name: "Timeouts",
          signal: "errors",
          statistic: "ratio",
          comparison: ">",
          threshold: 0.02,
          window: "2m",
          matchers: { error_type: "timeout" },
          by: ["operation"],
        },
        {
          name: "Tokens",
          signal: "traffic",
          statistic: "rate",
          kind: "tokens",
          comparison: ">",
          threshold: 10,
          window: "30m",
          by: ["direction"],
        },
        {
          name: "Saturated",
          signal: "saturation",
          statistic: "max",
          comparison: ">",
          threshold: 0.7,
          window: "10m",
          by: ["resource"],
        },
      ],
      slos: [
        { name: "availability", objective: 0.99, signal: "errors", period: "30d" },
        { name: "latency", objective: 0.95, signal: "latency", latencyThreshold: 0.64, period: "7d" },
        {
          name: "chat_latency",
          objective: 0.9,
          signal: "latency",
          latencyThreshold: 1.28,
          matchers: { operation: "chat" },
        },
      ],
    }),
  ];
}

/** A small seeded generator (mulberry32): the recorded workload is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const collectors: TelemetryCollector[] = [];
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((collector) => collector.shutdown()));
});

function newCollector(): TelemetryCollector {
  const collector = new TelemetryCollector({
    serviceName: "reference",
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    window: false,
    tracing: false,
  });
  collectors.push(collector);
  return collector;
}

/** One step of traffic: operations with latencies, errors (fractional shares too), tokens, bytes, saturation, AI exchanges. */
const instruments = new WeakMap<TelemetryCollector, ReturnType<typeof aiInstruments>>();

// Until exchange() records them itself, the frozen instruments are fed through the meter (as
// test/web/live-snapshot.test.ts does).
function aiInstruments(collector: TelemetryCollector) {
  return {
    refusals: collector.meter.createCounter(REFUSALS_METRIC.name),
    firstToken: collector.meter.createHistogram(TIME_TO_FIRST_TOKEN_METRIC.name, {
      unit: "s",
      advice: { explicitBucketBoundaries: [...LATENCY_BOUNDS_SECONDS] },
    }),
  };
}

async function recordStep(collector: TelemetryCollector, next: () => number, step: number): Promise<void> {
  let ai = instruments.get(collector);
  if (ai === undefined) {
    ai = aiInstruments(collector);
    instruments.set(collector, ai);
  }
  const { refusals, firstToken } = ai;
  const operations = step < 40 ? ["chat", "search"] : ["chat", "search", "late-op", `op-${step % 5}`];
  // Some steps are idle: idle series must answer as the dense rings do (zeros, gaps).
  if (step % 11 === 5) return;
  for (const operation of operations) {
    const exchange = operation === "chat" ? "ai_human" : operation === "search" ? "none" : "ai_ai";
    const calls = Math.floor(next() * 6);
    for (let i = 0; i < calls; i++) {
      const seconds = 0.01 * 2 ** (next() * 9);
      const failed = next() < 0.15;
      collector.recordSignal(GoldenSignals.LATENCY, seconds, {
        operation,
        exchange,
        outcome: failed ? "error" : "ok",
      });
      collector.recordSignal(GoldenSignals.ERROR_RATE, failed ? (next() < 0.5 ? 1 : 0.25) : 0, {
        operation,
        exchange,
        error_type: ["timeout", "crash", "rate_limited"][Math.floor(next() * 3)]!,
      });
      collector.recordSignal(GoldenSignals.TRAFFIC, Math.floor(next() * 500), {
        operation,
        exchange,
        kind: "tokens",
        direction: "input",
      });
      collector.recordSignal(GoldenSignals.TRAFFIC, Math.floor(next() * 200), {
        operation,
        exchange,
        kind: "tokens",
        direction: "output",
      });
      collector.recordSignal(GoldenSignals.TRAFFIC, next() * 4_096, {
        operation,
        exchange,
        kind: "bytes",
        direction: "output",
      });
    }
  }
  for (const resource of step < 60 ? ["cpu", "memory"] : ["cpu", "memory", "gpu"]) {
    if (next() < 0.8) collector.recordSignal(GoldenSignals.SATURATION, next(), { resource });
  }
  if (next() < 0.4) refusals.add(1 + Math.floor(next() * 3), { operation: "chat", exchange: "ai_human" });
  if (next() < 0.6) firstToken.record(0.05 * 2 ** (next() * 6), { operation: "chat", exchange: "ai_human" });
  if (next() < 0.3) {
    await collector.exchange(
      {
        operation: "chat",
        kind: "ai_human",
        provider: "openai",
        model: next() < 0.5 ? "gpt-4o" : "gpt-4o-mini",
      },
      (ex) => ex.usage({ inputTokens: Math.floor(next() * 300), outputTokens: Math.floor(next() * 100) }),
    );
  }
}

describe("WindowStore against the dense reference", () => {
  it("answers every query, the live snapshot and alert evaluation alike on a recorded workload", async () => {
    const { reference, compact } = stores();
    declare(reference);
    declare(compact);
    let now = T0;
    const states = { reference: [] as AlertState[], compact: [] as AlertState[] };
    const engines = {
      reference: new AlertingEngine({
        rules: rules(),
        serviceName: "reference",
        window: reference as WindowStore,
        clock: () => now,
      }),
      compact: new AlertingEngine({
        rules: rules(),
        serviceName: "reference",
        window: compact,
        clock: () => now,
      }),
    };
    const next = random(18);
    let collector = newCollector();
    for (let step = 0; step < 130; step++) {
      // Ticks that drift: 2 s mostly, 1 s and 3 s sometimes, a pause past the fine retention, one
      // past the coarse retention, and a clock that goes back.
      now +=
        step === 50
          ? 95_000
          : step === 90
            ? 1_500_000
            : step === 70
              ? -5_000
              : [2_000, 2_000, 2_000, 1_000, 3_000][step % 5]!;
      // The process restarts once: cumulative values start over (counter resets).
      if (step === 80) collector = newCollector();
      await recordStep(collector, next, step);
      const snapshot = await collector.collect();
      reference.ingest(snapshot, now);
      compact.ingest(snapshot, now);
      states.reference = engines.reference.evaluate(now);
      states.compact = engines.compact.evaluate(now);
      expect(states.compact).toEqual(states.reference);
      // The whole battery every fourth step, a lighter one in between (the run stays short).
      const light = step % 4 !== 0;
      expect(answers(compact, now, step, light)).toEqual(answers(reference, now, step, light));
      if (step % 10 === 9) {
        expect(liveSnapshots(compact, now, () => states.compact)).toEqual(
          liveSnapshots(reference, now, () => states.reference),
        );
      }
    }
    // The run went through what it was meant to: several operations, both tiers, some alerts.
    expect(compact.seriesCount).toBeGreaterThan(40);
    expect(states.reference.some((state) => state.status !== "inactive")).toBe(true);
    await Promise.all([engines.reference.shutdown(), engines.compact.shutdown()]);
  }, 120_000);

  it("answers alike on random snapshots: resets, fractional values, gaps, idle series, a clock that goes back", () => {
    const labels = fc.record({
      operation: fc.constantFrom("a", "b", "c"),
      exchange: fc.constantFrom("none", "ai_ai"),
      outcome: fc.constantFrom("ok", "error"),
    });
    const change = fc.record({
      series: labels,
      counts: fc.array(fc.nat({ max: 4 }), { minLength: 15, maxLength: 15 }),
      errors: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
      saturation: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(Number.NaN)),
      reset: fc.boolean(),
    });
    const step = fc.record({
      gapMs: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 0, max: 6_000 }) },
        { weight: 1, arbitrary: fc.integer({ min: -10_000, max: 0 }) },
        { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 2_000_000 }) },
      ),
      changes: fc.array(change, { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 40, size: "max" }), (steps) => {
        const { reference, compact } = stores(10);
        declare(reference);
        declare(compact);
        const model = new SyntheticSnapshots();
        let now = T0;
        steps.forEach((s, i) => {
          now += s.gapMs;
          for (const c of s.changes) model.apply(c);
          const snapshot = model.snapshot();
          reference.ingest(snapshot, now);
          compact.ingest(snapshot, now);
          expect(answers(compact, now, i, true)).toEqual(answers(reference, now, i, true));
        });
      }),
      propertyRuns(15),
    );
  }, 120_000);

  it("tracks a long-window latency query first asked while its history is still in the fine tier", async () => {
    const { reference, compact } = stores();
    const next = random(7);
    const collector = newCollector();
    let now = T0;
    const long = { windowMs: 600_000, by: ["operation"] as const };
    for (let step = 0; step < 200; step++) {
      now += 2_000;
      await recordStep(collector, next, step);
      const snapshot = await collector.collect();
      reference.ingest(snapshot, now);
      compact.ingest(snapshot, now);
      // First asked after 10 ingests (20 s, within the fine tier's minute): exact from then on.
      if (step >= 10) {
        expect(compact.latencyQuantile(0.95, { ...long, nowMs: now })).toEqual(
          reference.latencyQuantile(0.95, { ...long, nowMs: now }),
        );
      }
    }
  });
});

/** Cumulative golden-signal snapshots built by hand, for the property test. */
class SyntheticSnapshots {
  private readonly latency = new Map<string, { attributes: Record<string, string>; counts: number[] }>();
  private readonly requests = new Map<string, { attributes: Record<string, string>; value: number }>();
  private readonly errors = new Map<string, { attributes: Record<string, string>; value: number }>();
  private readonly saturation = new Map<string, number>();

  apply(change: {
    series: Record<string, string>;
    counts: number[];
    errors: number;
    saturation: number;
    reset: boolean;
  }): void {
    const key = JSON.stringify(change.series);
    const latency = this.latency.get(key) ?? { attributes: change.series, counts: new Array(15).fill(0) };
    if (change.reset) latency.counts.fill(0);
    latency.counts = latency.counts.map((count, b) => count + change.counts[b]!);
    this.latency.set(key, latency);
    const requests = this.requests.get(key) ?? { attributes: change.series, value: 0 };
    requests.value = (change.reset ? 0 : requests.value) + change.counts.reduce((a, b) => a + b, 0);
    this.requests.set(key, requests);
    const errorAttributes = {
      operation: change.series.operation!,
      exchange: change.series.exchange!,
      error_type: "timeout",
    };
    const errorKey = JSON.stringify(errorAttributes);
    const errors = this.errors.get(errorKey) ?? { attributes: errorAttributes, value: 0 };
    errors.value = (change.reset ? 0 : errors.value) + change.errors;
    this.errors.set(errorKey, errors);
    this.saturation.set(change.series.operation === "a" ? "cpu" : "gpu", change.saturation);
  }

  snapshot(): ResourceMetrics {
    const time: [number, number] = [0, 0];
    const metric = (name: string, dataPointType: DataPointType, dataPoints: unknown[]): MetricData =>
      ({
        descriptor: { name, description: "", unit: "", type: "COUNTER", valueType: 1 },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType,
        isMonotonic: true,
        dataPoints,
      }) as unknown as MetricData;
    return {
      resource: resourceFromAttributes({}),
      scopeMetrics: [
        {
          scope: { name: "test" },
          metrics: [
            metric(
              LATENCY_METRIC.name,
              DataPointType.HISTOGRAM,
              [...this.latency.values()].map(({ attributes, counts }) => ({
                attributes,
                startTime: time,
                endTime: time,
                value: {
                  buckets: { boundaries: [...LATENCY_BOUNDS_SECONDS], counts: [...counts] },
                  count: counts.reduce((a, b) => a + b, 0),
                  sum: 0,
                },
              })),
            ),
            metric(
              REQUESTS_METRIC.name,
              DataPointType.SUM,
              [...this.requests.values()].map(({ attributes, value }) => ({
                attributes,
                startTime: time,
                endTime: time,
                value,
              })),
            ),
            metric(
              ERRORS_METRIC.name,
              DataPointType.SUM,
              [...this.errors.values()].map(({ attributes, value }) => ({
                attributes,
                startTime: time,
                endTime: time,
                value,
              })),
            ),
            metric(
              SATURATION_METRIC.name,
              DataPointType.GAUGE,
              [...this.saturation.entries()].map(([resource, value]) => ({
                attributes: { resource },
                startTime: time,
                endTime: time,
                value,
              })),
            ),
          ],
        },
      ],
    };
  }
}
