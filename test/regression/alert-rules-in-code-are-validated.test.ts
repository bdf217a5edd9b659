import { afterEach, describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import { defaultRules, RuleValidationError } from "zoran-telemetrie/alerting";
import { waitFor } from "../helpers/otlp-receiver.js";

/**
 * Issue 15 item 7: "Alert rules written in code with `kind` skip validation; `collector.alerts()`
 * then throws into the caller and `/api/alerts` and `/api/snapshot` answer 500; the rule never
 * fires." A traffic rule's `kind` (`tokens`) was taken for the `kind` of a rule loadRules()
 * returns, so the config was used unvalidated and unnormalized. Every rule, from a file or from
 * code, goes through one validation.
 */

const silentDiag = { error() {}, warn() {}, info() {}, debug() {}, verbose() {} };
const collectors: TelemetryCollector[] = [];
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
});

describe("alert rules written in code", () => {
  it("a traffic rule with kind: tokens is validated, served and fires", async () => {
    const collector = new TelemetryCollector({
      exporter: "prometheus",
      port: 0,
      saturation: false,
      runtimeMetrics: false,
      diag: silentDiag,
      window: { intervalMs: 50 },
      alerting: {
        evaluationIntervalMs: 50,
        rules: [{ name: "TokensFlowing", signal: "traffic", kind: "tokens", threshold: 0, window: "1m" }],
      },
    });
    collectors.push(collector);
    await collector.start();
    expect(() => collector.alerts()).not.toThrow();
    collector.recordSignal(GoldenSignals.TRAFFIC, 500, {
      operation: "chat",
      kind: "tokens",
      direction: "input",
    });
    await waitFor(() => collector.alerts()[0]?.status === "firing", 10_000, "TokensFlowing firing");
    for (const path of ["/api/alerts", "/api/snapshot"]) {
      const response = await fetch(`${collector.url}${path}`);
      expect(response.status, path).toBe(200);
    }
    const body = (await (await fetch(`${collector.url}/api/alerts`)).json()) as {
      alerts: { name: string; status: string }[];
    };
    expect(body.alerts[0]).toMatchObject({ name: "TokensFlowing", status: "firing" });
  });

  it("a malformed rule carrying a kind is refused at construction, naming the rule and field", () => {
    for (const rule of [
      { name: "BadKind", signal: "latency", kind: "tokens", threshold: 1 },
      { name: "Ready", kind: "threshold", signal: "latency", threshold: 1 },
      { ...defaultRules()[0]!, windowMs: -5 },
      { ...defaultRules()[0]!, threshold: Number.NaN },
    ]) {
      let thrown: unknown;
      try {
        new TelemetryCollector({ exporter: "none", diag: silentDiag, alerting: { rules: [rule as never] } });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, rule.name).toBeInstanceOf(RuleValidationError);
      expect(String(thrown)).toContain(rule.name);
    }
  });

  it("rules loadRules() or defaultRules() returned are accepted as they are", () => {
    const collector = new TelemetryCollector({
      exporter: "none",
      diag: silentDiag,
      alerting: { rules: defaultRules(), slos: [{ objective: 0.99, signal: "errors" }] },
    });
    collectors.push(collector);
    const states = collector.alerts();
    expect(states).toHaveLength(defaultRules().length + 4);
    expect(states.every((state) => state.status === "inactive")).toBe(true);
  });
});
