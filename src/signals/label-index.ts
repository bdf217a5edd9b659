import { DIRECTIONS, ERROR_TYPES, EXCHANGES, OUTCOMES } from "./label-values.js";

/**
 * Closed-set label values to small integers, so a series is found by array index.
 * Each returns -1 for a value outside its set; `undefined` means "not given" and takes the default.
 * Written as comparisons, not a Map: measured faster for sets of <= 6 short strings.
 */

/** `ai_ai` 0, `ai_human` 1, `none` (or not given) 2. */
export function exchangeIndex(value: unknown): number {
  if (value === undefined || value === "none") return 2;
  if (value === "ai_ai") return 0;
  if (value === "ai_human") return 1;
  return -1;
}

/** `ok` (or not given) 0, `error` 1. */
export function outcomeIndex(value: unknown): number {
  if (value === undefined || value === "ok") return 0;
  if (value === "error") return 1;
  return -1;
}

/** Position in {@link ERROR_TYPES}; not given is `other`. */
export function errorTypeIndex(value: unknown): number {
  if (value === undefined) return ERROR_TYPE_OTHER;
  if (typeof value !== "string") return -1;
  return (ERROR_TYPES as readonly string[]).indexOf(value);
}

/** `input` 0, `output` 1, `none` (or not given) 2. */
export function directionIndex(value: unknown): number {
  if (value === undefined || value === "none") return 2;
  if (value === "input") return 0;
  if (value === "output") return 1;
  return -1;
}

export const EXCHANGE_COUNT = EXCHANGES.length;
export const OUTCOME_COUNT = OUTCOMES.length;
export const ERROR_TYPE_COUNT = ERROR_TYPES.length;
export const DIRECTION_COUNT = DIRECTIONS.length;
/** Index of `error` in {@link OUTCOMES}. */
export const OUTCOME_ERROR = 1;
/** Index of `crash` in {@link ERROR_TYPES}. */
export const ERROR_TYPE_CRASH = ERROR_TYPES.indexOf("crash");
/** Index of `other` in {@link ERROR_TYPES}. */
export const ERROR_TYPE_OTHER = ERROR_TYPES.indexOf("other");

/*
 * Series slots: a metric's closed-set labels as one array index, exchange-major. The store lays
 * out its slot arrays, and builds each series' labels, by these same functions.
 *
 *   requests/latency: slot = exchange * 2 + outcome      (6 slots)
 *   errors:           slot = exchange * 7 + error_type   (21 slots)
 *   tokens/bytes:     slot = exchange * 3 + direction    (9 slots)
 */

/** Slot of `zoran.requests` / `zoran.latency` for an exchange and an outcome index. */
export function outcomeSlot(exchange: number, outcome: number): number {
  return exchange * OUTCOME_COUNT + outcome;
}

/** Slot of `zoran.errors` for an exchange and an error-type index. */
export function errorTypeSlot(exchange: number, errorType: number): number {
  return exchange * ERROR_TYPE_COUNT + errorType;
}

/** Slot of `zoran.tokens` / `zoran.exchange.size` for an exchange and a direction index. */
export function directionSlot(exchange: number, direction: number): number {
  return exchange * DIRECTION_COUNT + direction;
}
