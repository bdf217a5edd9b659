import type { Context, SpanContext } from "@opentelemetry/api";
import type { Recorder } from "../recording/recorder.js";
import type { SignalHandle } from "../recording/signal-handle.js";
import { GoldenSignals } from "../signals/golden-signals.js";
import type { ErrorType, Exchange } from "../signals/label-values.js";

/** How one HTTP exchange ended (a server request, a client call), as its golden signals need it. */
export interface HttpExchangeEnd {
  /** Duration, in seconds. */
  readonly seconds: number;
  /** Error type, or undefined for a success. */
  readonly errorType: ErrorType | undefined;
  /** Bytes sent by the caller (`input` traffic), when known. */
  readonly requestBytes?: number | undefined;
  /** Bytes of the answer (`output` traffic), when known at the end. */
  readonly responseBytes?: number | undefined;
}

/** A recorder that makes pre-resolved series handles. */
export type HandleRecorder = Recorder & Required<Pick<Recorder, "series">>;

/**
 * The golden signals of one HTTP operation (`GET /users/:id` on a server, `POST api.openai.com`
 * from a client) through pre-resolved series handles, each made on first use: one request with
 * its outcome, one latency observation, request and response bytes. A request then records
 * with a few typed-array updates instead of four attribute resolutions (bench/middleware.bench.ts).
 * Handles record outside any enclosing `trace()` by definition and read no context: the
 * exchange's span is passed as the exemplar.
 */
export class OperationSignals {
  private latencyOk: SignalHandle | undefined;
  private latencyError: SignalHandle | undefined;
  private requestOk: SignalHandle | undefined;
  private readonly errors = new Map<ErrorType, SignalHandle>();
  private bytesIn: SignalHandle | undefined;
  private bytesOut: SignalHandle | undefined;

  constructor(
    private readonly recorder: HandleRecorder,
    /** The scrubbed operation name. */
    readonly operation: string,
    private readonly exchange: Exchange | undefined,
  ) {}

  /** Records how the exchange ended; `exemplar`: its span. */
  record(end: HttpExchangeEnd, exemplar: SpanContext): void {
    const { recorder, operation, exchange } = this;
    const errorType = end.errorType;
    if (errorType === undefined) {
      this.latencyOk ??= recorder.series(GoldenSignals.LATENCY, { operation, exchange, outcome: "ok" });
      this.latencyOk.record(end.seconds, exemplar);
      this.requestOk ??= recorder.series(GoldenSignals.ERROR_RATE, { operation, exchange });
      this.requestOk.record(0, exemplar);
    } else {
      this.latencyError ??= recorder.series(GoldenSignals.LATENCY, { operation, exchange, outcome: "error" });
      this.latencyError.record(end.seconds, exemplar);
      let errors = this.errors.get(errorType);
      if (errors === undefined) {
        errors = recorder.series(GoldenSignals.ERROR_RATE, { operation, exchange, error_type: errorType });
        this.errors.set(errorType, errors);
      }
      errors.record(1, exemplar);
    }
    if (end.requestBytes !== undefined) {
      this.bytesIn ??= this.bytes("input");
      this.bytesIn.record(end.requestBytes);
    }
    if (end.responseBytes !== undefined) this.responseBytes(end.responseBytes);
  }

  /** Records answer bytes known only later (a body counted as it is sent or read). */
  responseBytes(bytes: number): void {
    this.bytesOut ??= this.bytes("output");
    this.bytesOut.record(bytes);
  }

  private bytes(direction: "input" | "output"): SignalHandle {
    return this.recorder.series(GoldenSignals.TRAFFIC, {
      operation: this.operation,
      exchange: this.exchange,
      kind: "bytes",
      direction,
    });
  }
}

/**
 * The same signals through `recordSignal()`, for a recorder without `series()` or past an
 * adapter's cache bound. In `context` (the exchange's span: the exemplar) and outside any
 * operation: this exchange is its own operation, and must not overwrite the held latency or error
 * of an operation that happens to be active where it ended.
 */
export function recordOperationSignals(
  recorder: Recorder,
  context: Context,
  operation: string,
  exchange: Exchange | undefined,
  end: HttpExchangeEnd,
): void {
  recorder.enterOutsideOperation(context, () => {
    const errorType = end.errorType;
    recorder.recordSignal(GoldenSignals.LATENCY, end.seconds, {
      operation,
      exchange,
      outcome: errorType === undefined ? "ok" : "error",
    });
    recorder.recordSignal(GoldenSignals.ERROR_RATE, errorType === undefined ? 0 : 1, {
      operation,
      exchange,
      error_type: errorType,
    });
    if (end.requestBytes !== undefined) recordBytes(recorder, operation, exchange, "input", end.requestBytes);
    if (end.responseBytes !== undefined)
      recordBytes(recorder, operation, exchange, "output", end.responseBytes);
  });
}

/** Answer bytes known only later, through `recordSignal()` (see {@link recordOperationSignals}). */
export function recordResponseBytes(
  recorder: Recorder,
  context: Context,
  operation: string,
  exchange: Exchange | undefined,
  bytes: number,
): void {
  recorder.enterOutsideOperation(context, () => recordBytes(recorder, operation, exchange, "output", bytes));
}

function recordBytes(
  recorder: Recorder,
  operation: string,
  exchange: Exchange | undefined,
  direction: "input" | "output",
  bytes: number,
): void {
  recorder.recordSignal(GoldenSignals.TRAFFIC, bytes, { operation, exchange, kind: "bytes", direction });
}
