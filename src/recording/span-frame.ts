import {
  type Context,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  type Span,
  trace as traceApi,
} from "@opentelemetry/api";

// `@opentelemetry/api` keys the active span with `createContextKey("OpenTelemetry Context Key
// SPAN")`, which is `Symbol.for(description)` (api 1.x). Checked once below, against the API's
// own `trace.getSpan`: if a version ever keys it otherwise, `withSpan` falls back to `setSpan`.
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");

/**
 * A context that is `parent` plus an active span, without copying `parent`'s values:
 * `Context.setValue` copies the whole Map of the parent (~90 ns here, docs/benchmarks.md, trace()
 * section), and `trace()` enters a new span context on every call. Reads of other keys go to the
 * parent; a write below it (rare) makes a real context first.
 */
class SpanFrame implements Context {
  constructor(
    private readonly parent: Context,
    private readonly span: Span,
  ) {}

  getValue(key: symbol): unknown {
    return key === SPAN_KEY ? this.span : this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.parent.setValue(SPAN_KEY, this.span).setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    if (key === SPAN_KEY) return this.parent.deleteValue(key);
    return this.parent.setValue(SPAN_KEY, this.span).deleteValue(key);
  }
}

const PROBE = traceApi.wrapSpanContext(INVALID_SPAN_CONTEXT);
const FRAMES_WORK = traceApi.getSpan(new SpanFrame(ROOT_CONTEXT, PROBE)) === PROBE;

/** `parent` with `span` active: what `trace.setSpan(parent, span)` returns, without the copy. */
export function withSpan(parent: Context, span: Span): Context {
  return FRAMES_WORK ? new SpanFrame(parent, span) : traceApi.setSpan(parent, span);
}
