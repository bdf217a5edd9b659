import type { DiagLogger } from "@opentelemetry/api";
import { reportBadOption } from "./report-bad-option.js";

/** What {@link countOption} needs to know about one option. */
export interface CountOptionSpec {
  /** The option as the user writes it, for the report: `otlp.maxRetainedSpans`. */
  readonly name: string;
  /** Used when the option is absent or bad. */
  readonly defaultValue: number;
  /** @default 1 */
  readonly min?: number;
  /** @default Number.MAX_SAFE_INTEGER */
  readonly max?: number;
}

/**
 * A whole-number option (buffer sizes, file counts, byte limits) with the bad-value policy of
 * `durationOption`: absent gives the default silently; a wrong type, NaN or a value below `min`
 * gives the default, reported once through `diag.warn`; above `max` is clamped, reported once;
 * fractions are rounded down. Never throws.
 */
export function countOption(value: unknown, spec: CountOptionSpec, diag: DiagLogger | undefined): number {
  if (value === undefined) return spec.defaultValue;
  const min = spec.min ?? 1;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  const expected = `a whole number from ${min} to ${max}`;
  if (typeof value !== "number" || Number.isNaN(value) || Math.floor(value) < min) {
    reportBadOption(diag, spec.name, value, expected, String(spec.defaultValue));
    return spec.defaultValue;
  }
  const count = Math.floor(value);
  if (count > max) {
    reportBadOption(diag, spec.name, value, expected, String(max));
    return max;
  }
  return count;
}
