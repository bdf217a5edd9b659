import type { AlertNotification, Notifier } from "../alert-state.js";
import { postJson } from "./post-json.js";

/** Options of {@link createWebhookNotifier}. */
export interface WebhookNotifierOptions {
  /** Where to POST the payload. */
  readonly url: string;
  /** Extra request headers (e.g. `authorization`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** @default "webhook" */
  readonly name?: string;
  /** The payload's `receiver` field. @default "zoran-telemetrie" */
  readonly receiver?: string;
  /** The payload's `externalURL` field (where the alerts can be seen). @default "" */
  readonly externalURL?: string;
  /** Re-send interval while firing; the engine's when not given. */
  readonly repeatIntervalMs?: number;
}

/**
 * The body Alertmanager POSTs to a webhook receiver, version 4
 * (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
 */
export interface WebhookPayload {
  readonly version: "4";
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly status: "firing" | "resolved";
  readonly receiver: string;
  readonly groupLabels: Record<string, string>;
  readonly commonLabels: Record<string, string>;
  readonly commonAnnotations: Record<string, string>;
  readonly externalURL: string;
  readonly alerts: readonly {
    status: "firing" | "resolved";
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }[];
}

// Alertmanager writes Go's zero time for an alert that has not ended.
const ZERO_TIME = "0001-01-01T00:00:00Z";

/** Builds the version 4 webhook payload for one batch of notifications. */
export function toWebhookPayload(
  notifications: readonly AlertNotification[],
  options: { receiver?: string; externalURL?: string } = {},
): WebhookPayload {
  const commonLabels = common(notifications.map((n) => n.labels));
  const groupLabels: Record<string, string> = {};
  if (commonLabels.service !== undefined) groupLabels.service = commonLabels.service;
  return {
    version: "4",
    groupKey: `{}:{${Object.entries(groupLabels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(",")}}`,
    truncatedAlerts: 0,
    status: notifications.some((n) => n.status === "firing") ? "firing" : "resolved",
    receiver: options.receiver ?? "zoran-telemetrie",
    groupLabels,
    commonLabels,
    commonAnnotations: common(notifications.map((n) => n.annotations)),
    externalURL: options.externalURL ?? "",
    alerts: notifications.map((n) => ({
      status: n.status,
      labels: { ...n.labels },
      annotations: { ...n.annotations },
      startsAt: n.startsAt,
      endsAt: n.endsAt ?? ZERO_TIME,
      generatorURL: n.generatorURL,
      fingerprint: n.fingerprint,
    })),
  };
}

/**
 * A notifier that POSTs alerts as JSON in Alertmanager's webhook shape (version 4), so any
 * receiver written for Alertmanager understands it.
 *
 * @example
 * createWebhookNotifier({ url: "https://hooks.example.com/alerts" })
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): Notifier {
  return {
    name: options.name ?? "webhook",
    ...(options.repeatIntervalMs === undefined ? {} : { repeatIntervalMs: options.repeatIntervalMs }),
    send: (notifications, { signal }) =>
      postJson(options.url, toWebhookPayload(notifications, options), {
        signal,
        ...(options.headers === undefined ? {} : { headers: options.headers }),
      }),
  };
}

function common(sets: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  const [first, ...rest] = sets;
  const shared: Record<string, string> = {};
  if (first === undefined) return shared;
  for (const [key, value] of Object.entries(first)) {
    if (rest.every((set) => set[key] === value)) shared[key] = value;
  }
  return shared;
}
