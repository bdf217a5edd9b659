import { type Context, trace } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";

/**
 * What an incoming W3C `tracestate` header may leave on our spans. The header is written by
 * whoever calls the server, so it is caller content: a client can put
 * `user=alice.martin@example.org,phone=+33...` in it, and OpenTelemetry copies a parent's
 * tracestate onto every child span (exported in OTLP) and into every outgoing request. So
 * incoming entries are dropped, except those whose key is on an allow-list the application
 * opts into for the vendors it uses (W3C Trace Context §3.3: `tracestate` carries vendor data).
 */

/** Options of the HTTP server helpers about the incoming `tracestate` header. */
export interface TraceStateOptions {
  /**
   * Keys of the incoming `tracestate` kept on our spans and propagated further (exact match, e.g.
   * `["dd"]` for Datadog, `["tenant@vendor"]` for a multi-tenant vendor key). Every other entry
   * is dropped: it is the caller's text. Put only keys of vendors whose values carry no
   * personal data.
   * @default [] (no entry kept)
   */
  readonly traceStateKeys?: readonly string[];
}

/**
 * `context` with the remote span context's `tracestate` reduced to the keys in `allowedKeys`
 * (in the order of the allow-list), or without a `tracestate` when none is left.
 *
 * @example
 * const parent = allowTraceStateKeys(propagator.extract(ROOT_CONTEXT, headers, getter), ["dd"]);
 */
export function allowTraceStateKeys(context: Context, allowedKeys: readonly string[] | undefined): Context {
  const spanContext = trace.getSpanContext(context);
  const incoming = spanContext?.traceState;
  if (spanContext === undefined || incoming === undefined) return context;
  let kept: TraceState | undefined;
  const keys = Array.isArray(allowedKeys) ? allowedKeys : [];
  // `set` puts a key first (W3C: the newest entry leads), so the allow-list is walked backwards.
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i];
    if (typeof key !== "string") continue;
    const value = incoming.get(key);
    if (value !== undefined) kept = (kept ?? new TraceState()).set(key, value);
  }
  const { traceState: _dropped, ...rest } = spanContext;
  return trace.setSpanContext(context, kept === undefined ? rest : { ...rest, traceState: kept });
}
