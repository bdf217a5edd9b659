import type { AlertRule, SloConfig, ThresholdRuleConfig } from "./alert-rule.js";
import { loadRules } from "./load-rules.js";

/** Where the shipped rules point for what to do when they fire. */
export const RUNBOOK_BASE_URL =
  "https://github.com/zoran-telemetrie/zoran-telemetrie/blob/main/docs/alerting.md";

/**
 * The shipped threshold rules, one per golden signal (saturation: CPU, memory, event loop), as
 * configuration, so users can copy and adjust them. Thresholds are starting points for AI
 * services, whose operations take seconds, not milliseconds.
 */
export const DEFAULT_RULE_CONFIGS: readonly ThresholdRuleConfig[] = Object.freeze([
  {
    name: "ZoranLatencyP95High",
    signal: "latency",
    statistic: "p95",
    comparison: ">",
    threshold: 5,
    window: "5m",
    for: "5m",
    keepFiringFor: "2m",
    severity: "warning",
    annotations: {
      summary: "p95 latency is {{ $value | humanize }}s (threshold 5s)",
      description: "95% of operations over the last 5 minutes took up to {{ $value | humanize }} seconds.",
      runbookUrl: `${RUNBOOK_BASE_URL}#zoranlatencyp95high`,
    },
  },
  {
    name: "ZoranErrorRatioHigh",
    signal: "errors",
    statistic: "ratio",
    comparison: ">",
    threshold: 0.05,
    window: "5m",
    for: "5m",
    keepFiringFor: "2m",
    severity: "critical",
    annotations: {
      summary: "{{ $value | humanizePercentage }} of operations fail (threshold 5%)",
      description:
        "Errors per request over the last 5 minutes (invalid responses, refusals, crashes, timeouts).",
      runbookUrl: `${RUNBOOK_BASE_URL}#zoranerrorratiohigh`,
    },
  },
  {
    name: "ZoranTrafficStopped",
    signal: "traffic",
    statistic: "rate",
    kind: "requests",
    comparison: "<=",
    threshold: 0,
    window: "10m",
    for: "5m",
    severity: "warning",
    annotations: {
      summary: "No operation completed in the last 10 minutes",
      description: "Traffic dropped to zero after the service had handled requests.",
      runbookUrl: `${RUNBOOK_BASE_URL}#zorantrafficstopped`,
    },
  },
  ...(
    [
      ["Cpu", "cpu", 0.9, "10m"],
      ["Memory", "memory", 0.9, "5m"],
      ["EventLoop", "event_loop", 0.8, "5m"],
    ] as const
  ).map(
    ([title, resource, threshold, forDuration]): ThresholdRuleConfig => ({
      name: `Zoran${title}Saturated`,
      signal: "saturation",
      statistic: "last",
      comparison: ">",
      threshold,
      window: "1m",
      for: forDuration,
      severity: "warning",
      matchers: { resource },
      annotations: {
        summary: `${resource} saturation is {{ $value | humanizePercentage }} (threshold ${threshold * 100}%)`,
        description: `The ${resource} of the process has stayed above ${threshold * 100}% for ${forDuration}.`,
        runbookUrl: `${RUNBOOK_BASE_URL}#zoran${title.toLowerCase()}saturated`,
      },
    }),
  ),
]);

/**
 * The shipped SLOs, used by `zoran-telemetrie rules` when no rule file is given: 99% of
 * operations succeed, and 99% finish within 2.56 s (a latency bucket bound), over 30 days.
 */
export const DEFAULT_SLOS: readonly SloConfig[] = Object.freeze([
  {
    name: "availability",
    objective: 0.99,
    signal: "errors",
    period: "30d",
    runbookUrl: `${RUNBOOK_BASE_URL}#slos`,
  },
  {
    name: "latency",
    objective: 0.99,
    signal: "latency",
    latencyThreshold: 2.56,
    period: "30d",
    runbookUrl: `${RUNBOOK_BASE_URL}#slos`,
  },
]);

/** The shipped threshold rules ({@link DEFAULT_RULE_CONFIGS}), validated and normalized. */
export function defaultRules(): AlertRule[] {
  return loadRules({ rules: DEFAULT_RULE_CONFIGS });
}
