import { parseSignalName } from "../signals/signal-vocabulary.js";
import {
  SIGNAL_NAMES,
  SIGNAL_STATISTICS,
  type SignalName,
  STATISTICS,
  type Statistic,
  TRAFFIC_RATE_KINDS,
  type TrafficKind,
} from "../window/window-query.js";
import type {
  AlertRule,
  BurnRateRule,
  Comparison,
  NormalizedSlo,
  SloConfig,
  ThresholdRule,
  ThresholdRuleConfig,
} from "./alert-rule.js";
import { describeValue } from "./describe-value.js";
import { normalizeSlo } from "./normalize-slo.js";
import {
  annotationsField,
  byField,
  durationField,
  labelsField,
  matchersField,
  NAME_PATTERN,
  stringField,
} from "./rule-fields.js";
import { copyRuleInput, RULE_INPUT_LIMITS, readRuleFile } from "./rule-input.js";
import { type RuleIssue, RuleValidationError } from "./rule-validation-error.js";
import { sloRules } from "./slo-rules.js";

/** What a rule file holds: threshold rules and SLOs (YAML or JSON), or a bare list of rules. */
export type RuleFileContent =
  | { readonly rules?: readonly (ThresholdRuleConfig | AlertRule)[]; readonly slos?: readonly SloConfig[] }
  | readonly ThresholdRuleConfig[];

const COMPARISONS: readonly Comparison[] = [">", ">=", "<", "<="];
const DEFAULT_STATISTIC: Readonly<Record<SignalName, Statistic>> = {
  latency: "p95",
  errors: "ratio",
  traffic: "rate",
  saturation: "last",
};
const RULE_FIELDS = new Set([
  "name",
  "signal",
  "statistic",
  "kind",
  "comparison",
  "threshold",
  "resolveThreshold",
  "hysteresis",
  "window",
  "for",
  "keepFiringFor",
  "severity",
  "matchers",
  "by",
  "labels",
  "annotations",
]);

/**
 * Reads, validates and normalizes alert rules: from a YAML or JSON file path, or from an object
 * written in code. SLOs expand into their burn-rate rules (see `sloRules`). Every mistake is
 * collected and thrown at once as a {@link RuleValidationError} naming the rule and the field.
 *
 * @example
 * const rules = loadRules("alerts.yaml");
 * const same = loadRules({ rules: [{ name: "SlowChat", signal: "latency", threshold: 2 }] });
 */
export function loadRules(fileOrObject: string | RuleFileContent): AlertRule[] {
  const source = typeof fileOrObject === "string" ? fileOrObject : undefined;
  // Validation reads a bounded plain copy only: nothing of the caller's (getters, proxies,
  // symbols, huge or deep values) can throw anything but a RuleValidationError past this line.
  const content = copyRuleInput(source === undefined ? fileOrObject : readRuleFile(source), source);
  const issues: RuleIssue[] = [];
  const rules: AlertRule[] = [];
  const file = Array.isArray(content) ? { rules: content } : content;
  if (file === null || typeof file !== "object") {
    throw new RuleValidationError(
      [{ rule: "(file)", field: "(root)", message: "expected an object with `rules` and/or `slos`" }],
      source,
    );
  }
  const { rules: ruleList = [], slos: sloList = [], ...rest } = file as Record<string, unknown>;
  for (const key of Object.keys(rest)) {
    issues.push({ rule: "(file)", field: key, message: "unknown field (expected `rules` or `slos`)" });
  }
  if (!Array.isArray(ruleList)) {
    issues.push({ rule: "(file)", field: "rules", message: "must be a list" });
  } else if (ruleList.length > RULE_INPUT_LIMITS.maxRules) {
    issues.push({
      rule: "(file)",
      field: "rules",
      message: `${ruleList.length} rules; at most ${RULE_INPUT_LIMITS.maxRules} are accepted`,
    });
  } else {
    ruleList.forEach((config, index) => {
      const rule = normalizeRule(config, `rules[${index}]`, issues);
      if (rule !== undefined) rules.push(rule);
    });
  }
  if (!Array.isArray(sloList)) {
    issues.push({ rule: "(file)", field: "slos", message: "must be a list" });
  } else if (sloList.length > RULE_INPUT_LIMITS.maxSlos) {
    issues.push({
      rule: "(file)",
      field: "slos",
      message: `${sloList.length} SLOs; at most ${RULE_INPUT_LIMITS.maxSlos} are accepted`,
    });
  } else {
    sloList.forEach((config, index) => {
      const slo = normalizeSlo(config, `slos[${index}]`, issues);
      if (slo === undefined) return;
      const { labels, runbookUrl } = config as SloConfig;
      rules.push(
        ...sloRules(slo, {
          ...(labels === undefined ? {} : { labels: { ...labels } }),
          ...(runbookUrl === undefined ? {} : { runbookUrl }),
        }),
      );
    });
  }
  if (issues.length > 0) throw new RuleValidationError(issues, source);
  return rules;
}

/**
 * One entry of a `rules` list: a rule config (as written in a file or in code), or a rule
 * `loadRules()`/`defaultRules()` returned (`kind: "threshold"` or `"burn_rate"`). Both are
 * validated: a rule written in code never skips the checks a file gets.
 */
function normalizeRule(config: unknown, at: string, issues: RuleIssue[]): AlertRule | undefined {
  const kind = (config as { kind?: unknown } | null)?.kind;
  if (config !== null && typeof config === "object" && !Array.isArray(config)) {
    if (kind === "threshold")
      return normalizeReadyThresholdRule(config as Record<string, unknown>, at, issues);
    if (kind === "burn_rate") return normalizeBurnRateRule(config as Record<string, unknown>, at, issues);
  }
  return normalizeThresholdRule(config, at, issues);
}

const THRESHOLD_RULE_KEYS = new Set([
  "kind",
  "name",
  "signal",
  "statistic",
  "trafficKind",
  "comparison",
  "threshold",
  "resolveThreshold",
  "windowMs",
  "forMs",
  "keepFiringForMs",
  "severity",
  "matchers",
  "by",
  "labels",
  "annotations",
]);

/** A normalized threshold rule, checked by turning it back into its config and validating that. */
function normalizeReadyThresholdRule(
  raw: Record<string, unknown>,
  at: string,
  issues: RuleIssue[],
): ThresholdRule | undefined {
  const rule = typeof raw.name === "string" && raw.name !== "" ? raw.name : at;
  const before = issues.length;
  const hint =
    '(a rule with kind "threshold" is a normalized rule, as loadRules() returns; write a rule config without `kind` instead)';
  for (const key of Object.keys(raw)) {
    if (!THRESHOLD_RULE_KEYS.has(key)) issues.push({ rule, field: key, message: `unknown field ${hint}` });
  }
  for (const key of ["windowMs", "forMs", "keepFiringForMs", "resolveThreshold"]) {
    if (raw[key] === undefined) issues.push({ rule, field: key, message: `missing ${hint}` });
  }
  if (issues.length > before) return undefined;
  const { kind: _kind, trafficKind, windowMs, forMs, keepFiringForMs, ...fields } = raw;
  return normalizeThresholdRule(
    {
      ...fields,
      ...(raw.signal === "traffic" || trafficKind !== "requests" ? { kind: trafficKind } : {}),
      window: windowMs,
      for: forMs,
      keepFiringFor: keepFiringForMs,
    },
    at,
    issues,
  );
}

const BURN_RATE_RULE_KEYS = new Set([
  "kind",
  "name",
  "slo",
  "factor",
  "longWindowMs",
  "shortWindowMs",
  "forMs",
  "keepFiringForMs",
  "severity",
  "by",
  "labels",
  "annotations",
]);

/** A burn-rate rule as `sloRules()` makes it, checked field by field. */
function normalizeBurnRateRule(
  raw: Record<string, unknown>,
  at: string,
  issues: RuleIssue[],
): BurnRateRule | undefined {
  const rule = typeof raw.name === "string" && raw.name !== "" ? raw.name : at;
  const before = issues.length;
  const issue = (field: string, message: string) => issues.push({ rule, field, message });
  for (const key of Object.keys(raw)) if (!BURN_RATE_RULE_KEYS.has(key)) issue(key, "unknown field");
  if (typeof raw.name !== "string" || !NAME_PATTERN.test(raw.name)) {
    issue("name", "must be letters, digits and _ (not starting with a digit)");
  }
  let slo: NormalizedSlo | undefined;
  const rawSlo = raw.slo;
  if (rawSlo === null || typeof rawSlo !== "object" || Array.isArray(rawSlo)) {
    issue("slo", "must be the SLO the rule guards");
  } else {
    const { periodMs, ...sloFields } = rawSlo as Record<string, unknown>;
    slo = normalizeSlo({ ...sloFields, period: periodMs }, `${rule} slo`, issues);
  }
  const factor = raw.factor;
  if (typeof factor !== "number" || !Number.isFinite(factor) || factor <= 0) {
    issue("factor", `must be a burn rate > 0, got ${describeValue(factor)}`);
  }
  const longWindowMs = durationField(raw.longWindowMs, "longWindowMs", issue, { positive: true });
  const shortWindowMs = durationField(raw.shortWindowMs, "shortWindowMs", issue, { positive: true });
  if (shortWindowMs > longWindowMs) issue("shortWindowMs", "must not be longer than longWindowMs");
  const forMs = durationField(raw.forMs ?? 0, "forMs", issue);
  const keepFiringForMs = durationField(raw.keepFiringForMs ?? 0, "keepFiringForMs", issue);
  const severity = stringField(raw.severity, "severity", issue);
  const by = byField(raw.by, issue);
  const labels = labelsField(raw.labels, issue);
  const annotations = annotationsField(raw.annotations, issue);
  if (issues.length > before || slo === undefined) return undefined;
  return {
    kind: "burn_rate",
    name: raw.name as string,
    slo,
    factor: factor as number,
    longWindowMs,
    shortWindowMs,
    forMs,
    keepFiringForMs,
    severity,
    by,
    labels,
    annotations,
  };
}

function normalizeThresholdRule(config: unknown, at: string, issues: RuleIssue[]): ThresholdRule | undefined {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    issues.push({ rule: at, field: "(rule)", message: "must be an object" });
    return undefined;
  }
  const raw = config as Record<string, unknown>;
  const rule = typeof raw.name === "string" && raw.name !== "" ? raw.name : at;
  const before = issues.length;
  const issue = (field: string, message: string) => issues.push({ rule, field, message });
  for (const key of Object.keys(raw)) if (!RULE_FIELDS.has(key)) issue(key, "unknown field");

  if (typeof raw.name !== "string" || !NAME_PATTERN.test(raw.name)) {
    issue("name", "must be letters, digits and _ (not starting with a digit)");
  }
  // `error_rate` (GoldenSignals.ERROR_RATE) reads naturally in code: the vocabulary accepts it.
  const parsed = parseSignalName(raw.signal);
  const signal = (parsed ?? raw.signal) as SignalName;
  if (parsed === undefined) {
    issue("signal", `unknown signal ${describeValue(raw.signal)} (expected ${SIGNAL_NAMES.join(", ")})`);
  }
  const knownSignal = parsed !== undefined;
  const statistic = (raw.statistic ?? DEFAULT_STATISTIC[signal]) as Statistic;
  if (!knownSignal && raw.statistic === undefined) {
    // No default to check against: the signal issue above says it all.
  } else if (!STATISTICS.includes(statistic)) {
    issue(
      "statistic",
      `unknown statistic ${describeValue(raw.statistic)} (expected ${STATISTICS.join(", ")})`,
    );
  } else if (knownSignal && !SIGNAL_STATISTICS[signal].includes(statistic)) {
    issue(
      "statistic",
      `${statistic} does not apply to ${signal} (use ${SIGNAL_STATISTICS[signal].join(", ")})`,
    );
  }
  const trafficKind = (raw.kind ?? "requests") as TrafficKind;
  if (!TRAFFIC_RATE_KINDS.includes(trafficKind)) {
    issue("kind", `must be one of ${TRAFFIC_RATE_KINDS.join(", ")}`);
  } else if (raw.kind !== undefined && signal !== "traffic") {
    issue("kind", "applies to the traffic signal only");
  }
  const comparison = (raw.comparison ?? ">") as Comparison;
  if (!COMPARISONS.includes(comparison)) issue("comparison", `must be one of ${COMPARISONS.join(" ")}`);

  const threshold = raw.threshold;
  const bounded = statistic === "ratio" || signal === "saturation";
  if (typeof threshold !== "number" || !Number.isFinite(threshold) || threshold < 0) {
    issue("threshold", `must be a number >= 0, got ${describeValue(threshold)}`);
  } else if (bounded && threshold > 1) {
    issue(
      "threshold",
      `${signal === "saturation" ? "saturation" : "a ratio"} lies in [0, 1], got ${threshold}`,
    );
  }
  const hysteresis = raw.hysteresis ?? 0.05;
  if (typeof hysteresis !== "number" || !(hysteresis >= 0 && hysteresis < 1)) {
    issue("hysteresis", "must be a share in [0, 1)");
  }
  const above = comparison === ">" || comparison === ">=";
  let resolveThreshold = typeof threshold === "number" ? threshold : 0;
  if (typeof threshold === "number" && typeof hysteresis === "number") {
    resolveThreshold = above ? threshold * (1 - hysteresis) : threshold * (1 + hysteresis);
  }
  if (raw.resolveThreshold !== undefined) {
    const resolve = raw.resolveThreshold;
    if (typeof resolve !== "number" || !Number.isFinite(resolve) || resolve < 0) {
      issue("resolveThreshold", `must be a number >= 0, got ${describeValue(resolve)}`);
    } else if (typeof threshold === "number" && (above ? resolve > threshold : resolve < threshold)) {
      issue(
        "resolveThreshold",
        `must lie on the healthy side of the threshold (${above ? "<=" : ">="} ${threshold})`,
      );
    } else {
      resolveThreshold = resolve;
    }
  }
  const windowMs = durationField(raw.window ?? "5m", "window", issue, { positive: true });
  const forMs = durationField(raw.for ?? 0, "for", issue);
  const keepFiringForMs = durationField(raw.keepFiringFor ?? 0, "keepFiringFor", issue);
  const severity = stringField(raw.severity ?? "warning", "severity", issue);
  const matchers = matchersField(raw.matchers, "matchers", issue);
  const by = byField(raw.by, issue);
  if (knownSignal) {
    // A label the signal's metrics do not carry would be ignored silently: say so instead.
    const carried = signalLabels(signal, trafficKind);
    for (const label of Object.keys(matchers)) {
      if (!carried.includes(label))
        issue(`matchers.${label}`, `${signal} has no ${label} label (use ${carried.join(", ")})`);
    }
    // A ratio divides by requests, which carry neither error_type nor direction.
    const groupable = statistic === "ratio" ? carried.filter((l) => l !== "error_type") : carried;
    for (const label of by) {
      if (!groupable.includes(label))
        issue("by", `cannot alert by ${label} on ${signal} ${statistic} (use ${groupable.join(", ")})`);
    }
  }
  const labels = labelsField(raw.labels, issue);
  const annotations = annotationsField(raw.annotations, issue);
  if (issues.length > before) return undefined;
  return {
    kind: "threshold",
    name: raw.name as string,
    signal,
    statistic,
    trafficKind,
    comparison,
    threshold: threshold as number,
    resolveThreshold,
    windowMs,
    forMs,
    keepFiringForMs,
    severity,
    matchers,
    by,
    labels,
    annotations,
  };
}

/** Labels the metrics behind a signal carry (src/signals/metric-definitions.ts), that rules may match or group on. */
function signalLabels(signal: SignalName, kind: TrafficKind): readonly string[] {
  if (signal === "saturation") return ["resource"];
  if (signal === "errors") return ["operation", "exchange", "error_type"];
  if (signal === "traffic" && kind !== "requests") return ["operation", "exchange", "direction"];
  return ["operation", "exchange"];
}
