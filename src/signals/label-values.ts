/**
 * The closed label-value sets of the golden-signal metrics. Free-text labels
 * (`operation`, `resource`) are scrubbed instead; every other label takes one of these values.
 */

/** Value of a label that the caller did not give (`operation`, `exchange`, `direction`). */
export const NONE = "none";

/** Who talks to whom in an exchange. */
export const EXCHANGES = Object.freeze(["ai_ai", "ai_human", NONE] as const);
export type Exchange = (typeof EXCHANGES)[number];

/** How an operation ended. */
export const OUTCOMES = Object.freeze(["ok", "error"] as const);
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Why an operation failed: a closed set, `other` for anything else. `provider_error` (turn 2) is
 * an upstream failure (a provider 5xx, a cut connection), kept apart from `crash`, which is an
 * exception of the caller's own code.
 */
export const ERROR_TYPES = Object.freeze([
  "invalid_response",
  "unjustified_refusal",
  "crash",
  "timeout",
  "rate_limited",
  "provider_error",
  "other",
] as const);
export type ErrorType = (typeof ERROR_TYPES)[number];

/** Which way traffic flows, seen from the instrumented service. */
export const DIRECTIONS = Object.freeze(["input", "output", NONE] as const);
export type Direction = (typeof DIRECTIONS)[number];

/** The unit a TRAFFIC value counts. */
export const TRAFFIC_KINDS = Object.freeze(["bytes", "tokens", "requests"] as const);
export type TrafficKind = (typeof TRAFFIC_KINDS)[number];

/** Resources the automatic saturation probes report. */
export const PROBE_RESOURCES = Object.freeze(["cpu", "memory", "event_loop", "io"] as const);
export type ProbeResource = (typeof PROBE_RESOURCES)[number];

/** Resource name of a SATURATION value recorded without one. */
export const CUSTOM_RESOURCE = "custom";

/** Label set on the one series that takes every value past an instrument's cardinality limit. */
export const OVERFLOW_ATTRIBUTE = "otel_metric_overflow";
