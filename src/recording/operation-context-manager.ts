import { AsyncLocalStorage } from "node:async_hooks";
import {
  type Context,
  context as contextApi,
  INVALID_TRACEID,
  ROOT_CONTEXT,
  type SpanContext,
  TraceFlags,
  trace as traceApi,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import type { OperationScope } from "./operation-scope.js";
import type { CapturedContext } from "./recorder.js";

/**
 * What runs where: the OpenTelemetry context (spans, baggage) and the `trace()` operation in
 * flight, as one immutable value in one AsyncLocalStorage. It is also what `capture()` returns.
 */
export class ContextFrame implements CapturedContext {
  // The active span's context as an exemplar would carry it, looked up once per frame (`getSpan`
  // is a Map lookup and a call, ~5-9 ns here; every record in a request's frame would repeat it).
  // A frame belongs to one collector's manager, so the filter is always the same one.
  private exemplar: SpanContext | null | undefined;

  constructor(
    readonly context: Context,
    readonly operation: OperationScope | undefined,
  ) {}

  /**
   * The context of the span active in this frame, when an exemplar may carry it: a sampled one
   * (`sampledOnly`, the `trace_based` filter) or any valid one (`always_on`); else null.
   */
  exemplarSpan(sampledOnly: boolean): SpanContext | null {
    let span = this.exemplar;
    if (span === undefined) {
      const active = traceApi.getSpan(this.context)?.spanContext();
      span = active !== undefined && exemplarEligible(active, sampledOnly) ? active : null;
      this.exemplar = span;
    }
    return span;
  }
}

/** Whether a measurement made in span `spanContext` may carry an exemplar, per the filter. */
export function exemplarEligible(spanContext: SpanContext, sampledOnly: boolean): boolean {
  return sampledOnly
    ? (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0
    : spanContext.traceId !== INVALID_TRACEID;
}

/** The frame outside any context and operation. */
const ROOT_FRAME = new ContextFrame(ROOT_CONTEXT, undefined);

/**
 * The collector's OpenTelemetry context manager (AsyncLocalStorage, as
 * `@opentelemetry/context-async-hooks`'), whose store also carries the operation in flight.
 *
 * Why one store for both: in Node 20 each `AsyncLocalStorage#getStore()` costs ~5 ns and the
 * OpenTelemetry manager's `active()` ~12 ns (bench/record.bench.ts); `recordSignal()` needs the
 * operation (held values) and, for exemplars, the active span. One `getStore()` gives both, and
 * with no context entered at all it is undefined: one check. `trace()` enters one frame (one
 * `run()`), not an operation store and then a span context.
 *
 * Semantics: entering an OpenTelemetry context (`with`, `bind`, `attach`, from any code or
 * instrumentation) keeps the operation in flight; only the recorder's `trace()`, `enter()` and
 * `enterOutsideOperation()` change it. So `context.with(ROOT_CONTEXT, ...)` no longer leaves an
 * operation: instrumentation that records its own operation uses `enterOutsideOperation`.
 */
export class OperationContextManager extends AsyncLocalStorageContextManager {
  private readonly frames = new AsyncLocalStorage<ContextFrame>();
  /**
   * After `join()`: the application's SDK owns the global context manager, so the OpenTelemetry
   * context (its auto-instrumented spans, ours) lives there; the frames still carry the operation.
   */
  private joined = false;

  /**
   * Shares the application's global context manager from now on (`register()` found one): the
   * OpenTelemetry context is read from and entered into it, so spans of `trace()` and of the
   * app's instrumentations nest in one another; the operation in flight stays in the frames.
   */
  join(): void {
    this.joined = true;
  }

  /** The OpenTelemetry context a new span starts under, in `frame` (the current one). */
  parentContext(frame: ContextFrame | undefined): Context {
    return this.joined ? contextApi.active() : (frame?.context ?? ROOT_CONTEXT);
  }

  /** The current frame, or undefined when nothing was entered (no span, no operation). */
  frame(): ContextFrame | undefined {
    return this.frames.getStore();
  }

  /** The current frame, never undefined (what `capture()` hands out: no allocation). */
  capture(): ContextFrame {
    return this.frames.getStore() ?? ROOT_FRAME;
  }

  /** Runs `fn(...args)` in `frame` (and, joined, in its context on the application's manager). */
  run<A extends unknown[], R>(frame: ContextFrame, fn: (...args: A) => R, ...args: A): R {
    if (this.joined) return contextApi.with(frame.context, () => this.frames.run(frame, fn, ...args));
    return this.frames.run(frame, fn, ...args);
  }

  override active(): Context {
    if (this.joined) return contextApi.active();
    return this.frames.getStore()?.context ?? ROOT_CONTEXT;
  }

  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const callback = thisArg == null ? fn : fn.bind(thisArg);
    const frame = new ContextFrame(context, this.frames.getStore()?.operation);
    return this.run(frame, callback as (...args: A) => ReturnType<F>, ...args);
  }

  /**
   * `@opentelemetry/context-async-hooks`' experimental `attach`: sets `context` for the rest of
   * the current async chain (keeping the operation); `dispose()` restores the previous frame.
   */
  override attach(context: Context): ReturnType<AsyncLocalStorageContextManager["attach"]> {
    const previous = this.frames.getStore();
    this.frames.enterWith(new ContextFrame(context, previous?.operation));
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.frames.enterWith(previous ?? ROOT_FRAME);
      },
    };
  }

  override disable(): this {
    this.frames.disable();
    return super.disable();
  }
}
