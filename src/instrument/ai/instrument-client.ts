import type { Recorder } from "../../recording/recorder.js";
import { genAiMetrics } from "../gen-ai-metrics.js";
import { callIn } from "./exchange-context.js";
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

/** How one API method of a client becomes an AI exchange. */
interface MethodSpec {
  /** Path of the resource from the client, e.g. `["chat", "completions"]`. */
  readonly resource: readonly string[];
  readonly method: string;
  readonly genAiOperation: string;
  readonly expectedShape: (data: Record<string, unknown>) => boolean;
  /** Whether streams of this method report usage only when asked (OpenAI chat completions). */
  readonly usageOnRequest?: boolean;
}

/** A client family the adapter knows. */
interface ClientSpec {
  readonly provider: string;
  readonly methods: readonly MethodSpec[];
}

const hasArray = (key: string) => (data: Record<string, unknown>) => Array.isArray(data[key]);

const OPENAI: ClientSpec = {
  provider: "openai",
  methods: [
    {
      resource: ["chat", "completions"],
      method: "create",
      genAiOperation: "chat",
      expectedShape: hasArray("choices"),
      usageOnRequest: true,
    },
    { resource: ["responses"], method: "create", genAiOperation: "chat", expectedShape: hasArray("output") },
    {
      resource: ["embeddings"],
      method: "create",
      genAiOperation: "embeddings",
      expectedShape: hasArray("data"),
    },
    {
      resource: ["completions"],
      method: "create",
      genAiOperation: "text_completion",
      expectedShape: hasArray("choices"),
      usageOnRequest: true,
    },
  ],
};

const ANTHROPIC: ClientSpec = {
  provider: "anthropic",
  methods: [
    { resource: ["messages"], method: "create", genAiOperation: "chat", expectedShape: hasArray("content") },
    {
      resource: ["beta", "messages"],
      method: "create",
      genAiOperation: "chat",
      expectedShape: hasArray("content"),
    },
  ],
};

const INSTRUMENTED = new WeakMap<object, Recorder>();
const WRAPPED = Symbol.for("zoran-telemetrie.wrapped");
const FETCH_HOOKED = Symbol.for("zoran-telemetrie.fetch-hook");

/** Which family a client belongs to, by shape (no SDK is imported): undefined for neither. */
function clientSpec(client: Record<string, unknown>): ClientSpec | undefined {
  const chat = client.chat as { completions?: { create?: unknown } } | undefined;
  if (typeof chat?.completions?.create === "function") return OPENAI;
  const messages = client.messages as { create?: unknown } | undefined;
  if (typeof messages?.create === "function") return ANTHROPIC;
  return undefined;
}

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

/**
 * Replaces the instance's `fetch` (read by the SDK at each attempt) with one that reports the
 * attempts and the response to the call in progress in the context of one of `recorders` (each
 * collector has its own context manager). Hooked once per client; later recorders are added.
 */
function hookFetch(client: Record<string, unknown>, recorder: () => Recorder | undefined): void {
  const current = client.fetch as HookedFetch | undefined;
  if (typeof current !== "function") return;
  if (current[FETCH_HOOKED] !== undefined) {
    current[FETCH_HOOKED].add(recorder);
    return;
  }
  const base = current;
  const sources = new Set<() => Recorder | undefined>([recorder]);
  const hooked = function (this: unknown, url: unknown, init?: { body?: unknown }): Promise<Response> {
    // Synchronous and allocation-free: the response is read where the SDK parses it.
    const call = currentCall(sources);
    if (call !== undefined) {
      try {
        call.attempt(init?.body);
      } catch {
        // Unreadable init: the attempt is still counted.
      }
    }
    return base.call(this, url, init);
  } as HookedFetch;
  Object.defineProperty(hooked, FETCH_HOOKED, { value: sources });
  client.fetch = hooked;
}

type HookedFetch = ((url: unknown, init?: { body?: unknown }) => Promise<Response>) & {
  [FETCH_HOOKED]?: Set<() => Recorder | undefined>;
};

function currentCall(sources: ReadonlySet<() => Recorder | undefined>): SdkCall | undefined {
  if (sources.size === 1) {
    const [only] = sources;
    const recorder = only!();
    const call = recorder === undefined ? undefined : callIn(recorder.contextManager.active());
    return call instanceof SdkCallClass ? call : undefined;
  }
  for (const source of sources) {
    const recorder = source();
    if (recorder === undefined) continue;
    const call = callIn(recorder.contextManager.active());
    if (call instanceof SdkCallClass) return call;
  }
  return undefined;
}

function describer(
  recorder: Recorder,
  spec: ClientSpec,
  options: InstrumentOptions,
): (body: unknown, method?: MethodSpec) => SdkCallInfo | undefined {
  const metrics = genAiMetrics(recorder);
  const kind = options.kind === "ai_ai" ? "ai_ai" : "ai_human";
  const fixedOperation = typeof options.operation === "string" ? options.operation : undefined;
  // `<operation> <model>` per distinct model: built once, so the store's lookups see the same string.
  const operations = new Map<string, string>();
  const operationOf = (genAiOperation: string, model: unknown): string => {
    if (fixedOperation !== undefined) return fixedOperation;
    const name = typeof model === "string" ? (metrics?.name(model) ?? "") : "";
    const key = `${genAiOperation} ${name}`;
    let operation = operations.get(key);
    if (operation === undefined) {
      operation = name === "" ? genAiOperation : key;
      if (operations.size < 1000) operations.set(key, operation);
    }
    return operation;
  };
  // One immutable description per (method, model): built once, not per call.
  const described = new Map<MethodSpec, Map<unknown, SdkCallInfo>>();
  return (body, method) => {
    if (method === undefined) return undefined;
    let model: unknown;
    try {
      model = typeof body === "object" && body !== null ? (body as { model?: unknown }).model : undefined;
    } catch {
      model = undefined;
    }
    let byModel = described.get(method);
    if (byModel === undefined) {
      byModel = new Map();
      described.set(method, byModel);
    }
    const cached = byModel.get(model);
    if (cached !== undefined) return cached;
    const info = describeCall(method, model);
    if (byModel.size < 1000 && (typeof model === "string" || model === undefined)) byModel.set(model, info);
    return info;
  };

  function describeCall(method: MethodSpec, model: unknown): SdkCallInfo {
    return {
      operation: operationOf(method.genAiOperation, model),
      kind,
      provider: spec.provider,
      genAiOperation: method.genAiOperation,
      model,
      mustAnswer: options.mustAnswer === true,
      isUnjustifiedRefusal:
        typeof options.isUnjustifiedRefusal === "function" ? options.isUnjustifiedRefusal : undefined,
      validate: typeof options.validate === "function" ? options.validate : undefined,
      expectedShape: method.expectedShape,
      ...(method.usageOnRequest
        ? {
            noStreamUsageHint:
              "an OpenAI stream ended without usage, so its tokens are not counted: pass stream_options: { include_usage: true }, or instrument(client, { requestStreamUsage: true })",
          }
        : {}),
    };
  }
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

interface ApiPromiseLike {
  responsePromise: Promise<unknown>;
  parseResponse: (
    client: unknown,
    props: { options?: { stream?: unknown }; response?: unknown },
  ) => Promise<unknown>;
  parsedPromise?: unknown;
  asResponse?: () => Promise<unknown>;
}

function isApiPromise(value: unknown): value is ApiPromiseLike {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<ApiPromiseLike>;
  return (
    typeof candidate.parseResponse === "function" && typeof candidate.responsePromise?.then === "function"
  );
}

/**
 * Observes the SDK's `APIPromise` in place (the object the caller gets stays the SDK's, with
 * `withResponse()`, `asResponse()` and its laziness): the response promise for failures before a
 * body (statuses, connection, timeouts), the body parser for the answer or the stream, and
 * `asResponse()` for callers who read the raw response themselves.
 */
function hookApiPromise(promise: unknown, call: SdkCall): void {
  if (!isApiPromise(promise)) {
    // Not the shape of openai 6 / @anthropic-ai/sdk 1: ended when it settles, without usage.
    if (typeof (promise as { then?: unknown } | null)?.then === "function") {
      (promise as Promise<unknown>).then(
        (value) => call.parsed(value, false),
        (error: unknown) => call.end(error, "request"),
      );
    } else call.end();
    return;
  }
  promise.responsePromise = promise.responsePromise.then(
    (props) => {
      call.responseSettled();
      return props;
    },
    (error: unknown) => {
      call.end(error, "request");
      throw error;
    },
  );
  const parse = promise.parseResponse;
  promise.parseResponse = function (this: unknown, client, props) {
    let stream = false;
    try {
      stream = props?.options?.stream === true;
      // Its size (Content-Length, or the SSE bytes as the stream is read), before the SDK reads it.
      const response = (props as { response?: unknown })?.response;
      if (response instanceof Response) call.response(response);
    } catch {
      stream = false;
    }
    return parse.call(this, client, props).then(
      (data) => {
        call.parsed(data, stream);
        return data;
      },
      (error: unknown) => {
        call.end(error, "parse");
        throw error;
      },
    );
  };
  const asResponse = promise.asResponse;
  if (typeof asResponse === "function") {
    promise.asResponse = function (this: ApiPromiseLike) {
      if (this.parsedPromise === undefined) call.raw();
      return asResponse.call(this);
    };
  }
}
