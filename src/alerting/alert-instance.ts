import type { AlertRule } from "./alert-rule.js";
import type { AlertNotification, AlertState, AlertStatus } from "./alert-state.js";
import { expandTemplate } from "./expand-template.js";

/** One alert of a rule: the state of one label set as it moves from pending to firing to resolved. */
export interface AlertInstance {
  readonly ruleIndex: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly fingerprint: string;
  status: AlertStatus;
  value: number | null;
  activeAt?: number;
  firedAt?: number;
  resolvedAt?: number;
  lastHeldAt?: number;
  lastEvaluatedAt?: number;
  /** Per notifier: when it was last sent this alert as firing. */
  readonly lastSentMs: number[];
}

function annotations(rule: AlertRule, instance: AlertInstance): Record<string, string> {
  const context = { value: instance.value, labels: instance.labels };
  const out: Record<string, string> = {};
  const { summary, description, runbookUrl } = rule.annotations;
  if (summary !== undefined) out.summary = expandTemplate(summary, context);
  if (description !== undefined) out.description = expandTemplate(description, context);
  if (runbookUrl !== undefined) out.runbook_url = runbookUrl;
  return out;
}

/** The notification of `instance` as it fires or resolves, for the notifiers. */
export function toNotification(
  rule: AlertRule,
  instance: AlertInstance,
  status: "firing" | "resolved",
  generatorURL: string,
): AlertNotification {
  return {
    status,
    labels: instance.labels,
    annotations: annotations(rule, instance),
    startsAt: new Date(instance.firedAt ?? instance.activeAt ?? 0).toISOString(),
    endsAt: status === "resolved" ? new Date(instance.resolvedAt ?? 0).toISOString() : null,
    generatorURL,
    fingerprint: instance.fingerprint,
    value: instance.value,
  };
}

/** The JSON-serialisable state of `instance`, as `AlertingEngine.states()` returns it. */
export function toState(rule: AlertRule, instance: AlertInstance): AlertState {
  return {
    name: rule.name,
    status: instance.status,
    severity: rule.severity,
    labels: instance.labels,
    annotations: annotations(rule, instance),
    value: instance.value,
    threshold: rule.kind === "threshold" ? rule.threshold : rule.factor,
    condition:
      rule.kind === "threshold"
        ? {
            signal: rule.signal,
            statistic: rule.statistic,
            ...(rule.signal === "traffic" ? { kind: rule.trafficKind } : {}),
            comparison: rule.comparison,
          }
        : { signal: rule.slo.signal, statistic: "burn_rate", comparison: ">" },
    activeAt: iso(instance.activeAt),
    firedAt: iso(instance.firedAt),
    resolvedAt: iso(instance.resolvedAt),
    lastEvaluatedAt: iso(instance.lastEvaluatedAt),
    fingerprint: instance.fingerprint,
  };
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
