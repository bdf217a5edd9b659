import type { AlertNotification, Notifier } from "../../src/alerting/alert-state.js";

/** A notifier that keeps what it was sent, for assertions; `fail` makes the next sends throw. */
export function createRecordingNotifier(name = "recording", repeatIntervalMs?: number) {
  const sent: { nowMs: number; notifications: readonly AlertNotification[] }[] = [];
  let failuresLeft = 0;
  const notifier: Notifier & {
    sent: typeof sent;
    failNext(count: number): void;
    statuses(): string[];
  } = {
    name,
    ...(repeatIntervalMs === undefined ? {} : { repeatIntervalMs }),
    sent,
    async send(notifications, { nowMs }) {
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error(`${name} is down`);
      }
      sent.push({ nowMs, notifications });
    },
    failNext(count) {
      failuresLeft = count;
    },
    /** `"<status>@<seconds since T0>"` per notification, in order. */
    statuses() {
      return sent.flatMap(({ nowMs, notifications }) => notifications.map((n) => `${n.status}@${nowMs}`));
    },
  };
  return notifier;
}

/** Lets queued background deliveries run (they are promise chains, not timers, when nothing fails). */
export async function flushDeliveries(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}
