import { afterEach, describe, expect, it } from "vitest";
import type { ThresholdRuleConfig } from "../../src/alerting/alert-rule.js";
import { AlertingEngine } from "../../src/alerting/alerting-engine.js";
import { loadRules } from "../../src/alerting/load-rules.js";
import { WindowStore } from "../../src/window/window-store.js";
import { createGoldenSignalMeter } from "../window/golden-signal-meter.js";
import { createRecordingNotifier, flushDeliveries } from "./recording-notifier.js";

const STEP = 10_000;
let meter = createGoldenSignalMeter();
afterEach(async () => {
  await meter.shutdown();
  meter = createGoldenSignalMeter();
});

/** An engine on a CPU saturation rule, fed by real snapshots, driven by a manual clock in 10 s steps. */
function setup(rule: Partial<ThresholdRuleConfig> = {}, options: { repeatIntervalMs?: number } = {}) {
  let now = 0;
  const clock = () => now;
  const window = new WindowStore({ intervalMs: STEP, retentionMs: 600_000, clock });
  const notifier = createRecordingNotifier();
  const [parsed] = loadRules({
    rules: [
      {
        name: "CpuHigh",
        signal: "saturation",
        statistic: "last",
        threshold: 0.8,
        window: "10s",
        severity: "critical",
        matchers: { resource: "cpu" },
        annotations: { summary: "CPU at {{ $value | humanizePercentage }} on {{ $labels.service }}" },
        ...rule,
      },
    ],
  });
  const engine = new AlertingEngine({
    rules: [parsed!],
    serviceName: "chat",
    window,
    clock,
    notifiers: [notifier],
    ...options,
  });
  return {
    engine,
    notifier,
    /** Advances 10 s, samples CPU at `ratio`, ingests and evaluates; returns the alert's status. */
    async tick(ratio: number) {
      now += STEP;
      meter.saturation(ratio, "cpu");
      window.ingest(await meter.collect());
      const [state] = engine.evaluate();
      await flushDeliveries();
      return state!.status;
    },
  };
}

describe("AlertingEngine", () => {
  it("goes pending, then firing once the condition held for `for`, and notifies once", async () => {
    const { tick, notifier, engine } = setup({ for: "20s" });
    expect(await tick(0.5)).toBe("inactive");
    expect(await tick(0.9)).toBe("pending"); // t=20s
    expect(await tick(0.9)).toBe("pending"); // t=30s: held 10 s
    expect(await tick(0.9)).toBe("firing"); // t=40s: held 20 s
    expect(await tick(0.9)).toBe("firing");
    expect(notifier.statuses()).toEqual(["firing@40000"]);
    const [state] = engine.states();
    expect(state).toMatchObject({
      name: "CpuHigh",
      status: "firing",
      value: 0.9,
      threshold: 0.8,
      labels: { alertname: "CpuHigh", severity: "critical", service: "chat" },
      annotations: { summary: "CPU at 90% on chat" },
      activeAt: new Date(20_000).toISOString(),
      firedAt: new Date(40_000).toISOString(),
    });
    expect(JSON.parse(JSON.stringify(engine.states()))).toEqual(engine.states());
  });

  it("drops back to inactive without notifying when the condition stops before `for`", async () => {
    const { tick, notifier } = setup({ for: "30s" });
    expect(await tick(0.9)).toBe("pending");
    expect(await tick(0.9)).toBe("pending");
    expect(await tick(0.1)).toBe("inactive");
    expect(notifier.sent).toEqual([]);
  });

  it("fires at once with no `for`, then resolves and notifies the resolve", async () => {
    const { tick, notifier, engine } = setup();
    expect(await tick(0.95)).toBe("firing");
    expect(await tick(0.2)).toBe("resolved");
    expect(notifier.statuses()).toEqual(["firing@10000", "resolved@20000"]);
    const resolved = notifier.sent[1]!.notifications[0]!;
    expect(resolved.endsAt).toBe(new Date(20_000).toISOString());
    expect(resolved.startsAt).toBe(new Date(10_000).toISOString());
    expect(engine.states()[0]!.resolvedAt).toBe(new Date(20_000).toISOString());
  });

  it("keeps firing for `keepFiringFor` after the condition stopped", async () => {
    const { tick, notifier } = setup({ keepFiringFor: "30s" });
    expect(await tick(0.95)).toBe("firing"); // t=10
    expect(await tick(0.1)).toBe("firing"); // t=20: 10 s since last held
    expect(await tick(0.1)).toBe("firing"); // t=30: 20 s
    expect(await tick(0.1)).toBe("resolved"); // t=40: 30 s
    expect(notifier.statuses()).toEqual(["firing@10000", "resolved@40000"]);
  });

  it("does not flap while the value hovers around the threshold (hysteresis)", async () => {
    const hovering = [0.81, 0.79, 0.82, 0.78, 0.81, 0.79];
    const damped = setup({ resolveThreshold: 0.7 });
    for (const ratio of hovering) expect(await damped.tick(ratio)).toBe("firing");
    expect(await damped.tick(0.69)).toBe("resolved");
    expect(damped.notifier.statuses()).toEqual(["firing@10000", "resolved@70000"]);

    const bare = setup({ hysteresis: 0 });
    const statuses = [];
    for (const ratio of hovering) statuses.push(await bare.tick(ratio));
    expect(statuses).toEqual(["firing", "resolved", "firing", "resolved", "firing", "resolved"]);
  });

  it("applies the default 5% hysteresis below the threshold", async () => {
    const { tick } = setup();
    expect(await tick(0.85)).toBe("firing");
    expect(await tick(0.77)).toBe("firing"); // above 0.8 * 0.95 = 0.76
    expect(await tick(0.75)).toBe("resolved");
  });

  it("repeats the firing notification every repeat interval until resolved", async () => {
    const { tick, notifier } = setup({}, { repeatIntervalMs: 30_000 });
    for (let i = 0; i < 7; i++) await tick(0.9); // t = 10 .. 70 s
    await tick(0.1);
    expect(notifier.statuses()).toEqual(["firing@10000", "firing@40000", "firing@70000", "resolved@80000"]);
  });

  it("shows a resolved alert for the retention time, then inactive; a new breach starts pending", async () => {
    let now = 0;
    const window = new WindowStore({ intervalMs: STEP, retentionMs: 600_000, clock: () => now });
    const rules = loadRules({
      rules: [{ name: "CpuHigh", signal: "saturation", threshold: 0.8, window: "10s", for: "10s" }],
    });
    const engine = new AlertingEngine({
      rules,
      serviceName: "chat",
      window,
      clock: () => now,
      resolvedRetentionMs: 20_000,
    });
    const step = async (ratio: number) => {
      now += STEP;
      meter.saturation(ratio, "cpu");
      window.ingest(await meter.collect());
      return engine.evaluate()[0]!.status;
    };
    expect([await step(0.9), await step(0.9), await step(0.1), await step(0.1), await step(0.1)]).toEqual([
      "pending",
      "firing",
      "resolved",
      "resolved",
      "inactive",
    ]);
    expect(await step(0.9)).toBe("pending");
  });

  it("alerts per label set with `by`", async () => {
    let now = 0;
    const window = new WindowStore({ intervalMs: STEP, retentionMs: 600_000, clock: () => now });
    const rules = loadRules({
      rules: [{ name: "Saturated", signal: "saturation", threshold: 0.8, window: "10s", by: ["resource"] }],
    });
    const engine = new AlertingEngine({ rules, serviceName: "chat", window, clock: () => now });
    now = STEP;
    meter.saturation(0.9, "cpu");
    meter.saturation(0.95, "memory");
    meter.saturation(0.1, "io");
    window.ingest(await meter.collect());
    const firing = engine.evaluate().filter((s) => s.status === "firing");
    expect(firing.map((s) => s.labels.resource).sort()).toEqual(["cpu", "memory"]);
    expect(new Set(firing.map((s) => s.fingerprint)).size).toBe(2);
  });

  it("pages on a fast error-budget burn but does not open the slow ticket", async () => {
    let now = 0;
    const window = new WindowStore({
      intervalMs: 60_000,
      retentionMs: 3_600_000,
      coarse: { intervalMs: 600_000, retentionMs: 3 * 86_400_000 },
      clock: () => now,
    });
    const rules = loadRules({ slos: [{ name: "availability", objective: 0.99, signal: "errors" }] });
    const engine = new AlertingEngine({ rules, serviceName: "chat", window, clock: () => now });
    // A day of healthy traffic, one snapshot per 10 minutes, then a 10-minute burst of 100% errors.
    for (let i = 1; i <= 144; i++) {
      for (let r = 0; r < 10; r++) meter.operation({ seconds: 0.1 });
      now = i * 600_000;
      window.ingest(await meter.collect());
    }
    expect(engine.evaluate().filter((s) => s.status !== "inactive")).toEqual([]);
    for (let m = 1; m <= 10; m++) {
      meter.operation({ seconds: 0.1, error: 1, errorType: "crash" });
      now += 60_000;
      window.ingest(await meter.collect());
    }
    const states = engine.evaluate();
    const firing = states.filter((s) => s.status === "firing").map((s) => s.labels);
    expect(firing).toEqual([
      expect.objectContaining({ severity: "page", long_window: "1h", short_window: "5m" }),
    ]);
    // 1 h window: 50 healthy + 10 failed requests, 10/60 errors = 16.7x the 1% budget (> 14.4);
    // 5 m: all failed (100x). 2 h: 8.3x but 1 d only 10/1450 = 0.69x, so the 3x ticket stays quiet.
    const page = states.find((s) => s.labels.long_window === "1h")!;
    expect(page.value).toBeCloseTo(1000 / 60, 6);
    const ticket = states.find((s) => s.labels.long_window === "1d")!;
    expect(ticket.status).toBe("inactive");
  });
});
