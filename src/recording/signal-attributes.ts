import type { SpanKind } from "@opentelemetry/api";
import type { Exchange } from "../signals/label-values.js";

/** Attributes `recordSignal()` and `series()` read; any other key is ignored (the allow-list). */
export interface SignalAttributes {
  /** Operation name (free text, scrubbed); inside `trace()` the span's operation is used. */
  operation?: string;
  /** `ai_ai`, `ai_human` or `none`. */
  exchange?: string;
  /** `ok` or `error` (LATENCY, TRAFFIC with kind `requests`). */
  outcome?: string;
  /** Closed set `ERROR_TYPES` (ERROR_RATE); `other` when not given. */
  error_type?: string;
  /** `bytes` (default), `tokens` or `requests` (TRAFFIC). */
  kind?: string;
  /** `input`, `output` or `none` (TRAFFIC). */
  direction?: string;
  /** Resource name (free text, scrubbed) for SATURATION. @default "custom" */
  resource?: string;
}

/** Labels of the AI-exchange counters (`zoran_refusals_total`, time to first token) outside `trace()`. */
export interface ExchangeAttributes {
  /** Operation name (free text, scrubbed); inside `trace()` the span's operation is used. */
  operation?: string;
  /** `ai_ai`, `ai_human` or `none`; inside `trace()` the operation's. */
  exchange?: string;
}

/** Options of one `trace()` call. */
export interface TraceOptions {
  /** Who talks to whom: `ai_ai` or `ai_human`. @default the enclosing operation's, else "none" */
  exchange?: Exchange;
  /** OpenTelemetry span kind. @default SpanKind.INTERNAL */
  kind?: SpanKind;
}

/**
 * Which measurements may carry an exemplar, per the OpenTelemetry exemplar filter
 * (`OTEL_METRICS_EXEMPLAR_FILTER`): those made while a sampled span is active (`trace_based`),
 * while any valid span is active (`always_on`; a measurement with no span has no trace to link,
 * so it carries none), or none (`always_off`).
 */
export type ExemplarFilter = "always_on" | "always_off" | "trace_based";
