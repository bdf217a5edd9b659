import type { Notifier } from "../alert-state.js";

/** Options of {@link createConsoleNotifier}. */
export interface ConsoleNotifierOptions {
  /** Where lines go. @default console.warn */
  readonly write?: (line: string) => void;
  /** @default "console" */
  readonly name?: string;
  /** Re-send interval while firing; the engine's when not given. */
  readonly repeatIntervalMs?: number;
}

/**
 * A notifier that writes one line per alert to the console (or any `write` function, e.g. a
 * logger): `[zoran-telemetrie] FIRING ZoranErrorRatioHigh severity=critical value=0.25 | summary`.
 */
export function createConsoleNotifier(options: ConsoleNotifierOptions = {}): Notifier {
  const write = options.write ?? ((line: string) => console.warn(line));
  return {
    name: options.name ?? "console",
    ...(options.repeatIntervalMs === undefined ? {} : { repeatIntervalMs: options.repeatIntervalMs }),
    async send(notifications) {
      for (const n of notifications) {
        const { alertname = "alert", severity = "" } = n.labels;
        const summary = n.annotations.summary === undefined ? "" : ` | ${n.annotations.summary}`;
        write(
          `[zoran-telemetrie] ${n.status.toUpperCase()} ${alertname} severity=${severity} value=${n.value ?? "none"}${summary}`,
        );
      }
    },
  };
}
