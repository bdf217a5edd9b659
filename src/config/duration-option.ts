import type { DiagLogger } from "@opentelemetry/api";
import { reportBadOption } from "./report-bad-option.js";

/**
 * Durations as options and rule files write them: Prometheus syntax (`30s`, `5m`, `1h30m`, `3d`,
 * `1w`, `250ms`) or a number of milliseconds.
 */
export type Duration = string | number;

/**
 * Longest delay Node's timers accept, in milliseconds (2^31 - 1, about 24.8 days): past it
 * `setTimeout`/`setInterval` print a TimeoutOverflowWarning and fire after 1 ms instead, so
 * `json: { intervalMs: 2 ** 32 }` used to write a snapshot every millisecond.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

// Prometheus duration grammar: one or more <number><unit>, largest unit first (model/time.go).
const DURATION_PATTERN = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const PATTERN_UNITS = ["y", "w", "d", "h", "m", "s", "ms"] as const;

/**
 * Milliseconds of a {@link Duration}, or `undefined` when it is not one (negative, not finite,
 * empty, not Prometheus syntax, not a number or string). The one duration parser: rule files,
 * alerting and exporter options all read durations through it.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string" || value === "" || value.length > 64) return undefined;
  if (value === "0") return 0;
  const match = DURATION_PATTERN.exec(value);
  if (match === null) return undefined;
  let ms = 0;
  PATTERN_UNITS.forEach((unit, i) => {
    const count = match[i + 1];
    if (count !== undefined) ms += Number(count) * (UNIT_MS[unit] ?? 0);
  });
  return Number.isFinite(ms) ? ms : undefined;
}

/** What {@link durationOption} needs to know about one option. */
export interface DurationOptionSpec {
  /** The option as the user writes it, for the report: `json.intervalMs`, `OTEL_METRIC_EXPORT_INTERVAL`. */
  readonly name: string;
  /** Used when the option is absent or bad, in milliseconds. */
  readonly defaultMs: number;
  /** Shortest accepted value, in milliseconds; shorter ones are raised to it. @default 1 */
  readonly minMs?: number;
  /** Longest accepted value, in milliseconds; longer ones are lowered to it. @default MAX_TIMER_MS */
  readonly maxMs?: number;
}

/**
 * A duration option in whole milliseconds that timers accept, with one bad-value policy:
 *
 * - absent (`undefined`): the default, silently;
 * - not a duration (a wrong type, NaN, a negative number, 0, text that is not Prometheus syntax):
 *   the default, reported once through `diag.warn`;
 * - out of range (below `minMs` or above `maxMs`, e.g. 2^32): clamped to the range, reported once;
 * - fractions are rounded to whole milliseconds (`AbortSignal.timeout` refuses 1.5).
 *
 * Never throws. `diag` is the collector's logger (the report names the option and what is used).
 *
 * @example
 * const intervalMs = durationOption(options.intervalMs, { name: "json.intervalMs", defaultMs: 60_000 }, diag);
 */
export function durationOption(
  value: unknown,
  spec: DurationOptionSpec,
  diag: DiagLogger | undefined,
): number {
  return resolveDuration(value, spec, diag) ?? clampDefault(spec);
}

/**
 * The first usable duration among `candidates`, in order (e.g. the option, then its environment
 * variable), with the policy of {@link durationOption} for each: absent ones are skipped, bad ones
 * reported once and skipped, out-of-range ones clamped. The default when none is usable.
 * Environment values are text: a number of milliseconds (`"60000"`) or Prometheus syntax.
 */
export function durationFrom(
  candidates: readonly { readonly name: string; readonly value: unknown }[],
  spec: Omit<DurationOptionSpec, "name">,
  diag: DiagLogger | undefined,
): number {
  for (const { name, value } of candidates) {
    const ms = resolveDuration(value, { ...spec, name }, diag);
    if (ms !== undefined) return ms;
  }
  return clampDefault(spec);
}

/** The value of an environment variable as a duration candidate: unset or blank is absent; numeric text is milliseconds. */
export function envDuration(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const number = Number(trimmed);
  return Number.isNaN(number) ? trimmed : number;
}

function resolveDuration(
  value: unknown,
  spec: DurationOptionSpec,
  diag: DiagLogger | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  const minMs = Math.max(1, spec.minMs ?? 1);
  const maxMs = Math.min(MAX_TIMER_MS, spec.maxMs ?? MAX_TIMER_MS);
  const range = `a duration from ${minMs} to ${maxMs} ms (a number of milliseconds or "30s", "5m", "1h")`;
  const parsed = parseDuration(value);
  if (parsed === undefined || parsed === 0) {
    reportBadOption(diag, spec.name, value, range, `${clampDefault(spec)} ms`);
    return undefined;
  }
  const ms = Math.round(parsed);
  if (ms < minMs || ms > maxMs) {
    const clamped = Math.min(maxMs, Math.max(minMs, ms));
    reportBadOption(diag, spec.name, value, range, `${clamped} ms`);
    return clamped;
  }
  return ms;
}

function clampDefault(spec: Omit<DurationOptionSpec, "name">): number {
  const minMs = Math.max(1, spec.minMs ?? 1);
  const maxMs = Math.min(MAX_TIMER_MS, spec.maxMs ?? MAX_TIMER_MS);
  return Math.min(maxMs, Math.max(minMs, Math.round(spec.defaultMs)));
}
