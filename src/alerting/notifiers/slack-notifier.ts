import type { AlertNotification, Notifier } from "../alert-state.js";
import { postJson } from "./post-json.js";

/** Options of {@link createSlackNotifier}. */
export interface SlackNotifierOptions {
  /** The incoming-webhook URL (it holds a secret: keep it out of source control). */
  readonly url: string;
  /** @default "slack" */
  readonly name?: string;
  /** Re-send interval while firing; the engine's when not given. */
  readonly repeatIntervalMs?: number;
}

/** The text of a Slack message for a batch of notifications (mrkdwn, `&<>` escaped). */
export function toSlackText(notifications: readonly AlertNotification[]): string {
  return notifications
    .map((n) => {
      const mark = n.status === "firing" ? ":red_circle: *FIRING*" : ":large_green_circle: *RESOLVED*";
      const { alertname = "alert", severity = "", service = "" } = n.labels;
      const summary = n.annotations.summary ?? n.annotations.description ?? "";
      const runbook = n.annotations.runbook_url;
      const head = `${mark} ${escapeMrkdwn(alertname)} (${escapeMrkdwn(severity)}) on ${escapeMrkdwn(service)}`;
      const parts = [
        head,
        summary === "" ? "" : escapeMrkdwn(summary),
        runbook === undefined ? "" : `<${runbook}|runbook>`,
      ];
      return parts.filter((part) => part !== "").join(" | ");
    })
    .join("\n");
}

/**
 * A notifier for Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat): one
 * `{ text }` message per batch, one line per alert.
 */
export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  return {
    name: options.name ?? "slack",
    ...(options.repeatIntervalMs === undefined ? {} : { repeatIntervalMs: options.repeatIntervalMs }),
    send: (notifications, { signal }) =>
      postJson(options.url, { text: toSlackText(notifications) }, { signal }),
  };
}

// Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping).
function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
