import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  alertsResponseBody,
  createAlertingEngine,
  resolveAlertRules,
} from "../../src/alerting/alerting-options.js";
import { defaultRules } from "../../src/alerting/default-rules.js";
import { RuleValidationError } from "../../src/alerting/rule-validation-error.js";
import { WindowStore } from "../../src/window/window-store.js";

const dir = mkdtempSync(join(tmpdir(), "zoran-alerting-options-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveAlertRules", () => {
  it("uses the shipped rules when none are given, plus the SLOs' burn-rate rules", () => {
    const rules = resolveAlertRules({ slos: [{ objective: 0.99, signal: "errors" }] });
    expect(rules).toHaveLength(defaultRules().length + 4);
    expect(rules.at(-1)).toMatchObject({ kind: "burn_rate", labels: { slo: "errors", long_window: "3d" } });
  });

  it("takes a rule file path, or configs mixed with ready rules", () => {
    const file = join(dir, "rules.yaml");
    writeFileSync(file, "rules:\n  - { name: Slow, signal: latency, threshold: 3 }\n");
    expect(resolveAlertRules({ rules: file }).map((r) => r.name)).toEqual(["Slow"]);
    const [ready] = defaultRules();
    const mixed = resolveAlertRules({
      rules: [ready!, { name: "Busy", signal: "traffic", threshold: 100, comparison: ">" }],
    });
    expect(mixed.map((r) => r.name)).toEqual(["ZoranLatencyP95High", "Busy"]);
  });

  it("throws a RuleValidationError for bad rules", () => {
    expect(() => resolveAlertRules({ rules: [{ name: "Bad", signal: "latency", threshold: -1 }] })).toThrow(
      RuleValidationError,
    );
  });
});

describe("createAlertingEngine", () => {
  it("builds an engine whose states serve as the /api/alerts body", () => {
    const window = new WindowStore({ intervalMs: 1000, retentionMs: 60_000 });
    const engine = createAlertingEngine({}, { serviceName: "chat", window, clock: () => 5000 });
    engine.evaluate();
    const body = JSON.parse(alertsResponseBody(engine.states())) as {
      alerts: { name: string; status: string; labels: Record<string, string>; lastEvaluatedAt: string }[];
    };
    expect(body.alerts.map((a) => a.name)).toEqual(defaultRules().map((r) => r.name));
    expect(body.alerts.every((a) => a.status === "inactive" && a.labels.service === "chat")).toBe(true);
    expect(body.alerts[0]!.lastEvaluatedAt).toBe(new Date(5000).toISOString());
  });
});
