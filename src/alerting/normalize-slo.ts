import { LATENCY_BOUNDS_SECONDS } from "../signals/metric-definitions.js";
import type { NormalizedSlo, SloConfig } from "./alert-rule.js";
import { describeValue } from "./describe-value.js";
import { durationField, LABEL_NAME_PATTERN, labelsField, matchersField, urlField } from "./rule-fields.js";
import { type RuleIssue, RuleValidationError } from "./rule-validation-error.js";

const SLO_FIELDS = new Set([
  "name",
  "objective",
  "signal",
  "latencyThreshold",
  "period",
  "matchers",
  "labels",
  "runbookUrl",
]);

/** Validates one SLO written by hand and fills its defaults; throws a {@link RuleValidationError}. */
export function normalizeSloConfig(config: SloConfig): NormalizedSlo {
  const issues: RuleIssue[] = [];
  const slo = normalizeSlo(config, "slo", issues);
  if (slo === undefined || issues.length > 0) throw new RuleValidationError(issues);
  return slo;
}

/** Validates one SLO at `at` (e.g. `slos[2]`), adding its mistakes to `issues`. */
export function normalizeSlo(config: unknown, at: string, issues: RuleIssue[]): NormalizedSlo | undefined {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    issues.push({ rule: at, field: "(slo)", message: "must be an object" });
    return undefined;
  }
  const raw = config as Record<string, unknown>;
  const name = raw.name ?? raw.signal;
  const rule = typeof name === "string" && name !== "" ? `slo ${name}` : at;
  const before = issues.length;
  const issue = (field: string, message: string) => issues.push({ rule, field, message });
  for (const key of Object.keys(raw)) if (!SLO_FIELDS.has(key)) issue(key, "unknown field");
  if (typeof name !== "string" || !LABEL_NAME_PATTERN.test(name)) {
    issue("name", "must be letters, digits and _ (not starting with a digit)");
  }
  const objective = raw.objective;
  if (typeof objective !== "number" || !(objective > 0 && objective < 1)) {
    issue("objective", `must be a share strictly between 0 and 1, got ${describeValue(objective)}`);
  }
  const signal = raw.signal;
  if (signal !== "errors" && signal !== "latency") {
    issue("signal", `unknown SLO signal ${describeValue(signal)} (expected errors or latency)`);
  }
  const latencyThreshold = raw.latencyThreshold;
  if (signal === "latency") {
    // A bucket bound, so Prometheus can count good requests exactly with `le="<bound>"`.
    if (typeof latencyThreshold !== "number" || !LATENCY_BOUNDS_SECONDS.includes(latencyThreshold)) {
      issue(
        "latencyThreshold",
        `must be a latency bucket bound in seconds (${LATENCY_BOUNDS_SECONDS.join(", ")}), got ${describeValue(latencyThreshold)}`,
      );
    }
  } else if (latencyThreshold !== undefined) {
    issue("latencyThreshold", "applies to latency SLOs only");
  }
  const periodMs = durationField(raw.period ?? "30d", "period", issue, { positive: true });
  const matchers = matchersField(raw.matchers, "matchers", issue);
  labelsField(raw.labels, issue);
  if (raw.runbookUrl !== undefined) urlField(raw.runbookUrl, "runbookUrl", issue);
  if (issues.length > before) return undefined;
  return {
    name: name as string,
    objective: objective as number,
    signal: signal as "errors" | "latency",
    ...(signal === "latency" ? { latencyThreshold: latencyThreshold as number } : {}),
    periodMs,
    matchers,
  };
}
