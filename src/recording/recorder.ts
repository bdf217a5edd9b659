import type { Context, ContextManager, DiagLogger, Meter, Span, Tracer } from "@opentelemetry/api";
import type { GoldenSignal } from "../signals/golden-signals.js";
import type { StoreMetricSource } from "./golden-signal-store.js";
import type { ExchangeAttributes, SignalAttributes, TraceOptions } from "./signal-attributes.js";
import type { SignalHandle } from "./signal-handle.js";

/**
 * Where code runs, captured to be re-entered later (a stream's steps, a callback): the
 * OpenTelemetry context (active span, baggage) and the `trace()` operation in flight there.
 */
export interface CapturedContext {
  /** The OpenTelemetry context. */
  readonly context: Context;
  /** The operation in flight (opaque), or undefined outside any `trace()`. */
  readonly operation: unknown;
}

/**
 * What instrumentation needs from a collector: record signals, run operations, start spans, and
 * carry context. `instrument/` depends on this, never on the collector class, so helpers can be
 * tested with any recorder and the collector stays the composition root.
 */
export interface Recorder {
  /** Records one golden-signal value (see `TelemetryCollector.recordSignal`). Never throws. */
  recordSignal(signal: GoldenSignal, value: number, attributes?: SignalAttributes): void;
  /**
   * A pre-resolved series handle (see `TelemetryCollector.series`). Optional: the HTTP adapters
   * keep one per route when the recorder has it, and fall back to `recordSignal()` otherwise.
   */
  series?(signal: GoldenSignal, attributes?: SignalAttributes): SignalHandle;
  /** Counts one detected model refusal in `zoran_refusals_total` (inside `trace()`: the operation's labels). Never throws. */
  recordRefusal(attributes?: ExchangeAttributes): void;
  /** Observes a streamed AI call's time to first token, in seconds (`zoran_time_to_first_token_seconds`). Never throws. */
  recordTimeToFirstToken(seconds: number, attributes?: ExchangeAttributes): void;
  /**
   * @internal Adds metrics collected with the golden signals (the GenAI semantic-convention
   * histograms, recorded through pre-resolved handles rather than the SDK's attribute hashing).
   */
  addMetricSource(source: StoreMetricSource): void;
  /**
   * @internal Starts one operation whose end is decided elsewhere (see `SignalRecorder.startOperation`);
   * undefined when the collector is disabled.
   */
  startOperation(name: string, options?: TraceOptions): OpenOperation | undefined;
  /** Runs `fn` as one operation in a span (see `TelemetryCollector.trace`). */
  trace<T>(name: string, fn: (span: Span) => T, options?: TraceOptions): T;
  /**
   * The current place: OpenTelemetry context and operation. Re-enter it with {@link enter}
   * (e.g. each step of a stream produced inside `trace()`).
   */
  capture(): CapturedContext;
  /** Runs `fn` in a captured place: its OpenTelemetry context and its operation, if any. */
  enter<T>(captured: CapturedContext, fn: () => T): T;
  /**
   * Runs `fn` in OpenTelemetry context `context`, outside any operation: signals recorded in it
   * are their own operation's (an HTTP request's handler, a fetch call's result), not held by an
   * enclosing `trace()`. Their exemplars come from the span in `context`.
   */
  enterOutsideOperation<T>(context: Context, fn: () => T): T;
  /** The tracer instrumentation starts its spans with (non-recording with tracing off). */
  readonly tracer: Tracer;
  /** The meter of the application's and the instrumentation's own instruments. */
  readonly meter: Meter;
  /** The context manager (AsyncLocalStorage) carrying spans across async calls. */
  readonly contextManager: ContextManager;
  /** The collector's one logger (loud by default; see `createTelemetryLogger`). */
  readonly diag: DiagLogger;
}

/** An operation in progress, started by `startOperation()`: what `trace()` keeps for its `fn`. */
export interface OpenOperation {
  /** Where its work runs (its OpenTelemetry context and the operation): `enter()` it. */
  readonly captured: CapturedContext;
  /** Its OpenTelemetry context (its span active). */
  readonly context: Context;
  /** Its span (non-recording with tracing off). */
  readonly span: Span;
  /** Counts it once, now: a success, or a `crash` with `failure.error`'s type on the span. */
  end(failure?: { readonly error: unknown }): void;
}
