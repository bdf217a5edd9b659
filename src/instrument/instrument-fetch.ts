import { type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from "@opentelemetry/semantic-conventions";
import { describeError } from "../privacy/describe-error.js";

import { scrubValue } from "../privacy/scrub-value.js";
import type { Recorder } from "../recording/recorder.js";
import type { ErrorType, Exchange } from "../signals/label-values.js";
import { isInsideAiExchange } from "./ai/exchange-context.js";
import { countResponseBody } from "./count-response-body.js";
import { clientErrorType, normalizeMethod, thrownErrorType } from "./http-semantics.js";
import { instrumentationTracer } from "./instrumentation-tracer.js";
import {
  type HandleRecorder,
  OperationSignals,
  recordOperationSignals,
  recordResponseBytes,
} from "./operation-signals.js";
import { payloadSize } from "./payload-size.js";
import { injectTraceContext } from "./trace-context.js";

/** What an outgoing request is known by when its operation name is chosen. */
export interface FetchRequestInfo {
  /** Normalized method (`GET`, ..., `_OTHER`). */
  readonly method: string;
  readonly url: URL;
}

/** Options of {@link instrumentFetch}. */
export interface FetchInstrumentationOptions {
  /** The `fetch` to instrument. @default `globalThis.fetch`, read at each call */
  readonly fetch?: typeof fetch;
  /**
   * Operation name of a call. Never derive it from the path or query: they hold ids and secrets.
   * @default `"<METHOD> <host name>"`, e.g. `POST api.openai.com` (IP addresses appear as `<ipv4>`)
   */
  readonly operation?: string | ((request: FetchRequestInfo) => string);
  /** `exchange` label of every call. @default "none" */
  readonly exchange?: Exchange;
  /** Add `traceparent`/`tracestate` to the request (false for third parties that must not see it). @default true */
  readonly propagate?: boolean | ((url: URL) => boolean);
}

/**
 * An instrumented `fetch`: each call runs in a client span (child of the active span), carries
 * the W3C `traceparent` of that span, and records one request under its operation: latency until
 * the response headers, a `rate_limited` (429), `timeout` (408, 504, or a timeout error) or `provider_error`
 * (5xx, network failure) error, the request body size as `input` bytes and the response body size
 * as `output` bytes, counted as the body is read (a body never read is not counted).
 *
 * @example
 * const tracedFetch = instrumentFetch(collector, { exchange: "ai_ai" });
 * const res = await tracedFetch("http://agent-b.internal/answer", { method: "POST", body });
 */
export function instrumentFetch(
  collector: Recorder,
  options: FetchInstrumentationOptions = {},
): typeof fetch {
  // A fixed name is scrubbed once, here: the span name as well as the label, and the raw string
  // is not kept by this closure (issue 15, findings 1 and 3).
  if (typeof options.operation === "string")
    options = { ...options, operation: scrubValue(options.operation) };
  const base = options.fetch;
  const caches = new FetchCaches(collector, options.exchange);
  const instrumented = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const fetchImpl = base ?? globalThis.fetch;
    let call: FetchCall | undefined;
    try {
      call = startCall(collector, options, caches, input, init);
    } catch (error) {
      collector.diag.warn(`zoran-telemetrie: fetch instrumentation skipped a call: ${describeError(error)}`);
    }
    if (call === undefined) return fetchImpl(input, init);
    let response: Response;
    try {
      const { span, headers } = call;
      const callInit: RequestInit = { ...init, headers };
      response = await collector.contextManager.with(trace.setSpan(call.parent, span), () =>
        fetchImpl(input, callInit),
      );
    } catch (error) {
      call.end(0, thrownErrorType(error) ?? "other");
      throw error;
    }
    try {
      call.end(response.status, clientErrorType(response.status));
      return countResponseBody(response, (bytes) => call.responseBytes(bytes));
    } catch (error) {
      collector.diag.warn(
        `zoran-telemetrie: fetch instrumentation could not observe a response: ${describeError(error)}`,
      );
      return response;
    }
  };
  return instrumented as typeof fetch;
}

/**
 * Replaces `globalThis.fetch` with an instrumented one (see {@link instrumentFetch}) and returns
 * a function that puts the original back.
 */
export function instrumentGlobalFetch(
  collector: Recorder,
  options: Omit<FetchInstrumentationOptions, "fetch"> = {},
): () => void {
  const original = globalThis.fetch;
  const instrumented = instrumentFetch(collector, { ...options, fetch: original });
  globalThis.fetch = instrumented;
  return () => {
    if (globalThis.fetch === instrumented) globalThis.fetch = original;
  };
}

interface FetchCall {
  readonly parent: ReturnType<Recorder["contextManager"]["active"]>;
  readonly span: Span;
  readonly headers: Headers;
  end(statusCode: number, errorType: ErrorType | undefined): void;
  responseBytes(bytes: number): void;
}

/** Entries each cache of one instrumented `fetch` keeps at most (host names, operations). */
const MAX_CACHED = 512;

/**
 * What one instrumented `fetch` keeps across calls: host names scrubbed once (each call used to
 * run the scrubber twice on it), and per operation its pre-resolved series handles when the
 * recorder has `series()` (bench/middleware.bench.ts, the fetch client row).
 */
class FetchCaches {
  private readonly hosts = new Map<string, string>();
  private readonly operations = new Map<string, OperationSignals>();

  constructor(
    private readonly collector: Recorder,
    private readonly exchange: Exchange | undefined,
  ) {}

  // Raw host names as keys, bounded in number and length and never exported: the policy of the
  // metric table's raw-name cache (src/recording/metric-table.ts). A DNS name has at most 253 characters.
  host(hostname: string): string {
    let scrubbed = this.hosts.get(hostname);
    if (scrubbed === undefined) {
      scrubbed = scrubValue(hostname);
      if (this.hosts.size < MAX_CACHED && hostname.length <= 253) this.hosts.set(hostname, scrubbed);
    }
    return scrubbed;
  }

  /** The handles of `operation` (already scrubbed); undefined without `series()` or past the bound. */
  signals(operation: string): OperationSignals | undefined {
    let signals = this.operations.get(operation);
    if (signals === undefined) {
      const collector = this.collector;
      if (collector.series === undefined || this.operations.size >= MAX_CACHED) return undefined;
      signals = new OperationSignals(collector as HandleRecorder, operation, this.exchange);
      this.operations.set(operation, signals);
    }
    return signals;
  }
}

function startCall(
  collector: Recorder,
  options: FetchInstrumentationOptions,
  caches: FetchCaches,
  input: string | URL | Request,
  init: RequestInit | undefined,
): FetchCall {
  const request = input instanceof Request ? input : undefined;
  const method = normalizeMethod(init?.method ?? request?.method ?? "GET");
  const url = new URL(request?.url ?? String(input));
  const info: FetchRequestInfo = { method, url };
  const chosen = typeof options.operation === "function" ? options.operation(info) : options.operation;
  // The span name is free text like the label: a name chosen per call is scrubbed before the
  // span keeps it (the label's scrubbing happens in the store, too late for the span).
  const host = caches.host(url.hostname);
  const operation =
    typeof chosen !== "string" || chosen === ""
      ? `${method} ${host || "unknown"}`
      : chosen === options.operation
        ? chosen
        : scrubValue(chosen) || "none";
  const exchange = options.exchange;
  const parent = collector.contextManager.active();
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  const span = instrumentationTracer(collector).startSpan(
    operation,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        // Host and port only: the path and query of `url.full` may hold ids and secrets.
        [ATTR_SERVER_ADDRESS]: host,
        [ATTR_SERVER_PORT]: port,
      },
    },
    parent,
  );
  const headers = new Headers(init?.headers ?? request?.headers);
  const propagate = options.propagate ?? true;
  if (propagate === true || (typeof propagate === "function" && propagate(url))) {
    injectTraceContext(trace.setSpan(parent, span), headers);
  }
  const declaredLength = Number(headers.get("content-length") ?? Number.NaN);
  const requestBytes =
    init?.body !== undefined
      ? payloadSize(init.body)
      : Number.isSafeInteger(declaredLength)
        ? declaredLength
        : request?.body
          ? undefined
          : 0;
  const startMs = performance.now();

  // Inside an AI exchange, the exchange counts the request (outermost wins): the call keeps its
  // span and records no signals. Otherwise the call is its own operation, its client span the
  // exemplar of its signals (operation-signals.ts).
  const insideExchange = isInsideAiExchange(parent);
  const callContext = trace.setSpan(parent, span);
  const signals = insideExchange ? undefined : caches.signals(operation);
  return {
    parent,
    span,
    headers,
    end(statusCode, errorType) {
      const outcome = { seconds: (performance.now() - startMs) / 1000, errorType, requestBytes };
      if (signals !== undefined) signals.record(outcome, span.spanContext());
      else if (!insideExchange) recordOperationSignals(collector, callContext, operation, exchange, outcome);
      if (statusCode > 0) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
      if (errorType !== undefined) {
        span.setAttribute(ATTR_ERROR_TYPE, errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    },
    responseBytes(bytes) {
      if (signals !== undefined) signals.responseBytes(bytes);
      else if (!insideExchange) recordResponseBytes(collector, callContext, operation, exchange, bytes);
    },
  };
}
