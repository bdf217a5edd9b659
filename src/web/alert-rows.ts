import type { AlertCondition, AlertState, AlertStatus } from "../alerting/alert-state.js";
import type { LiveFilter } from "./live-snapshot-options.js";

/** What the page shows of one alert. */
export interface LiveAlert {
  readonly name: string;
  readonly status: AlertStatus;
  readonly severity: string;
  readonly value: number | null;
  readonly threshold: number;
  /** What the value measures and how it meets the threshold; `null` when the engine did not say. */
  readonly condition: AlertCondition | null;
  readonly activeAt: string | null;
  /** Labels besides `alertname` and `severity` (they have their own columns). */
  readonly labels: Readonly<Record<string, string>>;
}

/** Alert rows; with a filter, the alerts of that operation and those of no operation in particular. */
export function alertRows(
  alerts: (() => readonly AlertState[]) | undefined,
  filter: LiveFilter | undefined,
): LiveAlert[] | null {
  if (alerts === undefined) return null;
  return alerts()
    .filter((alert) => {
      const operation = alert.labels.operation;
      return filter === undefined || operation === undefined || operation === filter.operation;
    })
    .map((alert) => {
      const { alertname: _name, severity: _severity, ...labels } = alert.labels;
      return {
        name: alert.name,
        status: alert.status,
        severity: alert.severity,
        value: alert.value,
        threshold: alert.threshold,
        condition: alert.condition ?? null,
        activeAt: alert.activeAt,
        labels,
      };
    });
}
