import type { Span } from "@opentelemetry/api";
import { ERROR_TYPE_OTHER } from "../signals/label-index.js";

/**
 * The golden signals of one operation in flight inside `trace()`, carried across async calls in
 * the recorder's own AsyncLocalStorage (not in the OpenTelemetry context: reading it is one
 * `getStore()`, ~3 ns, where `context.active().getValue()` is a Map lookup and entering it a Map
 * copy, ~90 ns; docs/benchmarks.md), so that `recordSignal()` calls anywhere below it attach to it.
 *
 * LATENCY and ERROR_RATE values recorded inside are held here until the span ends, the last
 * one winning (one operation = one request, README "Use"); the operation is counted once at the end.
 */
export class OperationScope {
  /** Explicit latency in seconds, or -1 when none was recorded (the measured one is used). */
  latencySeconds = -1;
  /** Explicit error share in [0, 1], or -1 when none was recorded. */
  errorShare = -1;
  /** Index in ERROR_TYPES of the explicit error, when `errorShare` > 0. */
  // Not named `errorTypeIndex`: the CommonJS build (tsup's ESM-to-CJS pass over split chunks)
  // rewrote a class field of the same name as an export of the same chunk into an assignment
  // to that export, so `errorTypeIndex()` became a number under require() (test/package).
  errorType = ERROR_TYPE_OTHER;

  constructor(
    /** Scrubbed operation name, the `operation` label. */
    readonly operation: string,
    /** Index in EXCHANGES of the `exchange` label. */
    readonly exchangeIndex: number,
    /**
     * `performance.now()` at the start, in milliseconds; NaN when the span times the operation
     * (a recording span: its own `duration` is the latency, no clock read of ours).
     */
    readonly startMs: number,
    /** The operation's span; undefined with tracing off. */
    readonly span: Span | undefined,
  ) {}
}
