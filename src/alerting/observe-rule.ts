import { labelSetKey } from "../window/label-matcher.js";
import type { SignalSelector, WindowValue } from "../window/window-query.js";
import type { WindowStore } from "../window/window-store.js";
import type { AlertRule, Comparison } from "./alert-rule.js";

/** What a rule measured for one label set at one evaluation. */
export interface Observation {
  readonly byLabels: Readonly<Record<string, string>>;
  readonly value: number;
  /** The condition that starts an alert. */
  readonly breached: boolean;
  /** The looser condition that keeps a pending or firing alert (hysteresis). */
  readonly held: boolean;
}

/**
 * Measures `rule` over the window store at `nowMs`: one observation per label set (per `by`
 * values), with whether it breaches the rule's condition and whether it holds an alert already
 * pending or firing. Threshold rules compare the statistic; SLO rules compare the burn rate of
 * both windows with the factor.
 */
export function observeRule(window: WindowStore, rule: AlertRule, nowMs: number): Observation[] {
  if (rule.kind === "threshold") {
    const selector: SignalSelector = {
      signal: rule.signal,
      statistic: rule.statistic,
      kind: rule.trafficKind,
    };
    const values = window.measure(selector, {
      windowMs: rule.windowMs,
      matcher: rule.matchers,
      by: rule.by,
      nowMs,
    });
    return values.map(({ labels, value }) => ({
      byLabels: labels,
      value,
      breached: compare(value, rule.comparison, rule.threshold),
      held: compare(value, rule.comparison, rule.resolveThreshold),
    }));
  }
  const { slo } = rule;
  const selector: SignalSelector =
    slo.signal === "errors"
      ? { signal: "errors", statistic: "ratio" }
      : { signal: "latency", statistic: "ratio", latencyThresholdSeconds: slo.latencyThreshold! };
  const budget = 1 - slo.objective;
  const query = { matcher: slo.matchers, by: rule.by, nowMs };
  const short = new Map<string, WindowValue>();
  for (const value of window.measure(selector, { ...query, windowMs: rule.shortWindowMs })) {
    short.set(labelSetKey(value.labels), value);
  }
  const observations: Observation[] = [];
  for (const long of window.measure(selector, { ...query, windowMs: rule.longWindowMs })) {
    const shortBurnRate = (short.get(labelSetKey(long.labels))?.value ?? 0) / budget;
    const burnRate = long.value / budget;
    // Both windows must burn faster than the factor; the value shown is the long window's
    // burn rate, as in the generated Prometheus rule.
    const breached = burnRate > rule.factor && shortBurnRate > rule.factor;
    observations.push({ byLabels: long.labels, value: burnRate, breached, held: breached });
  }
  return observations;
}

function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
  }
}

/** Declares the windows `rule` queries to the store, before any ingest (see `WindowStore.track`). */
export function trackRuleWindows(window: WindowStore, rule: AlertRule): void {
  if (rule.kind === "threshold") {
    const selector: SignalSelector = {
      signal: rule.signal,
      statistic: rule.statistic,
      kind: rule.trafficKind,
    };
    window.track(selector, { windowMs: rule.windowMs, matcher: rule.matchers, by: rule.by });
    return;
  }
  const { slo } = rule;
  if (slo.signal !== "latency") return;
  const selector: SignalSelector = {
    signal: "latency",
    statistic: "ratio",
    latencyThresholdSeconds: slo.latencyThreshold!,
  };
  for (const windowMs of [rule.shortWindowMs, rule.longWindowMs]) {
    window.track(selector, { windowMs, matcher: slo.matchers, by: rule.by });
  }
}
