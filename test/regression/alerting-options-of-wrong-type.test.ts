import { describe, expect, it } from "vitest";
import {
  createAlertingEngine,
  DEFAULT_EVALUATION_INTERVAL_MS,
  normalizeAlertingOptions,
} from "../../src/alerting/alerting-options.js";
import { defaultRules } from "../../src/alerting/default-rules.js";
import { WindowStore } from "../../src/window/window-store.js";

/**
 * Issue 15 item 13 (the alerting part): "`alerting: null`, non-array rules or probes throw
 * TypeErrors" at construction. Alerting options are checked once: a field of the wrong type gets
 * its default and one warning through diag; rule *contents* still fail with a RuleValidationError.
 * The collector calls normalizeAlertingOptions(options.alerting, diag) to decide whether alerting
 * runs (see the lead's wiring note); createAlertingEngine normalizes what it is given too.
 */

function recordingDiag() {
  const warnings: string[] = [];
  const ignore = () => {};
  return {
    warnings,
    diag: {
      warn: (m: string) => void warnings.push(m),
      error: ignore,
      info: ignore,
      debug: ignore,
      verbose: ignore,
    },
  };
}
const window = () => new WindowStore({ intervalMs: 1000, retentionMs: 60_000 });
const shippedNames = defaultRules().map((rule) => rule.name);

describe("alerting options of the wrong type", () => {
  it.each<[string, unknown, string]>([
    ["alerting: null", null, "alerting "],
    ["rules: 5", { rules: 5 }, "alerting.rules"],
    ["rules: an object", { rules: { name: "X" } }, "alerting.rules"],
    ["slos: a string", { slos: "errors" }, "alerting.slos"],
    ["notifiers: an object", { notifiers: { name: "n" } }, "alerting.notifiers"],
    ["notifiers: [null]", { notifiers: [null] }, "alerting.notifiers[0]"],
    ["evaluationIntervalMs: soon", { evaluationIntervalMs: "soon" }, "alerting.evaluationIntervalMs"],
    ["delivery: 5", { delivery: 5 }, "alerting.delivery"],
    ["delivery.maxAttempts: -1", { delivery: { maxAttempts: -1 } }, "alerting.delivery.maxAttempts"],
    ["onDeliveryError: a string", { onDeliveryError: "log" }, "alerting.onDeliveryError"],
    ["an unknown field", { rule: [] }, "alerting.rule"],
  ])("%s: the engine is built with the defaults, and one warning names the field", async (_name, options, field) => {
    const { diag, warnings } = recordingDiag();
    const engine = createAlertingEngine(options as never, { serviceName: "s", window: window(), diag });
    engine.evaluate(1_000);
    expect(engine.states().map((state) => state.name)).toEqual(shippedNames);
    await engine.shutdown();
    const naming = warnings.filter((w) => w.includes(`zoran-telemetrie: ${field}`));
    expect(naming, warnings.join("\n")).toHaveLength(1);
  });

  it("normalizeAlertingOptions: off for undefined, false and non-objects; the shipped setup for true", () => {
    const { diag, warnings } = recordingDiag();
    expect(normalizeAlertingOptions(undefined, diag)).toBeUndefined();
    expect(normalizeAlertingOptions(false, diag)).toBeUndefined();
    expect(warnings).toEqual([]);
    for (const value of [null, "alerts.yaml", 3, [], Symbol("a")]) {
      expect(normalizeAlertingOptions(value, diag)).toBeUndefined();
    }
    expect(warnings).toHaveLength(5);
    expect(normalizeAlertingOptions(true, diag)).toMatchObject({
      evaluationIntervalMs: DEFAULT_EVALUATION_INTERVAL_MS,
      notifiers: [],
      slos: [],
    });
  });

  it("reads each field once, and survives getters and proxies that throw", () => {
    const { diag, warnings } = recordingDiag();
    let reads = 0;
    const options = Object.defineProperties(
      {},
      {
        evaluationIntervalMs: { enumerable: true, get: () => ++reads && 5000 },
        rules: {
          enumerable: true,
          get() {
            throw new Error("getter throws");
          },
        },
      },
    );
    expect(normalizeAlertingOptions(options, diag)).toMatchObject({ evaluationIntervalMs: 5000 });
    expect(reads).toBe(1);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(() => normalizeAlertingOptions(proxy, diag)).not.toThrow();
    expect(warnings.length).toBeGreaterThanOrEqual(2);
  });
});
