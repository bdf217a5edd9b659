import type { Recorder } from "../../recording/recorder.js";
import { ANTHROPIC, clientSpec, type MethodSpec, OPENAI } from "./client-spec.js";
import { describer } from "./describer.js";
import { hookApiPromise } from "./hook-api-promise.js";
import { hookFetch } from "./hook-fetch.js";
import { type SdkCall, SdkCall as SdkCallClass, type SdkCallInfo } from "./sdk-call.js";

/** Options of `collector.instrument(client, options?)`. */
export interface InstrumentOptions {
  /**
   * Operation name of every call (the `operation` label and span name).
   * @default `"<gen_ai.operation.name> <model>"`, e.g. `chat gpt-4o-mini`, `embeddings text-embedding-3-small`
   */
  readonly operation?: string;
  /** Who talks to whom. @default "ai_human" */
  readonly kind?: "ai_ai" | "ai_human";
  /** Every request must be answered: a detected refusal is also an `unjustified_refusal` error. @default false */
  readonly mustAnswer?: boolean;
  /** Classifier of refusals the adapters cannot see: true counts a refusal and an `unjustified_refusal`. */
  readonly isUnjustifiedRefusal?: (response: unknown) => boolean;
  /** Checks each complete response: false (or a throw) makes it an `invalid_response`. */
  readonly validate?: (response: unknown) => boolean;
  /**
   * Adds `stream_options: { include_usage: true }` to OpenAI chat streams that do not ask for
   * their usage, so their tokens are known. It changes the request (and the stream gains a last,
   * choice-less usage chunk), hence off by default: such streams then record no tokens, said
   * once through the logger. @default false
   */
  readonly requestStreamUsage?: boolean;
}

const INSTRUMENTED = new WeakMap<object, Recorder>();
const WRAPPED = Symbol.for("zoran-telemetrie.wrapped");

/**
 * Instruments an `OpenAI` (chat completions, Responses, embeddings, legacy completions; plain,
 * `stream: true`, and the stream and parse helpers, which call these) or `Anthropic` (messages,
 * plain, `stream: true` and `.stream()`) client instance in place and returns it: every call is
 * one AI exchange. The client's methods keep their return values (the SDK's own `APIPromise`,
 * `Stream`), errors and behaviour; only the instance is touched (its resource methods and its
 * `fetch`, for attempts and sizes), never the SDK's prototypes. Idempotent. Anything else is
 * returned as it is, with one warning.
 */
export function instrumentClient<C>(recorder: Recorder, client: C, options: InstrumentOptions = {}): C {
  try {
    if (typeof client !== "object" || client === null) {
      recorder.diag.warn(
        "zoran-telemetrie: instrument() takes an OpenAI or Anthropic client instance; left as it is",
      );
      return client;
    }
    const target = client as unknown as Record<string, unknown>;
    const owner = INSTRUMENTED.get(target);
    if (owner !== undefined) {
      if (owner !== recorder)
        recorder.diag.warn(
          "zoran-telemetrie: instrument(): this client is already instrumented by another collector; kept",
        );
      return client;
    }
    const spec = clientSpec(target);
    if (spec === undefined) {
      recorder.diag.warn(
        "zoran-telemetrie: instrument() knows OpenAI and Anthropic clients (openai 6, @anthropic-ai/sdk 1); this one is left as it is",
      );
      return client;
    }
    INSTRUMENTED.set(target, recorder);
    hookFetch(target, () => recorder);
    const describe = describer(recorder, spec, options);
    for (const method of spec.methods) {
      const resource = resourceAt(target, method.resource);
      if (resource !== undefined) wrapMethod(recorder, resource, method, describe, options);
    }
  } catch (error) {
    recorder.diag.warn(`zoran-telemetrie: instrument() could not instrument this client: ${String(error)}`);
  }
  return client;
}

/** Instruments the prototype method of an SDK resource class (zero-code instrumentation). @internal */
export function instrumentResourcePrototype(
  recorder: () => Recorder | undefined,
  prototype: Record<string, unknown>,
  family: "openai" | "anthropic",
  resourcePath: readonly string[],
  options: InstrumentOptions = {},
): (() => void) | undefined {
  const spec = family === "openai" ? OPENAI : ANTHROPIC;
  const method = spec.methods.find((m) => m.resource.join(".") === resourcePath.join("."));
  if (method === undefined) return undefined;
  const original = prototype[method.method];
  if (typeof original !== "function" || (original as { [WRAPPED]?: boolean })[WRAPPED]) return undefined;
  const describers = new WeakMap<Recorder, (body: unknown) => SdkCallInfo | undefined>();
  const wrapped = function (this: { _client?: Record<string, unknown> }, ...args: unknown[]) {
    const current = recorder();
    // A client instrumented by `collector.instrument()` is observed by its own wrapper.
    if (current === undefined || (this?._client !== undefined && INSTRUMENTED.has(this._client)))
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    if (this?._client !== undefined) hookFetch(this._client, recorder);
    let describe = describers.get(current);
    if (describe === undefined) {
      describe = describer(current, spec, options);
      describers.set(current, describe);
    }
    return callObserved(
      current,
      original as (...a: unknown[]) => unknown,
      this,
      args,
      describe,
      method,
      options,
    );
  };
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  prototype[method.method] = wrapped;
  return () => {
    if (prototype[method.method] === wrapped) prototype[method.method] = original;
  };
}

function resourceAt(
  client: Record<string, unknown>,
  path: readonly string[],
): Record<string, unknown> | undefined {
  let current: unknown = client;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === "object" && current !== null ? (current as Record<string, unknown>) : undefined;
}

function wrapMethod(
  recorder: Recorder,
  resource: Record<string, unknown>,
  method: MethodSpec,
  describe: (body: unknown, method?: MethodSpec) => SdkCallInfo | undefined,
  options: InstrumentOptions,
): void {
  const original = resource[method.method];
  // Wrapped already on this instance: done. (A method wrapped on the prototype, by the zero-code
  // instrumentation, is wrapped again here: that one defers to this one for instrumented clients.)
  if (
    typeof original !== "function" ||
    (Object.hasOwn(resource, method.method) && (original as { [WRAPPED]?: boolean })[WRAPPED])
  )
    return;
  const wrapped = function (this: unknown, ...args: unknown[]) {
    return callObserved(
      recorder,
      original as (...a: unknown[]) => unknown,
      this,
      args,
      describe,
      method,
      options,
    );
  };
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  // An own property of this resource instance: the SDK's prototype (and other clients) are untouched.
  resource[method.method] = wrapped;
}

function callObserved(
  recorder: Recorder,
  original: (...args: unknown[]) => unknown,
  thisArg: unknown,
  args: unknown[],
  describe: (body: unknown, method?: MethodSpec) => SdkCallInfo | undefined,
  method: MethodSpec,
  options: InstrumentOptions,
): unknown {
  let call: SdkCall | undefined;
  let stream = false;
  try {
    const body = args[0];
    stream = typeof body === "object" && body !== null && (body as { stream?: unknown }).stream === true;
    const info = describe(body, method);
    if (info !== undefined) call = SdkCallClass.start(recorder, info);
    if (call !== undefined && stream && method.usageOnRequest && options.requestStreamUsage === true)
      args = [withStreamUsage(body as Record<string, unknown>), ...args.slice(1)];
  } catch {
    // Unreadable arguments: the call runs as the caller wrote it (observed if it started).
  }
  if (call === undefined) return original.apply(thisArg, args);
  let result: unknown;
  try {
    const observed = call;
    result = call.run(() => original.apply(thisArg, args));
    hookApiPromise(result, observed);
  } catch (error) {
    call.end(error, "call");
    throw error;
  }
  return result;
}

function withStreamUsage(body: Record<string, unknown>): Record<string, unknown> {
  const streamOptions = body.stream_options;
  if (typeof streamOptions === "object" && streamOptions !== null && "include_usage" in streamOptions)
    return body;
  return {
    ...body,
    stream_options: { ...(typeof streamOptions === "object" ? streamOptions : {}), include_usage: true },
  };
}
