import type { DiagLogger } from "@opentelemetry/api";

/** Bad options already reported, per logger: each is reported once, however often it is read. */
const reported = new WeakMap<object, Set<string>>();

/**
 * Reports through `diag.warn` that option `name` had a value it could not use and what is used
 * instead, once per logger, option and value. The value itself is shown only when it is a number
 * or a short plain string: option values can come from the environment and must not carry content
 * into logs (issue 15 item 11).
 */
export function reportBadOption(
  diag: DiagLogger | undefined,
  name: string,
  value: unknown,
  expected: string,
  using: string,
): void {
  if (diag === undefined) return;
  const shown = describeOptionValue(value);
  const key = `${name}\u0000${shown}`;
  let seen = reported.get(diag);
  if (seen === undefined) {
    seen = new Set();
    reported.set(diag, seen);
  }
  if (seen.has(key)) return;
  seen.add(key);
  try {
    diag.warn(`zoran-telemetrie: ${name} must be ${expected} (got ${shown}); using ${using}.`);
  } catch {
    // A logger that throws must not turn a bad option into a crash.
  }
}

/** A value as an option report shows it: numbers and short plain strings as they are, else the type. */
export function describeOptionValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") {
    return value.length <= 24 && /^[\w .:+-]*$/.test(value)
      ? JSON.stringify(value)
      : `a string of ${value.length} characters`;
  }
  if (value === null) return "null";
  if (typeof value !== "object") return `a ${typeof value}`;
  try {
    return Array.isArray(value) ? "an array" : "an object";
  } catch {
    return "a revoked proxy";
  }
}
