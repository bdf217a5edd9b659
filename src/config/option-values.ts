import type { DiagLogger } from "@opentelemetry/api";
import { reportBadOption } from "./report-bad-option.js";

/**
 * The one bad-configuration policy, for options that are neither durations (`duration-option.ts`)
 * nor counts (`count-option.ts`): a value of the wrong type takes the default, reported once
 * through `reportBadOption`. Nothing here throws, so a typo in an option never crashes the
 * application later.
 */

/** `true` or `false`; anything else (but `undefined`) is reported and gives `fallback`. */
export function booleanOption(diag: DiagLogger, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === "boolean") return value;
  reportBadOption(diag, `option ${name}`, value, "true or false", String(fallback));
  return fallback;
}

/** A plain object, or `undefined` (reported when something else was given). */
export function objectOption<T extends object>(
  diag: DiagLogger,
  name: string,
  value: unknown,
): T | undefined {
  if (value === undefined) return undefined;
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as T;
  reportBadOption(diag, `option ${name}`, value, "an object", "the default");
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
  reportBadOption(diag, name, raw, `a whole number from ${range.min} to ${range.max}`, "the default");
  return undefined;
}
