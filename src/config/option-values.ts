import type { DiagLogger } from "@opentelemetry/api";

/**
 * The one bad-configuration policy: a value of the wrong type or out of range takes the default,
 * with one warning that names the option, what it must be and what is used instead. Nothing here
 * throws, so a typo in an option can never crash the application later.
 */

/** Longest delay Node's timers accept: past 2^31 - 1 ms, `setTimeout` fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

function refuse(diag: DiagLogger, name: string, must: string, value: unknown, fallback: unknown): void {
  diag.warn(
    `zoran-telemetrie: option ${name} must be ${must}; got ${describeValue(value)}, using ${describeValue(fallback)}`,
  );
}

/** A short, content-free description of a configuration value (never a secret's text). */
function describeValue(value: unknown): string {
  if (value === undefined) return "the default";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return `a string of ${value.length} characters`;
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : typeof value;
}

/**
 * A whole number in [min, max]; `undefined` gives `fallback` silently, anything else outside
 * gives `fallback` with a warning. Durations in milliseconds default `max` to what timers accept.
 */
export function integerOption(
  diag: DiagLogger,
  name: string,
  value: unknown,
  fallback: number,
  range: { readonly min?: number; readonly max?: number } = {},
): number {
  if (value === undefined) return fallback;
  const min = range.min ?? 1;
  const max = range.max ?? MAX_TIMER_MS;
  if (typeof value === "number" && Number.isInteger(value) && value >= min) {
    if (value <= max) return value;
    diag.warn(`zoran-telemetrie: option ${name} is above ${max}; using ${max}`);
    return max;
  }
  refuse(diag, name, `a whole number >= ${min}`, value, fallback);
  return fallback;
}

/** `true` or `false`; anything else (but `undefined`) warns and gives `fallback`. */
export function booleanOption(diag: DiagLogger, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === "boolean") return value;
  refuse(diag, name, "true or false", value, fallback);
  return fallback;
}

/** A plain object, or `undefined` (with a warning when something else was given). */
export function objectOption<T extends object>(
  diag: DiagLogger,
  name: string,
  value: unknown,
): T | undefined {
  if (value === undefined) return undefined;
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as T;
  refuse(diag, name, "an object", value, undefined);
  return undefined;
}

/** A non-empty string, or `undefined` (with a warning when something else was given). */
export function stringOption(diag: DiagLogger, name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && value.trim() !== "") return value;
  refuse(diag, name, "a non-empty string", value, undefined);
  return undefined;
}

/** An environment variable's trimmed value, or `undefined` when unset or blank. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/** A boolean environment variable the OpenTelemetry way (only "true", case-insensitive, is true). */
export function envFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  return envValue(env, name)?.toLowerCase() === "true";
}

/**
 * A whole decimal number in [min, max] from the environment, or `undefined` when unset. A value
 * that is not one (`abc`, `-1`, `0x10`, `99999` for a port) is reported once and ignored.
 */
export function envInteger(
  diag: DiagLogger,
  env: NodeJS.ProcessEnv,
  name: string,
  range: { readonly min: number; readonly max: number },
): number | undefined {
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (value >= range.min && value <= range.max) return value;
  diag.warn(
    `zoran-telemetrie: ${name}=${raw.length > 16 ? `${raw.slice(0, 16)}...` : raw} is not a whole number from ${range.min} to ${range.max}; ignored`,
  );
  return undefined;
}
