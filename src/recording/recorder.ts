import type { ContextManager, DiagLogger, Meter, Span, Tracer } from "@opentelemetry/api";
import type { GoldenSignal } from "../signals/golden-signals.js";
import type { SignalAttributes, TraceOptions } from "./signal-attributes.js";
import type { SignalHandle } from "./signal-handle.js";

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
