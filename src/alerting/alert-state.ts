/**
 * What an alert's value is and how it is compared with its threshold, so that a display can say
 * "p99 2.45 s > 2 s" rather than two bare numbers. Units follow the statistic: seconds for
 * latency quantiles, 0..1 for ratios and saturation, per second for rates, a factor for burn rates.
 */
export interface AlertCondition {
  readonly signal: "latency" | "errors" | "traffic" | "saturation";
  /** A window statistic (`p99`, `ratio`, `rate`, `last`, ...) or `burn_rate` for SLO alerts. */
  readonly statistic: string;
  /** Traffic rates only: what is counted. */
  readonly kind?: "requests" | "tokens" | "bytes";
  /** The alert holds while `value <comparison> threshold`. */
  readonly comparison: ">" | ">=" | "<" | "<=";
}

/** Where an alert is in its life: see `AlertingEngine` for the transitions. */
export type AlertStatus = "inactive" | "pending" | "firing" | "resolved";

/**
 * The current state of one alert (one rule, one label set), as `collector.alerts()` returns and
 * `GET /api/alerts` serves it. Plain JSON: times are ISO 8601 strings, a missing value is `null`.
 */
export interface AlertState {
  /** The rule's name, also the `alertname` label. */
  readonly name: string;
  readonly status: AlertStatus;
  readonly severity: string;
  /** Every label of the alert: `alertname`, `severity`, `service`, the rule's labels and `by` labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Annotations with `{{ $value }}` and `{{ $labels.x }}` filled in. */
  readonly annotations: Readonly<Record<string, string>>;
  /** Last measured value (long-window burn rate for SLO alerts), `null` when there was no data. */
  readonly value: number | null;
  /** The threshold (burn-rate factor for SLO alerts). */
  readonly threshold: number;
  /** What `value` measures and how it meets `threshold`. */
  readonly condition?: AlertCondition;
  /** When the condition started holding (entered pending). */
  readonly activeAt: string | null;
  readonly firedAt: string | null;
  readonly resolvedAt: string | null;
  readonly lastEvaluatedAt: string | null;
  /** Stable id of the label set (hex), as Alertmanager's webhook payload carries it. */
  readonly fingerprint: string;
}

/** One alert in a notification, in the shape of an Alertmanager webhook alert. */
export interface AlertNotification {
  readonly status: "firing" | "resolved";
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** When the alert started firing, ISO 8601. */
  readonly startsAt: string;
  /** When it resolved, ISO 8601; `null` while firing. */
  readonly endsAt: string | null;
  /** Link back to where the alert was generated; empty when none is configured. */
  readonly generatorURL: string;
  readonly fingerprint: string;
  readonly value: number | null;
}

/**
 * Where notifications go. `send()` receives every alert due for this notifier at one evaluation;
 * it throws to report a failure (a {@link NotifierError} says whether to retry).
 */
export interface Notifier {
  /** Names the notifier in logs and delivery reports. */
  readonly name: string;
  /**
   * How often a firing alert is sent again while it keeps firing; overrides the engine's
   * `repeatIntervalMs` (Alertmanager needs re-sends well within its `resolve_timeout`).
   */
  readonly repeatIntervalMs?: number;
  send(notifications: readonly AlertNotification[], context: NotifyContext): Promise<void>;
}

/** What a notifier gets besides the alerts. */
export interface NotifyContext {
  /** Aborts when the attempt times out or the engine shuts down. */
  readonly signal: AbortSignal;
  /** Engine time of the evaluation that produced the notifications, epoch milliseconds. */
  readonly nowMs: number;
}

/** A failed delivery; `retryable` is false for answers that will not change (HTTP 4xx but 408/429). */
export class NotifierError extends Error {
  readonly retryable: boolean;

  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "NotifierError";
    this.retryable = options.retryable;
  }
}
