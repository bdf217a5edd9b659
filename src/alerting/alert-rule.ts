import type { LabelMatcher } from "../window/label-matcher.js";
import type { SignalName, Statistic, TrafficKind } from "../window/window-query.js";
import type { Duration } from "./duration.js";

/** How a measured value is compared with a threshold; the alert condition is `value <op> threshold`. */
export type Comparison = ">" | ">=" | "<" | "<=";

/** Human-facing text attached to an alert. `{{ $value }}` and `{{ $labels.name }}` are filled in. */
export interface AlertAnnotations {
  readonly summary?: string;
  readonly description?: string;
  /** Link to what to do (becomes the `runbook_url` annotation). */
  readonly runbookUrl?: string;
}

/**
 * A threshold alert as written in code or in a rule file (durations as `"5m"` or milliseconds).
 *
 * @example
 * const rule: ThresholdRuleConfig = {
 *   name: "ChatLatencyHigh", signal: "latency", statistic: "p95", comparison: ">", threshold: 2,
 *   window: "5m", for: "5m", severity: "warning", matchers: { operation: "chat" },
 *   annotations: { summary: "p95 latency of chat is {{ $value }} s" },
 * };
 */
export interface ThresholdRuleConfig {
  /** Alert name (the `alertname` label): letters, digits and `_`, not starting with a digit. */
  readonly name: string;
  readonly signal: SignalName;
  /** @default p95 for latency, ratio for errors, rate for traffic, last for saturation */
  readonly statistic?: Statistic;
  /** Traffic only: which unit the rate counts. @default "requests" */
  readonly kind?: TrafficKind;
  /** @default ">" */
  readonly comparison?: Comparison;
  /** Seconds for latency, 0..1 for ratios and saturation, per second for rates; never negative. */
  readonly threshold: number;
  /**
   * Hysteresis: once pending or firing, the alert stays so until the value crosses back past
   * this level, so a value hovering at the threshold does not flap.
   * @default threshold moved by `hysteresis` toward the healthy side
   */
  readonly resolveThreshold?: number;
  /** Hysteresis as a share of the threshold, used when `resolveThreshold` is not given. @default 0.05 */
  readonly hysteresis?: number;
  /** Window the statistic is computed over. @default "5m" */
  readonly window?: Duration;
  /** How long the condition must hold before firing. @default 0 */
  readonly for?: Duration;
  /** How long to keep firing after the condition stopped holding. @default 0 */
  readonly keepFiringFor?: Duration;
  /** @default "warning" */
  readonly severity?: string;
  /** Series to look at: `operation`, `exchange`, `error_type`, `resource`, `direction`. */
  readonly matchers?: LabelMatcher;
  /** Labels to alert on separately (one alert per value), e.g. `["operation"]`. @default [] */
  readonly by?: readonly string[];
  /** Extra labels on the alert (routing keys such as `team`). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: AlertAnnotations;
}

/**
 * A service-level objective: the share of good requests over a period. Errors SLOs count
 * `zoran.errors` per request; latency SLOs count requests slower than `latencyThreshold`.
 */
export interface SloConfig {
  /** Names the SLO in alert labels (`slo`). @default the signal ("errors" or "latency") */
  readonly name?: string;
  /** Target share of good requests, in (0, 1), e.g. 0.99. */
  readonly objective: number;
  readonly signal: "errors" | "latency";
  /** Latency SLOs: seconds a good request stays under; must be a latency bucket bound. */
  readonly latencyThreshold?: number;
  /** Period the error budget covers. @default "30d" */
  readonly period?: Duration;
  readonly matchers?: LabelMatcher;
  readonly labels?: Readonly<Record<string, string>>;
  readonly runbookUrl?: string;
}

/** A validated, normalized threshold rule (durations in milliseconds, defaults applied). */
export interface ThresholdRule {
  readonly kind: "threshold";
  readonly name: string;
  readonly signal: SignalName;
  readonly statistic: Statistic;
  readonly trafficKind: TrafficKind;
  readonly comparison: Comparison;
  readonly threshold: number;
  readonly resolveThreshold: number;
  readonly windowMs: number;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly severity: string;
  readonly matchers: LabelMatcher;
  readonly by: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: AlertAnnotations;
}

/** The SLO a burn-rate rule guards, normalized. */
export interface NormalizedSlo {
  readonly name: string;
  readonly objective: number;
  readonly signal: "errors" | "latency";
  readonly latencyThreshold?: number;
  readonly periodMs: number;
  readonly matchers: LabelMatcher;
}

/**
 * A multi-window burn-rate alert (Google SRE workbook, "Alerting on SLOs"): fires when the error
 * budget burns faster than `factor` times the sustainable rate over both the long and the short
 * window (the short one makes the alert stop soon after the burn stops).
 */
export interface BurnRateRule {
  readonly kind: "burn_rate";
  readonly name: string;
  readonly slo: NormalizedSlo;
  readonly factor: number;
  readonly longWindowMs: number;
  readonly shortWindowMs: number;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly severity: string;
  readonly by: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: AlertAnnotations;
}

/** A rule the alerting engine evaluates and the Prometheus renderer writes. */
export type AlertRule = ThresholdRule | BurnRateRule;
