import {
  directionIndex,
  directionSlot,
  ERROR_TYPE_OTHER,
  errorTypeIndex,
  exchangeIndex,
  outcomeIndex,
  outcomeSlot,
} from "../signals/label-index.js";
import { CUSTOM_RESOURCE, NONE } from "../signals/label-values.js";
import type { GoldenSignalStore } from "./golden-signal-store.js";
import type { MetricTable } from "./metric-table.js";

/**
 * The one attribute resolver: how a caller's attribute values become label values or slot
 * indexes, and what is dropped and counted on the way. `recordSignal()` and `series()` both call
 * it, so a value one refuses the other refuses the same way.
 *
 * Each function takes the raw value (possibly from a getter or proxy: the caller catches) and
 * the signal name under which a refusal is counted in `zoran_telemetry_dropped_total`.
 */

/** Index in EXCHANGES of `none`, the exchange of a value given none. */
export const EXCHANGE_NONE = 2;
/** Index in DIRECTIONS of `none`. */
export const DIRECTION_NONE = 2;

/** A free-text label value: strings pass (the series table scrubs them once), anything else is `none`. */
export function resolveFreeText(
  store: GoldenSignalStore,
  value: unknown,
  signal: string,
  key: string,
): string {
  if (value === undefined) return NONE;
  if (typeof value === "string") return value;
  store.drop("invalid_attribute", signal, `${key} must be a string`);
  return NONE;
}

/** Index of `exchange`; outside `ai_ai`/`ai_human`/`none` it is `none`, counted as dropped. */
export function resolveExchange(store: GoldenSignalStore, value: unknown, signal: string): number {
  return closedSet(store, exchangeIndex(value), EXCHANGE_NONE, signal, "exchange");
}

/** Index of `outcome`; outside `ok`/`error` it is `ok`, counted as dropped. */
export function resolveOutcome(store: GoldenSignalStore, value: unknown, signal: string): number {
  return closedSet(store, outcomeIndex(value), 0, signal, "outcome");
}

/** Index of `error_type`; outside the closed set it is `other`, counted as dropped. */
export function resolveErrorType(store: GoldenSignalStore, value: unknown, signal: string): number {
  return closedSet(store, errorTypeIndex(value), ERROR_TYPE_OTHER, signal, "error_type");
}

/** Index of `direction`; outside `input`/`output`/`none` it is `none`, counted as dropped. */
export function resolveDirection(store: GoldenSignalStore, value: unknown, signal: string): number {
  return closedSet(store, directionIndex(value), DIRECTION_NONE, signal, "direction");
}

/** The `resource` of a SATURATION value: a string, else `custom` (a non-string is counted). */
export function resolveResource(store: GoldenSignalStore, value: unknown): string {
  if (value === undefined) return CUSTOM_RESOURCE;
  if (typeof value === "string") return value;
  store.drop("invalid_attribute", "saturation", "resource must be a string");
  return CUSTOM_RESOURCE;
}

/**
 * The counter table a TRAFFIC value adds to, by `kind`: `bytes` (default), `tokens`, `requests`.
 * Any other kind is dropped and counted: undefined.
 */
export function resolveTrafficTable(store: GoldenSignalStore, kind: unknown): MetricTable | undefined {
  if (kind === undefined || kind === "bytes") return store.exchangeSize;
  if (kind === "tokens") return store.tokens;
  if (kind === "requests") return store.requests;
  store.drop("invalid_attribute", "traffic", "TRAFFIC kind must be bytes, tokens or requests; value dropped");
  return undefined;
}

/**
 * The slot of a TRAFFIC value in `table` (from {@link resolveTrafficTable}): by `direction` for
 * bytes and tokens, by `outcome` for requests.
 */
export function resolveTrafficSlot(
  store: GoldenSignalStore,
  table: MetricTable,
  attributes: { direction?: unknown; outcome?: unknown } | undefined,
  exchange: number,
): number {
  if (table === store.requests)
    return outcomeSlot(exchange, resolveOutcome(store, attributes?.outcome, "traffic"));
  return directionSlot(exchange, resolveDirection(store, attributes?.direction, "traffic"));
}

function closedSet(
  store: GoldenSignalStore,
  index: number,
  fallback: number,
  signal: string,
  key: string,
): number {
  if (index >= 0) return index;
  store.drop("invalid_attribute", signal, `${key} is outside its closed set`);
  return fallback;
}
