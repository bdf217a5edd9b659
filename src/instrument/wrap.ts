import { scrubValue } from "../privacy/scrub-value.js";
import type { CapturedContext, Recorder } from "../recording/recorder.js";

import type { TraceOptions } from "../recording/signal-attributes.js";

/** Options of {@link wrap}: those of `collector.trace()`. */
export type WrapOptions = TraceOptions;

// biome-ignore lint/suspicious/noExplicitAny: a wrapper must accept every function signature.
type AnyFunction = (...args: any[]) => any;

type AnyIterator = Iterator<unknown, unknown, unknown> | AsyncIterator<unknown, unknown, unknown>;

/** An operation kept open while an iterator runs: its context, and how to end it. */
interface OpenIteration {
  readonly iterator: AnyIterator;
  /** The operation's place (span and operation), re-entered at each step. */
  readonly captured: CapturedContext;
  /** Ends the operation: success, or a failure (a `crash`) with the thrown value. */
  readonly end: (failure?: { readonly error: unknown }) => void;
}

/**
 * Returns `fn` instrumented: every call is one operation named `name` (a span, one request, its
 * duration, a `crash` error when it throws or rejects), with `this`, arguments, return value
 * and exceptions passed through unchanged.
 *
 * - Sync and async functions: the operation ends when the function returns or settles.
 * - Generator and async generator functions: the operation starts at the first `next()` (when a
 *   generator's body starts) and ends when the iteration completes, throws, or is stopped early
 *   (`break`, `return()`); every step runs inside the operation, so `recordSignal()` calls made
 *   while producing chunks attach to it.
 * - Functions returning a generator object: the same, the operation starting at the call.
 *
 * An iterator abandoned without `return()` leaves its operation open (as its generator is).
 *
 * @example
 * const answer = wrap(collector, "answer_question", async (question: string) => model.ask(question), {
 *   exchange: "ai_human",
 * });
 */
export function wrap<F extends AnyFunction>(
  collector: Recorder,
  name: string,
  fn: F,
  options?: WrapOptions,
): F {
  if (typeof fn !== "function") {
    // The name is the caller's text (it may hold user input): not quoted.
    throw new TypeError(`zoran-telemetrie: wrap(name, fn) needs a function as fn, got ${typeof fn}`);
  }
  // Scrubbed now: the wrapper lives as long as the app keeps it, and must not keep a raw name
  // (a 256 KiB name would stay pinned through it). trace() leaves a scrubbed name as it is.
  const operation = typeof name === "string" ? scrubValue(name) : name;
  const kind = Object.getPrototypeOf(fn)?.constructor?.name;
  if (kind === "GeneratorFunction" || kind === "AsyncGeneratorFunction") {
    const generatorWrapper = function (this: unknown, ...args: unknown[]) {
      const open = () => {
        let opened: OpenIteration | undefined;
        callTraced(
          collector,
          operation,
          options,
          () => fn.apply(this, args),
          (iteration) => {
            opened = iteration;
          },
        );
        return opened!;
      };
      return new TracedIterator(open, kind === "AsyncGeneratorFunction", collector);
    };
    return nameLike(generatorWrapper, fn) as unknown as F;
  }
  const wrapper = function (this: unknown, ...args: unknown[]) {
    let opened: OpenIteration | undefined;
    const result = callTraced(
      collector,
      operation,
      options,
      () => fn.apply(this, args),
      (iteration) => {
        opened = iteration;
      },
    );
    if (opened === undefined) return result;
    const iteration = opened;
    return new TracedIterator(() => iteration, isAsyncGenerator(iteration.iterator), collector);
  };
  return nameLike(wrapper, fn) as unknown as F;
}

/**
 * Runs `body` inside `collector.trace()`. When it returns a generator object, the operation is
 * kept open (its `trace()` promise pending) and handed to `onIteration`; otherwise the result is
 * returned as `trace()` returns it.
 */
function callTraced(
  collector: Recorder,
  name: string,
  options: WrapOptions | undefined,
  body: () => unknown,
  onIteration: (iteration: OpenIteration) => void,
): unknown {
  let iterating = false;
  const result = collector.trace(
    name,
    () => {
      const value = body();
      if (!isGenerator(value)) return value;
      iterating = true;
      const captured = collector.capture();
      return new Promise<void>((resolve, reject) => {
        onIteration({
          iterator: value,
          captured,
          end: (failure) => (failure === undefined ? resolve() : reject(failure.error)),
        });
      });
    },
    options,
  );
  if (!iterating) return result;
  // The iterator reports errors to its consumer; this promise only times the operation.
  (result as Promise<void>).catch(() => undefined);
  return undefined;
}

/**
 * An iterator (sync or async) over a generator, running each step inside the operation that
 * `open()` starts at the first `next()`, and ending it when the iteration ends.
 */
class TracedIterator {
  private iteration: OpenIteration | undefined;
  private ended = false;
  private closedEarly = false;

  constructor(
    private readonly open: () => OpenIteration,
    private readonly isAsync: boolean,
    private readonly collector: Recorder,
  ) {
    if (isAsync) {
      Object.defineProperty(this, Symbol.asyncIterator, { value: () => this });
    } else {
      Object.defineProperty(this, Symbol.iterator, { value: () => this });
    }
  }

  next(value?: unknown): unknown {
    return this.step("next", value);
  }

  return(value?: unknown): unknown {
    return this.step("return", value);
  }

  throw(error?: unknown): unknown {
    return this.step("throw", error);
  }

  private step(method: "next" | "return" | "throw", argument: unknown): unknown {
    if (this.isAsync) {
      try {
        return Promise.resolve(this.syncStep(method, argument)).then(
          (result) => this.observe(result as IteratorResult<unknown>),
          (error: unknown) => {
            this.end({ error });
            throw error;
          },
        );
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.observe(this.syncStep(method, argument) as IteratorResult<unknown>);
  }

  private syncStep(method: "next" | "return" | "throw", argument: unknown): unknown {
    if (this.iteration === undefined) {
      if (method !== "next" || this.closedEarly) {
        // Closed before it started: like a generator, nothing runs and nothing is recorded.
        this.closedEarly = true;
        if (method === "throw") throw argument;
        return { done: true, value: method === "return" ? argument : undefined };
      }
      this.iteration = this.open();
    }
    const { iterator, captured } = this.iteration;
    const call = (iterator as unknown as Record<string, ((value: unknown) => unknown) | undefined>)[method];
    if (call === undefined) {
      if (method === "throw") {
        this.end({ error: argument });
        throw argument;
      }
      this.end();
      return { done: true, value: argument };
    }
    try {
      return this.collector.enter(captured, () => call.call(iterator, argument));
    } catch (error) {
      this.end({ error });
      throw error;
    }
  }

  private observe(result: IteratorResult<unknown>): IteratorResult<unknown> {
    if (result.done) this.end();
    return result;
  }

  private end(failure?: { readonly error: unknown }): void {
    if (this.ended || this.iteration === undefined) return;
    this.ended = true;
    this.iteration.end(failure);
  }
}

function isGenerator(value: unknown): value is AnyIterator {
  const tag = Object.prototype.toString.call(value);
  return tag === "[object Generator]" || tag === "[object AsyncGenerator]";
}

function isAsyncGenerator(value: unknown): boolean {
  return Object.prototype.toString.call(value) === "[object AsyncGenerator]";
}

function nameLike<W extends AnyFunction>(wrapper: W, fn: AnyFunction): W {
  Object.defineProperty(wrapper, "name", { value: fn.name, configurable: true });
  Object.defineProperty(wrapper, "length", { value: fn.length, configurable: true });
  return wrapper;
}
