import type { Context, ContextManager, DiagLogger, Meter, Span, Tracer } from "@opentelemetry/api";
import type { GoldenSignal } from "../signals/golden-signals.js";
import type { StoreMetricSource } from "./golden-signal-store.js";
import type { ExchangeAttributes, SignalAttributes, TraceOptions } from "./signal-attributes.js";

/**
 * What instrumentation needs from a collector: record signals, run operations, start spans, and
 * carry context. `instrument/` depends on this, never on the collector class, so helpers can be
 * tested with any recorder and the collector stays the composition root.
 */
export interface Recorder {
  /** Records one golden-signal value (see `TelemetryCollector.recordSignal`). Never throws. */
  recordSignal(signal: GoldenSignal, value: number, attributes?: SignalAttributes): void;
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
  /** The tracer instrumentation starts its spans with (non-recording with tracing off). */
  readonly tracer: Tracer;
  /** The meter of the application's and the instrumentation's own instruments. */
  readonly meter: Meter;
  /** The context manager (AsyncLocalStorage) carrying spans and operations across async calls. */
  readonly contextManager: ContextManager;
  /** The collector's one logger (loud by default; see `createTelemetryLogger`). */
  readonly diag: DiagLogger;
}

/** An operation in progress, started by `startOperation()`: what `trace()` keeps for its `fn`. */
export interface OpenOperation {
  /** The operation's context (its scope and span): run its work in it. */
  readonly context: Context;
  /** Its span (non-recording with tracing off). */
  readonly span: Span;
  /** Counts it once, now: a success, or a `crash` with `failure.error`'s type on the span. */
  end(failure?: { readonly error: unknown }): void;
}
