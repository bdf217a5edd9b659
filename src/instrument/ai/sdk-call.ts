import { type Context, INVALID_SPAN_CONTEXT, type Span, SpanKind, trace } from "@opentelemetry/api";
import type { CapturedContext, Recorder } from "../../recording/recorder.js";
import type { ErrorType } from "../../signals/label-values.js";
import { AiExchange } from "../ai-exchange.js";
import type { ResolvedExchangeOptions } from "../ai-exchange-options.js";
import { readAiUsage, StreamUsage } from "../ai-usage.js";
import { aiErrorType, markErrorType } from "./ai-error-type.js";
import { exchangeIn, withCall } from "./exchange-context.js";

/** What an adapter knows about one SDK call before it starts. */
export interface SdkCallInfo {
  /** The `operation` label and span name (free text; scrubbed by the recorder). */
  readonly operation: string;
  readonly kind: "ai_ai" | "ai_human";
  /** `gen_ai.system` / `gen_ai.provider.name`, e.g. `openai`. */
  readonly provider: string;
  /** `gen_ai.operation.name`: `chat`, `embeddings`, `text_completion`. */
  readonly genAiOperation: string;
  /** The model asked for (`gen_ai.request.model`), as the caller gave it. */
  readonly model: unknown;
  /** The caller's refusal policy and validator. */
  readonly mustAnswer: boolean;
  readonly isUnjustifiedRefusal: ((response: unknown) => boolean) | undefined;
  readonly validate: ((response: unknown) => boolean) | undefined;
  /** Whether a parsed (non-streamed) body has the shape of this API's answer; false: `invalid_response`. */
  readonly expectedShape?: (data: Record<string, unknown>) => boolean;
  /** Said once per collector when a stream ended without reporting its usage. */
  readonly noStreamUsageHint?: string;
}

/** Where a failure happened: before the response (HTTP, connection), while parsing it, or mid-stream. */
export type FailureStage = "call" | "request" | "parse" | "stream";

const HINTED = new WeakMap<Recorder, Set<string>>();
const NON_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * One SDK call observed as an AI exchange whose end the SDK decides (its body parsed, its stream
 * consumed, or a failure), not a function's return: the exchange's `trace()` is kept open by a
 * pending promise until {@link end}. When an AI exchange is already in progress around the call
 * (`collector.exchange()`, the AI SDK middleware, another instrumented call), the call joins it:
 * its readings (usage, attempts, sizes, time to first token, refusals) go to that exchange, which
 * alone counts the request (outermost wins).
 */
export class SdkCall {
  /** The exchange the call's readings go to: its own, or the one it joined. */
  readonly exchange: AiExchange;
  /** The context the SDK's work runs in: the exchange's, with this call for the fetch hook. */
  readonly context: Context;
  /** Where the SDK's work runs: the call's context and the operation it counts in. */
  private readonly captured: CapturedContext;
  private readonly owned: boolean;
  private span: Span | undefined;
  private settle: ((error?: unknown) => void) | undefined;
  private attempts = 0;
  private requestBytes: number | undefined;
  private responseBytes: number | undefined;
  private streamedBytes = 0;
  private streaming = false;
  private rawMode = false;
  private responseArrived = false;
  private ended = false;
  private usage: StreamUsage | undefined;

  private constructor(
    private readonly recorder: Recorder,
    private readonly info: SdkCallInfo,
  ) {
    const active = recorder.contextManager.active();
    const outer = exchangeIn(active);
    if (outer instanceof AiExchange && !outer.isFinished) {
      this.exchange = outer;
      this.owned = false;
      this.context = withCall(active, this);
      this.captured = { context: this.context, operation: recorder.capture().operation };
      return;
    }
    this.owned = true;
    const options = exchangeOptionsOf(info);
    const exchange = new AiExchange(options);
    this.exchange = exchange;
    if (typeof recorder.startOperation === "function") {
      // The kernel's open operation: what `trace()` does, without a function or a promise.
      const operation = recorder.startOperation(info.operation, {
        exchange: info.kind,
        kind: SpanKind.CLIENT,
      });
      this.span = operation?.span ?? NON_RECORDING;
      this.settle = (error) => operation?.end(error === undefined ? undefined : { error });
      this.context = withCall(operation?.context ?? recorder.contextManager.active(), this);
      this.captured = {
        context: this.context,
        operation: (operation?.captured ?? recorder.capture()).operation,
      };
      return;
    }
    // A recorder without it (a custom `Recorder`): `trace()` kept open by a pending promise.
    let captured: CapturedContext | undefined;
    const done = recorder.trace(
      info.operation,
      (span) => {
        this.span = span;
        captured = {
          context: withCall(recorder.contextManager.active(), this),
          operation: recorder.capture().operation,
        };
        return new Promise<void>((resolve, reject) => {
          this.settle = (error) => (error === undefined ? resolve() : reject(error));
        });
      },
      { exchange: info.kind, kind: SpanKind.CLIENT },
    );
    // The crash is recorded by `trace()`; the caller gets the error from the SDK's own promise.
    (done as Promise<void>).then(undefined, () => undefined);
    this.captured = captured ?? recorder.capture();
    this.context = this.captured.context;
  }

  /** Starts observing one call; undefined when it cannot be (the call then runs unobserved). */
  static start(recorder: Recorder, info: SdkCallInfo): SdkCall | undefined {
    try {
      return new SdkCall(recorder, info);
    } catch (error) {
      recorder.diag.debug(`zoran-telemetrie: an AI SDK call runs unobserved: ${String(error)}`);
      return undefined;
    }
  }

  /** Runs `fn` (the SDK method) in the call's context, so its HTTP attempts are seen. */
  run<T>(fn: () => T): T {
    return this.recorder.enter(this.captured, fn);
  }

  /** One HTTP attempt is sent (the fetch hook): counts it, and the body the SDK serialized. */
  attempt(body: unknown): void {
    this.attempts++;
    // The SDK's own JSON string: its bytes, without serializing the payload again.
    if (typeof body === "string") this.requestBytes = Buffer.byteLength(body, "utf8");
    else if (body instanceof Uint8Array) this.requestBytes = body.byteLength;
  }

  /** An HTTP response arrived (the fetch hook): its size; the body of a stream is counted as it is read. */
  response(response: Response): Response {
    try {
      if (!response.ok || this.ended) return response;
      const length = response.headers.get("content-length");
      if (length !== null) {
        const bytes = Number(length);
        if (Number.isSafeInteger(bytes) && bytes >= 0) this.responseBytes = bytes;
      } else if (response.headers.get("content-type")?.includes("text/event-stream")) {
        countStreamedBody(response, (bytes) => {
          this.streamedBytes += bytes;
        });
      }
    } catch {
      // Headers that cannot be read: the size stays unknown.
    }
    return response;
  }

  /** The SDK's response promise settled (before any parsing). */
  responseSettled(): void {
    this.responseArrived = true;
    if (this.rawMode) this.end();
  }

  /** The caller took the raw `Response` (`asResponse()`) without parsing: the exchange ends with it. */
  raw(): void {
    if (this.responseArrived) this.end();
    else this.rawMode = true;
  }

  /** The SDK parsed the body: a complete answer, or (`stream: true`) the stream to observe. */
  parsed(data: unknown, stream: boolean): void {
    if (stream && isObservableStream(data)) {
      this.observeStream(data);
      return;
    }
    try {
      const exchange = this.exchange;
      if (!exchange.isFinished && exchange.claim(data)) {
        if (typeof data !== "object" || data === null) {
          exchange.failIfOk("invalid_response");
        } else {
          const usage = readAiUsage(data);
          exchange.absorbUsage(usage);
          if (
            this.info.expectedShape !== undefined &&
            !this.info.expectedShape(data as Record<string, unknown>)
          )
            exchange.failIfOk("invalid_response");
          else if (!exchange.applyRefusalPolicy(data, usage.refusal === true)) exchange.validate(data);
        }
      }
    } catch {
      // A body whose getters throw: read what could be read.
    }
    this.end();
  }

  /**
   * Ends the call, once: records its exchange (when it owns one) or adds its readings to the
   * outer one. `endedAtMs` (a `performance.now()` value) when the end is recorded late.
   */
  end(error?: unknown, stage: FailureStage = "call", endedAtMs?: number): void {
    if (this.ended) return;
    this.ended = true;
    if (endedAtMs !== undefined && this.owned) this.exchange.endAt(endedAtMs);
    let type: ErrorType | undefined;
    if (error !== undefined) {
      type = aiErrorType(error);
      // A body that would not parse is an invalid response, whatever the SDK threw.
      if (type === undefined && stage === "parse") type = "invalid_response";
      if (type !== undefined) markErrorType(error, type);
    }
    const exchange = this.exchange;
    exchange.addAttempts(this.attempts);
    exchange.addObservedBytes(
      this.requestBytes,
      this.streaming ? this.streamedBytes || this.responseBytes : this.responseBytes,
    );
    if (!this.owned) return;
    this.recorder.enter(this.captured, () =>
      exchange.finish(this.recorder, this.span!, type, error !== undefined && type === undefined),
    );
    this.settle?.(error !== undefined && type === undefined ? error : undefined);
  }

  /** Observes a stream object in place: its `iterator` is wrapped, so the object the caller gets is the SDK's own. */
  private observeStream(stream: { iterator: () => AsyncIterator<unknown> }): void {
    this.streaming = true;
    this.exchange.claim(stream);
    const usage = new StreamUsage();
    this.usage = usage;
    const original = stream.iterator;
    const call = this;
    stream.iterator = function (this: unknown) {
      return observeIterator(original.call(this), call);
    };
  }

  /** @internal One chunk of the stream. */
  chunk(value: unknown): void {
    const exchange = this.exchange;
    if (exchange.isFinished || this.usage === undefined) return;
    try {
      exchange.observeChunk(value, this.usage);
    } catch {
      // A chunk whose getters throw is passed on unread.
    }
  }

  /** @internal The stream ended (completed, or stopped early by the caller). */
  streamEnded(): void {
    const usage = this.usage;
    if (usage !== undefined && !this.exchange.isFinished) {
      this.exchange.endStream(usage);
      if (usage.inputTokens === undefined && usage.outputTokens === undefined) this.hintNoUsage();
    }
    this.end();
  }

  private hintNoUsage(): void {
    const hint = this.info.noStreamUsageHint;
    if (hint === undefined) return;
    let said = HINTED.get(this.recorder);
    if (said === undefined) {
      said = new Set();
      HINTED.set(this.recorder, said);
    }
    if (said.has(hint)) return;
    said.add(hint);
    this.recorder.diag.warn(`zoran-telemetrie: ${hint}`);
  }
}

const OPTIONS = new WeakMap<SdkCallInfo, ResolvedExchangeOptions>();

/** The exchange options of a call description: one object per description (they are cached per model). */
function exchangeOptionsOf(info: SdkCallInfo): ResolvedExchangeOptions {
  let options = OPTIONS.get(info);
  if (options === undefined) {
    options = {
      operation: info.operation,
      kind: info.kind,
      provider: info.provider,
      model: info.model,
      genAiOperation: info.genAiOperation,
      validate: info.validate,
      mustAnswer: info.mustAnswer,
      isUnjustifiedRefusal: info.isUnjustifiedRefusal,
      timeoutMs: undefined,
    };
    OPTIONS.set(info, options);
  }
  return options;
}

/** A stream object of the openai and Anthropic SDKs: async iterable through its `iterator` property. */
function isObservableStream(value: unknown): value is { iterator: () => AsyncIterator<unknown> } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { iterator?: unknown }).iterator === "function" &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

/** An async iterator that reports each step to `call`, passing values, errors and `return()` through. */
function observeIterator(inner: AsyncIterator<unknown>, call: SdkCall): AsyncIterator<unknown> {
  const observed: AsyncIterator<unknown> & AsyncIterable<unknown> = {
    next(...args: [] | [unknown]) {
      return inner.next(...args).then(
        (result) => {
          if (result.done) call.streamEnded();
          else call.chunk(result.value);
          return result;
        },
        (error: unknown) => {
          call.end(error, "stream");
          throw error;
        },
      );
    },
    return(value?: unknown) {
      // Stopped early (`break`): what was read is recorded, as a success.
      call.streamEnded();
      return inner.return ? inner.return(value) : Promise.resolve({ done: true as const, value });
    },
    throw(error?: unknown) {
      call.end(error, "stream");
      return inner.throw ? inner.throw(error) : Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return observed;
    },
  };
  return observed;
}

// Read on first use, not at import: touching the global `Response` makes Node load its fetch
// implementation (undici), about 14 ms of CPU here, which every import of the package paid
// (`node --cpu-prof` of `require("zoran-telemetrie")`, bench/import-time.bench.ts).
let bodyGetter: (() => unknown) | null | undefined;

function responseBodyGetter(): (() => unknown) | undefined {
  bodyGetter ??= Object.getOwnPropertyDescriptor(Response.prototype, "body")?.get ?? null;
  return bodyGetter ?? undefined;
}

/**
 * Counts the bytes of a streamed response body as its reader reads them: `body` is replaced, on
 * first access, by the same bytes through a counting stream (`text()` and `json()` still read the
 * original when `body` was never touched).
 */
function countStreamedBody(response: Response, add: (bytes: number) => void): void {
  const getBody = responseBodyGetter();
  if (getBody === undefined) return;
  Object.defineProperty(response, "body", {
    configurable: true,
    enumerable: true,
    get(this: Response) {
      const body = getBody.call(this) as ReadableStream<Uint8Array> | null;
      const counted =
        body === null
          ? null
          : body.pipeThrough(
              new TransformStream<Uint8Array, Uint8Array>({
                transform(chunk, controller) {
                  add(chunk.byteLength);
                  controller.enqueue(chunk);
                },
              }),
            );
      Object.defineProperty(this, "body", { configurable: true, enumerable: true, value: counted });
      return counted;
    },
  });
}
