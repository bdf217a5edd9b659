import { type Context, ROOT_CONTEXT, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { allowTraceStateKeys } from "../privacy/trace-state-allow-list.js";

/**
 * Request headers as the HTTP helpers meet them: Node's `IncomingHttpHeaders` (lower-case keys,
 * arrays for repeated headers) or a Fetch API `Headers`.
 */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

// W3C Trace Context only (traceparent/tracestate): the helpers work without `register()`, so they
// carry their own propagator instead of reading OpenTelemetry's global one (a no-op until registered).
const PROPAGATOR = new W3CTraceContextPropagator();

const HEADER_GETTER: TextMapGetter<HeaderSource> = {
  keys(carrier) {
    return carrier instanceof Headers ? [...carrier.keys()] : Object.keys(carrier);
  },
  get(carrier, key) {
    if (carrier instanceof Headers) return carrier.get(key) ?? undefined;
    const value = carrier[key];
    return typeof value === "string" ? value : value === undefined ? undefined : [...value];
  },
};

const HEADERS_SETTER: TextMapSetter<Headers> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

/**
 * The remote parent carried by incoming `traceparent`/`tracestate` headers, as a context to
 * start a server span under; the root context when the headers are absent or malformed. Of the
 * incoming `tracestate`, only the entries whose keys are in `traceStateKeys` are kept: the rest
 * is the caller's text, which our spans would export and our outgoing calls propagate.
 */
export function extractTraceContext(headers: HeaderSource, traceStateKeys?: readonly string[]): Context {
  return allowTraceStateKeys(PROPAGATOR.extract(ROOT_CONTEXT, headers, HEADER_GETTER), traceStateKeys);
}

/** Writes `traceparent` (and `tracestate`) for the span active in `context` into outgoing `headers`. */
export function injectTraceContext(context: Context, headers: Headers): void {
  PROPAGATOR.inject(context, headers, HEADERS_SETTER);
}
