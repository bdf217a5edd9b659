import { performance } from "node:perf_hooks";
import {
  type Context,
  INVALID_SPAN_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  trace as traceApi,
} from "@opentelemetry/api";
import { ATTR_ERROR_TYPE, ATTR_EXCEPTION_TYPE } from "@opentelemetry/semantic-conventions";
import { describeError } from "../privacy/describe-error.js";
import { type GoldenSignal, GoldenSignals } from "../signals/golden-signals.js";
import {
  ERROR_TYPE_CRASH,
  errorTypeSlot,
  exchangeIndex,
  OUTCOME_ERROR,
  outcomeSlot,
} from "../signals/label-index.js";
import { ERROR_TYPES, EXCHANGES } from "../signals/label-values.js";
import {
  EXCHANGE_NONE,
  resolveErrorType,
  resolveExchange,
  resolveFreeText,
  resolveOutcome,
  resolveResource,
  resolveTrafficSlot,
  resolveTrafficTable,
} from "./attribute-resolver.js";
import { errorTypeName } from "./error-type-name.js";
import { countRefusal, observeTimeToFirstToken } from "./exchange-signals.js";
import type { GoldenSignalStore, StoreMetricSource } from "./golden-signal-store.js";
import { createOpenOperation } from "./open-operation.js";
import { ContextFrame, exemplarEligible, type OperationContextManager } from "./operation-context-manager.js";
import { OperationScope } from "./operation-scope.js";
import type { CapturedContext, OpenOperation } from "./recorder.js";
import type { ExchangeAttributes, SignalAttributes, TraceOptions } from "./signal-attributes.js";
import { createSignalHandle, type SignalHandle } from "./signal-handle.js";
import type { SignalRecorderOptions } from "./signal-recorder-options.js";
import { withSpan } from "./span-frame.js";

const SIGNAL_NAMES: ReadonlySet<string> = new Set(Object.values(GoldenSignals));

/** The span `trace()` hands `fn` when tracing is off or the collector is disabled. */
export const NON_RECORDING_SPAN: Span = traceApi.wrapSpanContext(INVALID_SPAN_CONTEXT);

// Span options of trace(), one frozen object per kind: no object per call. The exchange is set
// with `setAttribute` after the start instead of `options.attributes`: the SDK sanitizes an
// attributes option twice and copies it (~300-500 ns measured here, bench/trace.bench.ts), where
// one known string attribute needs none of it. Samplers and `onStart` processors do not see it.
const SPAN_OPTIONS: readonly SpanOptions[] = [
  SpanKind.INTERNAL,
  SpanKind.SERVER,
  SpanKind.CLIENT,
  SpanKind.PRODUCER,
  SpanKind.CONSUMER,
].map((kind) => Object.freeze({ kind }));

/**
 * The recording kernel: `recordSignal()`, `series()` and `trace()` over the golden-signal store.
 * Never throws into the caller (but for `trace()` given a non-function): bad input is dropped,
 * reported once and counted by the store.
 */
export class SignalRecorder {
  private readonly store: GoldenSignalStore;
  private readonly contextManager: OperationContextManager;
  private readonly tracer: Tracer | undefined;
  private readonly disabled: boolean;
  /** Exemplars only from sampled spans (`trace_based`), or from any valid span (`always_on`). */
  private readonly sampledOnly: boolean;
  /** The filter lets some measurements through and the store keeps exemplars. */
  private readonly exemplars: boolean;
  private lastName: string | undefined;
  private lastOperation = "";

  constructor(options: SignalRecorderOptions) {
    this.store = options.store;
    this.contextManager = options.contextManager;
    this.tracer = options.tracer;
    this.disabled = options.disabled;
    const filter = options.exemplarFilter ?? "trace_based";
    this.sampledOnly = filter !== "always_on";
    this.exemplars = filter !== "always_off" && options.store.latency.exemplars !== undefined;
  }

  /** See `TelemetryCollector.recordSignal`. */
  recordSignal(signal: GoldenSignal, value: number, attributes?: SignalAttributes): void {
    if (this.disabled) return;
    try {
      switch (signal) {
        case "latency":
          this.recordLatency(value, attributes);
          return;
        case "error_rate":
          this.recordErrorRate(value, attributes);
          return;
        case "traffic":
          this.recordTraffic(value, attributes);
          return;
        case "saturation":
          this.recordSaturation(value, attributes);
          return;
        default:
          this.store.drop(
            "unknown_signal",
            "unknown",
            `recordSignal() takes one of ${[...SIGNAL_NAMES].join(", ")} (use GoldenSignals.*)`,
          );
      }
    } catch (error) {
      // Attribute getters and proxies can throw; the caller's code must not see it.
      this.store.drop(
        "internal_error",
        typeof signal === "string" && SIGNAL_NAMES.has(signal) ? signal : "unknown",
        describeError(error),
      );
    }
  }

  /** See `TelemetryCollector.series`. */
  series(signal: GoldenSignal, attributes?: SignalAttributes): SignalHandle {
    return createSignalHandle(
      this.store,
      signal,
      attributes,
      this.disabled,
      this.exemplars ? { sampledOnly: this.sampledOnly } : undefined,
    );
  }

  /** See `Recorder.capture`. */
  capture(): CapturedContext {
    return this.contextManager.capture();
  }

  /** See `Recorder.enter`. */
  enter<T>(captured: CapturedContext, fn: () => T): T {
    const frame =
      captured instanceof ContextFrame
        ? captured
        : new ContextFrame(
            captured.context,
            captured.operation instanceof OperationScope ? captured.operation : undefined,
          );
    return this.contextManager.run(frame, fn);
  }

  /** See `Recorder.enterOutsideOperation`. */
  enterOutsideOperation<T>(context: Context, fn: () => T): T {
    return this.contextManager.run(new ContextFrame(context, undefined), fn);
  }

  /** See `TelemetryCollector.trace`. */
  trace<T>(name: string, fn: (span: Span) => T, options?: TraceOptions): T {
    if (typeof fn !== "function") {
      // The name is caller text: never quoted (it may hold personal data).
      throw new TypeError(`zoran-telemetrie: trace(name, fn) needs a function, got ${typeof fn}`);
    }
    if (this.disabled) return fn(NON_RECORDING_SPAN);
    const frame = this.open(name, options);
    if (frame === undefined) return fn(NON_RECORDING_SPAN);
    const scope = frame.operation!;

    let result: T;
    try {
      result = this.contextManager.run(frame, fn, scope.span ?? NON_RECORDING_SPAN);
    } catch (error) {
      this.finish(scope, error, true);
      throw error;
    }
    if (isThenable(result)) {
      return result.then(
        (value) => {
          this.finish(scope, undefined, false);
          return value;
        },
        (error: unknown) => {
          this.finish(scope, error, true);
          throw error;
        },
      ) as T;
    }
    this.finish(scope, undefined, false);
    return result;
  }

  /**
   * Starts an operation whose end is decided elsewhere (an SDK call that ends when its body is
   * parsed or its stream consumed): what `trace()` does around `fn`, without a function or a
   * promise. Run its work with `enter(operation.captured, ...)`; `end()` counts it once (later
   * calls do nothing), a failure as a `crash` (the error's type on the span). Undefined when
   * disabled.
   */
  startOperation(name: string, options?: TraceOptions): OpenOperation | undefined {
    if (this.disabled) return undefined;
    const frame = this.open(name, options);
    if (frame === undefined) return undefined;
    const scope = frame.operation!;
    return createOpenOperation(frame, scope.span ?? NON_RECORDING_SPAN, (failure) =>
      this.finish(scope, failure?.error, failure !== undefined),
    );
  }

  /**
   * Counts one model refusal in `zoran_refusals_total`. Inside `trace()` it is the operation's
   * (its name and exchange kind); outside, `attributes.operation` / `attributes.exchange`.
   */
  recordRefusal(attributes?: ExchangeAttributes): void {
    if (this.disabled) return;
    countRefusal(this.store, this.contextManager, attributes);
  }

  /**
   * Observes the time to the first text or tool-call delta of a streamed AI call, in seconds, in
   * `zoran_time_to_first_token_seconds` (operation and exchange as {@link recordRefusal}).
   */
  recordTimeToFirstToken(seconds: number, attributes?: ExchangeAttributes): void {
    if (this.disabled) return;
    observeTimeToFirstToken(this.store, this.contextManager, seconds, attributes);
  }

  /** See `Recorder.addMetricSource`. */
  addMetricSource(source: StoreMetricSource): void {
    this.store.addMetricSource(source);
  }

  /** The frame of a new operation (its scope and span), or undefined when it cannot be made (reported). */
  private open(name: string, options: TraceOptions | undefined): ContextFrame | undefined {
    try {
      const parentFrame = this.contextManager.frame();
      let exchange: number;
      if (options?.exchange === undefined) {
        exchange = parentFrame?.operation?.exchangeIndex ?? EXCHANGE_NONE;
      } else {
        exchange = exchangeIndex(options.exchange);
        if (exchange < 0) {
          this.store.drop("invalid_attribute", "trace", "exchange must be ai_ai, ai_human or none");
          exchange = EXCHANGE_NONE;
        }
      }
      const operation = this.operationName(name);
      const tracer = this.tracer;
      const parent = this.contextManager.parentContext(parentFrame);
      if (tracer === undefined) {
        return new ContextFrame(
          parent,
          new OperationScope(operation, exchange, performance.now(), undefined),
        );
      }
      const span = tracer.startSpan(operation, SPAN_OPTIONS[options?.kind ?? 0] ?? SPAN_OPTIONS[0], parent);
      if (exchange !== EXCHANGE_NONE) span.setAttribute("zoran.exchange", EXCHANGES[exchange]!);
      // A recording SDK span measures its own duration: its `duration` is the latency.
      const timed = span.isRecording() && "duration" in span;
      const scope = new OperationScope(operation, exchange, timed ? Number.NaN : performance.now(), span);
      return new ContextFrame(withSpan(parent, span), scope);
    } catch (error) {
      this.store.drop("internal_error", "trace", describeError(error));
      return undefined;
    }
  }

  /** Counts the operation once, at its end: one request, one latency, its error share. */
  private finish(scope: OperationScope, error: unknown, threw: boolean): void {
    try {
      let share = scope.errorShare > 0 ? scope.errorShare : 0;
      let errorType = scope.errorType;
      if (threw) {
        share = 1;
        errorType = ERROR_TYPE_CRASH;
      }
      const span = scope.span;
      let spanContext: SpanContext | undefined;
      if (span !== undefined) {
        if (threw) {
          // The exception's type only: its message and stack may hold the user's content.
          const type = errorTypeName(error);
          span.setAttribute(ATTR_ERROR_TYPE, type);
          span.addEvent("exception", { [ATTR_EXCEPTION_TYPE]: type });
          span.setStatus({ code: SpanStatusCode.ERROR });
        } else if (share > 0) {
          span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPES[errorType]!);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
        if (this.exemplars) spanContext = this.eligible(span.spanContext());
      }
      let latency = scope.latencySeconds;
      if (latency < 0) {
        latency = Number.isNaN(scope.startMs)
          ? spanSeconds(span!)
          : (performance.now() - scope.startMs) / 1000;
      }
      const store = this.store;
      const operation = scope.operation;
      const slot = outcomeSlot(scope.exchangeIndex, share > 0 ? OUTCOME_ERROR : 0);
      const latencySeries = store.latency.seriesOf(operation, slot);
      const bucket = store.latency.observe(latencySeries, latency);
      const requestSeries = store.requests.seriesOf(operation, slot);
      store.requests.add(requestSeries, 1);
      let errorSeries = -1;
      if (share > 0) {
        errorSeries = store.errors.seriesOf(operation, errorTypeSlot(scope.exchangeIndex, errorType));
        store.errors.add(errorSeries, share);
      }
      if (spanContext !== undefined) {
        const { traceId, spanId } = spanContext;
        store.latency.exemplars!.offer(latencySeries, bucket, latency, traceId, spanId);
        store.requests.exemplars!.offer(requestSeries, 0, 1, traceId, spanId);
        if (errorSeries >= 0) store.errors.exemplars!.offer(errorSeries, 0, share, traceId, spanId);
      }
    } catch (failure) {
      this.store.drop("internal_error", "trace", describeError(failure));
    }
  }

  /** `spanContext` when the exemplar filter lets its measurements carry an exemplar. */
  private eligible(spanContext: SpanContext): SpanContext | undefined {
    return exemplarEligible(spanContext, this.sampledOnly) ? spanContext : undefined;
  }

  private recordLatency(value: number, attributes: SignalAttributes | undefined): void {
    if (!(typeof value === "number" && value >= 0 && value < Number.POSITIVE_INFINITY)) {
      this.store.drop("invalid_value", "latency", "LATENCY must be a finite number of seconds >= 0");
      return;
    }
    const frame = this.contextManager.frame();
    const scope = frame?.operation;
    if (scope !== undefined) {
      scope.latencySeconds = value;
      return;
    }
    const store = this.store;
    const operation = resolveFreeText(store, attributes?.operation, "latency", "operation");
    const exchange = resolveExchange(store, attributes?.exchange, "latency");
    const outcome = resolveOutcome(store, attributes?.outcome, "latency");
    const table = store.latency;
    const series = table.seriesOf(operation, outcomeSlot(exchange, outcome));
    const bucket = table.observe(series, value);
    // With no context entered at all (no span anywhere), this is one comparison.
    if (this.exemplars && frame !== undefined) {
      const spanContext = frame.exemplarSpan(this.sampledOnly);
      if (spanContext !== null)
        table.exemplars!.offer(series, bucket, value, spanContext.traceId, spanContext.spanId);
    }
  }

  private recordErrorRate(value: number, attributes: SignalAttributes | undefined): void {
    if (!(typeof value === "number" && value >= 0 && value <= 1)) {
      this.store.drop("invalid_value", "error_rate", "ERROR_RATE must be a number in [0, 1]");
      return;
    }
    const store = this.store;
    const errorType = resolveErrorType(store, attributes?.error_type, "error_rate");
    const frame = this.contextManager.frame();
    const scope = frame?.operation;
    if (scope !== undefined) {
      scope.errorShare = value;
      scope.errorType = errorType;
      return;
    }
    const operation = resolveFreeText(store, attributes?.operation, "error_rate", "operation");
    const exchange = resolveExchange(store, attributes?.exchange, "error_rate");
    const requestSeries = store.requests.seriesOf(
      operation,
      outcomeSlot(exchange, value > 0 ? OUTCOME_ERROR : 0),
    );
    store.requests.add(requestSeries, 1);
    let errorSeries = -1;
    if (value > 0) {
      errorSeries = store.errors.seriesOf(operation, errorTypeSlot(exchange, errorType));
      store.errors.add(errorSeries, value);
    }
    if (this.exemplars && frame !== undefined) {
      const spanContext = frame.exemplarSpan(this.sampledOnly);
      if (spanContext !== null) {
        const { traceId, spanId } = spanContext;
        store.requests.exemplars!.offer(requestSeries, 0, 1, traceId, spanId);
        if (errorSeries >= 0) store.errors.exemplars!.offer(errorSeries, 0, value, traceId, spanId);
      }
    }
  }

  private recordTraffic(value: number, attributes: SignalAttributes | undefined): void {
    if (!(typeof value === "number" && value >= 0 && value < Number.POSITIVE_INFINITY)) {
      this.store.drop("invalid_value", "traffic", "TRAFFIC must be a finite count >= 0");
      return;
    }
    const store = this.store;
    const frame = this.contextManager.frame();
    const scope = frame?.operation;
    let operation: string;
    let exchange: number;
    if (scope !== undefined) {
      operation = scope.operation;
      exchange = scope.exchangeIndex;
    } else {
      operation = resolveFreeText(store, attributes?.operation, "traffic", "operation");
      exchange = resolveExchange(store, attributes?.exchange, "traffic");
    }
    const table = resolveTrafficTable(store, attributes?.kind);
    if (table === undefined) return;
    const series = table.seriesOf(operation, resolveTrafficSlot(store, table, attributes, exchange));
    table.add(series, value);
    if (table === store.requests && this.exemplars) {
      const span = scope?.span;
      const spanContext =
        span !== undefined
          ? this.eligible(span.spanContext())
          : (frame?.exemplarSpan(this.sampledOnly) ?? undefined);
      if (spanContext !== undefined)
        table.exemplars!.offer(series, 0, value, spanContext.traceId, spanContext.spanId);
    }
  }

  private recordSaturation(value: number, attributes: SignalAttributes | undefined): void {
    if (!(typeof value === "number" && value >= 0 && value <= 1)) {
      this.store.drop("invalid_value", "saturation", "SATURATION must be a ratio in [0, 1]");
      return;
    }
    const table = this.store.saturation;
    table.set(table.seriesOf(resolveResource(this.store, attributes?.resource), 0), value);
  }

  /**
   * Scrubbed span/operation name, through the latency table's own raw-to-scrubbed cache; the
   * last one is remembered (a loop of one operation skips the Map lookup, ~7 ns).
   */
  private operationName(name: unknown): string {
    if (name === this.lastName) return this.lastOperation;
    if (typeof name !== "string") {
      this.store.drop("invalid_attribute", "trace", "trace() name must be a string");
      return resolveFreeText(this.store, undefined, "trace", "name");
    }
    const operation = this.store.latency.scrubbed(name);
    this.lastName = name;
    this.lastOperation = operation;
    return operation;
  }
}

/** An ended SDK span's own duration, in seconds. */
function spanSeconds(span: Span): number {
  const duration = (span as unknown as { duration?: readonly [number, number] }).duration;
  if (duration === undefined || !(duration[0] >= 0)) return 0;
  return duration[0] + duration[1] / 1e9;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  try {
    return typeof (value as { then?: unknown }).then === "function";
  } catch {
    // A proxy or getter that throws on `then`: not a promise we can follow; the value passes through.
    return false;
  }
}
