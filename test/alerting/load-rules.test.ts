import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_SLOS, defaultRules } from "../../src/alerting/default-rules.js";
import { formatDuration, parseDuration } from "../../src/alerting/duration.js";
import { loadRules } from "../../src/alerting/load-rules.js";
import { normalizeSloConfig } from "../../src/alerting/normalize-slo.js";
import { RuleValidationError } from "../../src/alerting/rule-validation-error.js";
import { sloRules } from "../../src/alerting/slo-rules.js";

const dir = mkdtempSync(join(tmpdir(), "zoran-rules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(action: () => unknown): RuleValidationError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(RuleValidationError);
    return error as RuleValidationError;
  }
  throw new Error("expected a RuleValidationError");
}

describe("loadRules", () => {
  it("reads a YAML rule file and fills the defaults", () => {
    const file = join(dir, "ok.yaml");
    writeFileSync(
      file,
      [
        "rules:",
        "  - name: ChatSlow",
        "    signal: latency",
        "    threshold: 2",
        "    for: 1m30s",
        "    matchers: { operation: chat, exchange: [ai_human] }",
        "    annotations: { summary: slow, runbookUrl: 'https://runbooks.example/chat' }",
        "slos:",
        "  - { objective: 0.999, signal: errors, period: 7d }",
      ].join("\n"),
    );
    const rules = loadRules(file);
    expect(rules).toHaveLength(5);
    expect(rules[0]).toMatchObject({
      kind: "threshold",
      name: "ChatSlow",
      statistic: "p95",
      comparison: ">",
      windowMs: 300_000,
      forMs: 90_000,
      keepFiringForMs: 0,
      severity: "warning",
      resolveThreshold: 1.9,
      matchers: { operation: "chat", exchange: ["ai_human"] },
    });
    // 7-day period: 2% of the budget in 1 h is a burn rate of 0.02 * 168 = 3.36.
    expect(rules.slice(1).map((r) => (r.kind === "burn_rate" ? r.factor : 0))).toEqual([
      3.36, 1.4, 0.7, 0.233333,
    ]);
  });

  it("reads JSON and a bare list of rules", () => {
    const file = join(dir, "ok.json");
    writeFileSync(
      file,
      JSON.stringify([{ name: "Busy", signal: "traffic", kind: "tokens", threshold: 1000 }]),
    );
    expect(loadRules(file)[0]).toMatchObject({ name: "Busy", trafficKind: "tokens", statistic: "rate" });
  });

  it("rejects a file with mistakes, naming each rule and field", () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(
      file,
      [
        "rules:",
        "  - { name: Typo, signal: latncy, threshold: 1 }",
        "  - { name: Negative, signal: errors, threshold: -0.1 }",
        "  - { name: BadWindow, signal: saturation, threshold: 0.9, window: 5 minutes }",
        "  - { name: BadFor, signal: latency, threshold: 1, for: -5 }",
        "  - { name: Mismatch, signal: saturation, statistic: p95, threshold: 0.5 }",
        "  - { name: Unknown, signal: errors, threshold: 0.1, treshold: 0.2, matchers: { exchange: ai_robot } }",
      ].join("\n"),
    );
    const error = thrown(() => loadRules(file));
    expect(error.message).toContain(file);
    expect(error.message).toContain('rule "Typo": signal: unknown signal "latncy"');
    expect(error.message).toContain('rule "Negative": threshold: must be a number >= 0, got -0.1');
    expect(error.message).toContain('rule "BadWindow": window: not a duration: "5 minutes"');
    expect(error.issues.map((i) => `${i.rule}.${i.field}`)).toEqual([
      "Typo.signal",
      "Negative.threshold",
      "BadWindow.window",
      "BadFor.for",
      "Mismatch.statistic",
      "Unknown.treshold",
      "Unknown.matchers.exchange",
    ]);
  });

  it("rejects impossible SLOs", () => {
    const error = thrown(() =>
      loadRules({
        slos: [
          { name: "a", objective: 1.2, signal: "errors" },
          { name: "b", objective: 0.99, signal: "latency", latencyThreshold: 0.3 },
        ],
      }),
    );
    expect(error.issues.map((i) => `${i.rule}.${i.field}`)).toEqual([
      "slo a.objective",
      "slo b.latencyThreshold",
    ]);
  });

  it("reports YAML syntax errors with the file name", () => {
    const file = join(dir, "syntax.yaml");
    writeFileSync(file, "rules: [ { name: x");
    expect(() => loadRules(file)).toThrow(/syntax\.yaml/);
  });
});

describe("defaultRules", () => {
  it("ships one valid rule per golden signal and saturation of CPU, memory, event loop", () => {
    const rules = defaultRules();
    const signals = rules.map((r) => (r.kind === "threshold" ? `${r.signal}:${r.statistic}` : ""));
    expect(signals).toEqual([
      "latency:p95",
      "errors:ratio",
      "traffic:rate",
      "saturation:last",
      "saturation:last",
      "saturation:last",
    ]);
    expect(rules.flatMap((r) => (r.kind === "threshold" ? [r.matchers.resource] : []))).toEqual([
      undefined,
      undefined,
      undefined,
      "cpu",
      "memory",
      "event_loop",
    ]);
  });
});

describe("sloRules", () => {
  it("generates the SRE workbook burn rates for a 30-day period", () => {
    const rules = sloRules(DEFAULT_SLOS[0]!);
    expect(sloRules(normalizeSloConfig(DEFAULT_SLOS[0]!)).map((r) => r.factor)).toEqual(
      rules.map((r) => r.factor),
    );
    expect(rules[0]!.annotations.runbookUrl).toBe(DEFAULT_SLOS[0]!.runbookUrl);
    expect(() => sloRules({ objective: 0.99, signal: "errors", period: "soon" })).toThrow(
      /period: not a duration/,
    );
    expect(
      rules.map((r) => [
        r.severity,
        formatDuration(r.longWindowMs),
        formatDuration(r.shortWindowMs),
        r.factor,
      ]),
    ).toEqual([
      ["page", "1h", "5m", 14.4],
      ["page", "6h", "30m", 6],
      ["ticket", "1d", "2h", 3],
      ["ticket", "3d", "6h", 1],
    ]);
  });
});

describe("parseDuration", () => {
  it("reads Prometheus durations and milliseconds, and refuses the rest", () => {
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration(1500)).toBe(1500);
    expect(parseDuration("3d")).toBe(259_200_000);
    expect(parseDuration("-5m")).toBeUndefined();
    expect(parseDuration("5 m")).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
    expect(formatDuration(5_400_000)).toBe("1h30m");
  });
});

describe("loadRules label checks", () => {
  it("refuses matchers and groupings on labels the signal does not carry", () => {
    const error = thrown(() =>
      loadRules({
        rules: [
          { name: "A", signal: "latency", threshold: 1, matchers: { resource: "cpu" } },
          { name: "B", signal: "errors", statistic: "ratio", threshold: 0.1, by: ["error_type"] },
        ],
      }),
    );
    expect(error.issues.map((i) => `${i.rule}.${i.field}`)).toEqual(["A.matchers.resource", "B.by"]);
  });
});
