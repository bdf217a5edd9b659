import {
  type Context,
  type ContextManager,
  INVALID_SPAN_CONTEXT,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace as traceApi,
} from "@opentelemetry/api";
import { ATTR_ERROR_TYPE, ATTR_EXCEPTION_TYPE } from "@opentelemetry/semantic-conventions";
import { describeError } from "../privacy/describe-error.js";
import { scrubValue } from "../privacy/scrub-value.js";
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
  resolveTrafficSeries,
} from "./attribute-resolver.js";
import type { GoldenSignalStore } from "./golden-signal-store.js";
import { OPERATION_SCOPE_KEY, OperationScope } from "./operation-scope.js";
import type { OpenOperation } from "./recorder.js";
import type { ExchangeAttributes, SignalAttributes, TraceOptions } from "./signal-attributes.js";
import { createSignalHandle, type SignalHandle } from "./signal-handle.js";

const SIGNAL_NAMES: ReadonlySet<string> = new Set(Object.values(GoldenSignals));

// The start attributes of an operation's span, one frozen object per exchange kind (not one per span).
const EXCHANGE_SPAN_ATTRIBUTES = EXCHANGES.map((exchange) => Object.freeze({ "zoran.exchange": exchange }));

/** The span `trace()` hands `fn` when tracing is off or the collector is disabled. */
export const NON_RECORDING_SPAN: Span = traceApi.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Parts of a {@link SignalRecorder}. */
export interface SignalRecorderOptions {
  readonly store: GoldenSignalStore;
  /** Carries the operation scope and the span across async calls. */
  readonly contextManager: ContextManager;
  /** Tracer of `trace()` spans; undefined with tracing off (no span is started). */
  readonly tracer: Tracer | undefined;
  /** Every call is a no-op. */
  readonly disabled: boolean;
}

/**
 * The recording kernel: `recordSignal()`, `series()` and `trace()` over the golden-signal store.
 * Never throws into the caller (but for `trace()` given a non-function): bad input is dropped,
 * reported once and counted by the store.
 */
export class SignalRecorder {
  private readonly store: GoldenSignalStore;
  private readonly contextManager: ContextManager;
  private readonly tracer: Tracer | undefined;
  private readonly disabled: boolean;

  constructor(options: SignalRecorderOptions) {
    this.store = options.store;
    this.contextManager = options.contextManager;
    this.tracer = options.tracer;
    this.disabled = options.disabled;
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

  /**
   * Counts one model refusal in `zoran_refusals_total`. Inside `trace()` it is the operation's
   * (its name and exchange kind); outside, `attributes.operation` / `attributes.exchange`.
   */
  recordRefusal(attributes?: ExchangeAttributes): void {
    if (this.disabled) return;
    try {
      const scope = this.activeScope();
      const operation =
        scope?.operation ?? resolveFreeText(this.store, attributes?.operation, "refusals", "operation");
      const exchange = scope?.exchangeIndex ?? resolveExchange(this.store, attributes?.exchange, "refusals");
      this.store.refusals.get(operation, exchange).add(1);
    } catch (error) {
      this.store.drop("internal_error", "refusals", describeError(error));
    }
  }

  /**
   * Observes the time to the first text or tool-call delta of a streamed AI call, in seconds, in
   * `zoran_time_to_first_token_seconds` (operation and exchange as {@link recordRefusal}).
   */
  recordTimeToFirstToken(seconds: number, attributes?: ExchangeAttributes): void {
    if (this.disabled) return;
    if (!(typeof seconds === "number" && seconds >= 0 && seconds < Number.POSITIVE_INFINITY)) {
      this.store.drop(
        "invalid_value",
        "time_to_first_token",
        "time to first token must be finite seconds >= 0",
      );
      return;
    }
    try {
      const scope = this.activeScope();
      const operation =
        scope?.operation ??
        resolveFreeText(this.store, attributes?.operation, "time_to_first_token", "operation");
      const exchange =
        scope?.exchangeIndex ?? resolveExchange(this.store, attributes?.exchange, "time_to_first_token");
      this.store.timeToFirstToken.get(operation, exchange).record(seconds);
    } catch (error) {
      this.store.drop("internal_error", "time_to_first_token", describeError(error));
    }
  }

  /** See `TelemetryCollector.series`. */
  series(signal: GoldenSignal, attributes?: SignalAttributes): SignalHandle {
    return createSignalHandle(this.store, signal, attributes, this.disabled);
  }

  /** See `TelemetryCollector.trace`. */
  trace<T>(name: string, fn: (span: Span) => T, options?: TraceOptions): T {
    if (typeof fn !== "function") {
      // The name is caller text: never quoted (it may hold personal data).
      throw new TypeError(`zoran-telemetrie: trace(name, fn) needs a function, got ${typeof fn}`);
    }
    if (this.disabled) return fn(NON_RECORDING_SPAN);
    const opened = this.open(name, options);
    if (opened === undefined) return fn(NON_RECORDING_SPAN);
    const { scope, span, context } = opened;

    let result: T;
    try {
      result = this.contextManager.with(context, fn, undefined, span);
    } catch (error) {
      this.finish(scope, span, error, true);
      throw error;
    }
    if (isThenable(result)) {
      return result.then(
        (value) => {
          this.finish(scope, span, undefined, false);
          return value;
        },
        (error: unknown) => {
          this.finish(scope, span, error, true);
          throw error;
        },
      ) as T;
    }
    this.finish(scope, span, undefined, false);
    return result;
  }

  /**
   * Starts an operation whose end is decided elsewhere (an SDK call that ends when its body is
   * parsed or its stream consumed): what `trace()` does around `fn`, without a function or a
   * promise. Run its work in `context`; `end()` counts it once (later calls do nothing), a
   * failure as a `crash` (the error's type on the span). Undefined when disabled.
   */
  startOperation(name: string, options?: TraceOptions): OpenOperation | undefined {
    if (this.disabled) return undefined;
    const opened = this.open(name, options);
    if (opened === undefined) return undefined;
    const { scope, span, context } = opened;
    let ended = false;
    return {
      context,
      span,
      end: (failure) => {
        if (ended) return;
        ended = true;
        this.finish(scope, span, failure?.error, failure !== undefined);
      },
    };
  }

  /** The scope, span and context of a new operation, or undefined when they cannot be made (reported). */
  private open(
    name: string,
    options: TraceOptions | undefined,
  ): { scope: OperationScope; span: Span; context: Context } | undefined {
    try {
      const parent = this.contextManager.active();
      const parentScope = parent.getValue(OPERATION_SCOPE_KEY) as OperationScope | undefined;
      let exchange =
        options?.exchange === undefined
          ? (parentScope?.exchangeIndex ?? EXCHANGE_NONE)
          : exchangeIndex(options.exchange);
      if (exchange < 0) {
        this.store.drop("invalid_attribute", "trace", "exchange must be ai_ai, ai_human or none");
        exchange = EXCHANGE_NONE;
      }
      const operation = this.operationName(name);
      const scope = new OperationScope(operation, exchange, performance.now());
      let context = parent.setValue(OPERATION_SCOPE_KEY, scope);
      let span: Span;
      if (this.tracer !== undefined) {
        span = this.tracer.startSpan(
          operation,
          exchange === EXCHANGE_NONE
            ? { kind: options?.kind }
            : { kind: options?.kind, attributes: EXCHANGE_SPAN_ATTRIBUTES[exchange]! },
          parent,
        );
        context = traceApi.setSpan(context, span);
      } else {
        span = NON_RECORDING_SPAN;
      }
      return { scope, span, context };
    } catch (error) {
      this.store.drop("internal_error", "trace", describeError(error));
      return undefined;
    }
  }

  /** Counts the operation once, at its end: one request, one latency, its error share. */
  private finish(scope: OperationScope, span: Span, error: unknown, threw: boolean): void {
    try {
      const latency =
        scope.latencySeconds >= 0 ? scope.latencySeconds : (performance.now() - scope.startMs) / 1000;
      let share = scope.errorShare > 0 ? scope.errorShare : 0;
      let errorType = scope.errorType;
      if (threw) {
        share = 1;
        errorType = ERROR_TYPE_CRASH;
      }
      const outcome = share > 0 ? OUTCOME_ERROR : 0;
      const slot = outcomeSlot(scope.exchangeIndex, outcome);
      this.store.latency.get(scope.operation, slot).record(latency);
      this.store.requests.get(scope.operation, slot).add(1);
      if (share > 0)
        this.store.errors.get(scope.operation, errorTypeSlot(scope.exchangeIndex, errorType)).add(share);
      if (span !== NON_RECORDING_SPAN) {
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
      }
    } catch (failure) {
      this.store.drop("internal_error", "trace", describeError(failure));
    }
  }

  private activeScope(): OperationScope | undefined {
    return this.contextManager.active().getValue(OPERATION_SCOPE_KEY) as OperationScope | undefined;
  }

  private recordLatency(value: number, attributes: SignalAttributes | undefined): void {
    if (!(typeof value === "number" && value >= 0 && value < Number.POSITIVE_INFINITY)) {
      this.store.drop("invalid_value", "latency", "LATENCY must be a finite number of seconds >= 0");
      return;
    }
    const scope = this.activeScope();
    if (scope !== undefined) {
      scope.latencySeconds = value;
      return;
    }
    const operation = resolveFreeText(this.store, attributes?.operation, "latency", "operation");
    const exchange = resolveExchange(this.store, attributes?.exchange, "latency");
    const outcome = resolveOutcome(this.store, attributes?.outcome, "latency");
    this.store.latency.get(operation, outcomeSlot(exchange, outcome)).record(value);
  }

  private recordErrorRate(value: number, attributes: SignalAttributes | undefined): void {
    if (!(typeof value === "number" && value >= 0 && value <= 1)) {
      this.store.drop("invalid_value", "error_rate", "ERROR_RATE must be a number in [0, 1]");
      return;
    }
    const errorType = resolveErrorType(this.store, attributes?.error_type, "error_rate");
    const scope = this.activeScope();
    if (scope !== undefined) {
      scope.errorShare = value;
      scope.errorType = errorType;
      return;
    }
    const operation = resolveFreeText(this.store, attributes?.operation, "error_rate", "operation");
    const exchange = resolveExchange(this.store, attributes?.exchange, "error_rate");
    const outcome = value > 0 ? OUTCOME_ERROR : 0;
    this.store.requests.get(operation, outcomeSlot(exchange, outcome)).add(1);
    if (value > 0) this.store.errors.get(operation, errorTypeSlot(exchange, errorType)).add(value);
  }

  private recordTraffic(value: number, attributes: SignalAttributes | undefined): void {
    if (!(typeof value === "number" && value >= 0 && value < Number.POSITIVE_INFINITY)) {
      this.store.drop("invalid_value", "traffic", "TRAFFIC must be a finite count >= 0");
      return;
    }
    const scope = this.activeScope();
    const operation =
      scope?.operation ?? resolveFreeText(this.store, attributes?.operation, "traffic", "operation");
    const exchange = scope?.exchangeIndex ?? resolveExchange(this.store, attributes?.exchange, "traffic");
    resolveTrafficSeries(this.store, attributes, operation, exchange)?.add(value);
  }

  private recordSaturation(value: number, attributes: SignalAttributes | undefined): void {
    if (!(typeof value === "number" && value >= 0 && value <= 1)) {
      this.store.drop("invalid_value", "saturation", "SATURATION must be a ratio in [0, 1]");
      return;
    }
    this.store.saturation.get(resolveResource(this.store, attributes?.resource), 0).set(value);
  }

  /** Scrubbed span/operation name, through the latency table's own raw-to-scrubbed cache. */
  private operationName(name: unknown): string {
    if (typeof name !== "string") {
      this.store.drop("invalid_attribute", "trace", "trace() name must be a string");
      return resolveFreeText(this.store, undefined, "trace", "name");
    }
    return this.store.latency.scrubbed(name);
  }
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

/** The exception's class name, scrubbed and bounded: never its message. */
function errorTypeName(error: unknown): string {
  let name: unknown;
  try {
    name =
      error instanceof Error
        ? error.constructor?.name || error.name || "Error"
        : error === null
          ? "null"
          : typeof error;
  } catch {
    name = "Error";
  }
  return scrubValue(String(name), 64) || "Error";
}
