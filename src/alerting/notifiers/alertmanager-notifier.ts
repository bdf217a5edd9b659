import type { Notifier } from "../alert-state.js";
import { postJson } from "./post-json.js";

/** Options of {@link createAlertmanagerNotifier}. */
export interface AlertmanagerNotifierOptions {
  /** Base URL of Alertmanager, e.g. `http://127.0.0.1:9093` (alerts go to `/api/v2/alerts`). */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** @default "alertmanager" */
  readonly name?: string;
  /**
   * How often firing alerts are sent again. Alertmanager resolves an alert by itself when its
   * `endsAt` passes, so firing alerts carry `endsAt = now + 4 * resendIntervalMs` and are re-sent
   * well before (Prometheus does the same with its 1 minute resend delay).
   * @default 60000
   */
  readonly resendIntervalMs?: number;
}

/**
 * A notifier that pushes alerts to Alertmanager's API v2 (`POST /api/v2/alerts`), the way
 * Prometheus does: labels (with `alertname`, `severity`, `service`), annotations, `startsAt`,
 * `endsAt` and `generatorURL`. Alertmanager then groups, silences, routes and deduplicates.
 *
 * @example
 * createAlertmanagerNotifier({ url: "http://127.0.0.1:9093" })
 */
export function createAlertmanagerNotifier(options: AlertmanagerNotifierOptions): Notifier {
  const resendIntervalMs = options.resendIntervalMs ?? 60_000;
  const endpoint = new URL("api/v2/alerts", options.url.endsWith("/") ? options.url : `${options.url}/`).href;
  return {
    name: options.name ?? "alertmanager",
    repeatIntervalMs: resendIntervalMs,
    send(notifications, { signal, nowMs }) {
      const body = notifications.map((n) => ({
        labels: n.labels,
        annotations: n.annotations,
        startsAt: n.startsAt,
        endsAt: n.endsAt ?? new Date(nowMs + 4 * resendIntervalMs).toISOString(),
        // The API validates it as a URI: leave it out rather than send an empty one.
        ...(n.generatorURL === "" ? {} : { generatorURL: n.generatorURL }),
      }));
      return postJson(endpoint, body, {
        signal,
        ...(options.headers === undefined ? {} : { headers: options.headers }),
      });
    },
  };
}
