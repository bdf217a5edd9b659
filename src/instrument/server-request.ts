import {
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from "@opentelemetry/semantic-conventions";
import { scrubValue } from "../privacy/scrub-value.js";
import type { Recorder } from "../recording/recorder.js";
import type { SignalHandle } from "../recording/signal-handle.js";
import { GoldenSignals } from "../signals/golden-signals.js";
import type { ErrorType, Exchange } from "../signals/label-values.js";
import { serverErrorType } from "./http-semantics.js";
import { instrumentationTracer } from "./instrumentation-tracer.js";
import { extractTraceContext, type HeaderSource } from "./trace-context.js";

/** How one server request ended, as the framework adapter saw it. */
export interface ServerRequestEnd {
  /** Route template (`/users/:id`), never the raw path; undefined when no route matched. */
  readonly route: string | undefined;
  /** HTTP status code sent (0 when the connection closed before any response). */
  readonly statusCode: number;
  /** Bytes received for the request, when known. */
  readonly requestBytes?: number | undefined;
  /** Bytes sent for the response, when known. */
  readonly responseBytes?: number | undefined;
  /** The handler threw or the framework reported an error. */
  readonly crashed?: boolean;
  /** The client went away before the response was complete. */
  readonly aborted?: boolean;
}

/** Routes (method + template) whose operation and series handles one adapter keeps at most. */
const MAX_CACHED_ROUTES = 512;

/**
 * The golden signals of one route (`GET /users/:id`) as an adapter records them: its scrubbed
 * operation name and, when the recorder has `series()`, the pre-resolved series handles, made
 * on first use. A request then records with a few typed-array updates instead of four
 * attribute resolutions (bench/middleware.bench.ts).
 */
class RouteSignals {
  private latencyOk: SignalHandle | undefined;
  private latencyError: SignalHandle | undefined;
  private requestOk: SignalHandle | undefined;
  private readonly errors = new Map<ErrorType, SignalHandle>();
  private bytesIn: SignalHandle | undefined;
  private bytesOut: SignalHandle | undefined;

  constructor(
    private readonly collector: Recorder & Required<Pick<Recorder, "series">>,
    readonly operation: string,
    /** The scrubbed route template, undefined for unmatched requests. */
    readonly route: string | undefined,
    private readonly exchange: Exchange | undefined,
  ) {}

  record(
    seconds: number,
    errorType: ErrorType | undefined,
    requestBytes: number | undefined,
    responseBytes: number | undefined,
    /** The request's server span: the exemplar of its latency and request count. */
    exemplar: SpanContext,
  ): void {
    const { collector, operation, exchange } = this;
    if (errorType === undefined) {
      this.latencyOk ??= collector.series(GoldenSignals.LATENCY, { operation, exchange, outcome: "ok" });
      this.latencyOk.record(seconds, exemplar);
      this.requestOk ??= collector.series(GoldenSignals.ERROR_RATE, { operation, exchange });
      this.requestOk.record(0, exemplar);
    } else {
      this.latencyError ??= collector.series(GoldenSignals.LATENCY, {
        operation,
        exchange,
        outcome: "error",
      });
      this.latencyError.record(seconds, exemplar);
      let errors = this.errors.get(errorType);
      if (errors === undefined) {
        errors = collector.series(GoldenSignals.ERROR_RATE, { operation, exchange, error_type: errorType });
        this.errors.set(errorType, errors);
      }
      errors.record(1, exemplar);
    }
    if (requestBytes !== undefined) this.input().record(requestBytes);
    if (responseBytes !== undefined) this.output().record(responseBytes);
  }

  output(): SignalHandle {
    this.bytesOut ??= this.collector.series(GoldenSignals.TRAFFIC, {
      operation: this.operation,
      exchange: this.exchange,
      kind: "bytes",
      direction: "output",
    });
    return this.bytesOut;
  }

  private input(): SignalHandle {
    this.bytesIn ??= this.collector.series(GoldenSignals.TRAFFIC, {
      operation: this.operation,
      exchange: this.exchange,
      kind: "bytes",
      direction: "input",
    });
    return this.bytesIn;
  }
}

/** The span name and start options of a server span, one frozen pair per method. */
const SPAN_STARTS = new Map<string, { name: string; options: SpanOptions }>();

function spanStart(method: string): { name: string; options: SpanOptions } {
  let start = SPAN_STARTS.get(method);
  if (start === undefined) {
    const attributes: Attributes = Object.freeze({ [ATTR_HTTP_REQUEST_METHOD]: method });
    start = Object.freeze({
      name: `HTTP ${method}`,
      options: Object.freeze({ kind: SpanKind.SERVER, attributes }),
    });
    SPAN_STARTS.set(method, start);
  }
  return start;
}

/**
 * What one server adapter (`expressMiddleware(collector)`, `fastifyPlugin`, ...) shares across
 * its requests: the collector, the exchange label, the `tracestate` keys kept, and the routes
 * seen, each with its operation name scrubbed once and its series handles (bounded by
 * `MAX_CACHED_ROUTES`; past it, requests record through `recordSignal()`).
 */
export class ServerSignals {
  /** By method, then raw route template (undefined: unmatched). */
  private readonly routes = new Map<string, Map<string | undefined, RouteSignals>>();
  private cached = 0;

  constructor(
    readonly collector: Recorder,
    readonly exchange: Exchange | undefined,
    /** Keys of the incoming `tracestate` kept (src/privacy/trace-state-allow-list.ts). */
    readonly traceStateKeys?: readonly string[],
  ) {}

  /** Starts one request: its server span, child of the caller's `traceparent`. */
  start(method: string, headers: HeaderSource): ServerRequest {
    return new ServerRequest(this, method, headers);
  }

  /** The signals of `method` + `route` (a raw template, scrubbed here once); undefined past the bound. */
  route(method: string, route: string | undefined): RouteSignals | undefined {
    // Two levels, so the lookup allocates no key: route templates are the framework's strings.
    let byRoute = this.routes.get(method);
    let signals = byRoute?.get(route);
    if (signals !== undefined) return signals;
    const collector = this.collector;
    if (collector.series === undefined || this.cached >= MAX_CACHED_ROUTES) return undefined;
    if (byRoute === undefined) {
      byRoute = new Map();
      this.routes.set(method, byRoute);
    }
    const scrubbed = route === undefined ? undefined : scrubValue(route) || undefined;
    signals = new RouteSignals(
      collector as Recorder & Required<Pick<Recorder, "series">>,
      operationOf(method, scrubbed),
      scrubbed,
      this.exchange,
    );
    byRoute.set(route, signals);
    this.cached++;
    return signals;
  }
}

function operationOf(method: string, route: string | undefined): string {
  return route === undefined ? `HTTP ${method} unmatched` : `${method} ${route}`;
}

/**
 * The golden signals and the server span of one incoming HTTP request, shared by every server
 * adapter (`node:http`, Express, Fastify, Hono).
 *
 * The operation is `METHOD /route/template`, known only once the framework has routed the
 * request, so the signals are recorded at the end, outside `trace()` (whose operation is fixed
 * when it starts): one request with its outcome, one latency observation, request bytes as
 * `input` and response bytes as `output` traffic. Requests that matched no route are the
 * operation `HTTP METHOD unmatched`: a raw path (with its ids) never becomes a label or a span
 * name.
 */
export class ServerRequest {
  /** Context to run the handler in: the server span, child of the caller's `traceparent`. */
  readonly context: Context;
  private readonly span: Span;
  private readonly startMs = performance.now();
  private ended = false;
  private signals: RouteSignals | undefined;
  private operation: string | undefined;

  constructor(
    private readonly server: ServerSignals,
    /** Normalized method (`GET`, ..., `_OTHER`). */
    private readonly method: string,
    headers: HeaderSource,
  ) {
    const parent = extractTraceContext(headers, server.traceStateKeys);
    const { name, options } = spanStart(method);
    this.span = instrumentationTracer(server.collector).startSpan(name, options, parent);
    this.context = trace.setSpan(parent, this.span);
  }

  /** Records the request's signals and ends its span; later calls do nothing. */
  end(end: ServerRequestEnd): void {
    if (this.ended) return;
    this.ended = true;
    const seconds = (performance.now() - this.startMs) / 1000;
    const errorType = end.crashed ? "crash" : end.aborted ? undefined : serverErrorType(end.statusCode);
    const { collector, exchange } = this.server;
    const signals = this.server.route(this.method, end.route);
    let route: string | undefined;
    let operation: string;
    if (signals !== undefined) {
      this.signals = signals;
      ({ route, operation } = signals);
      // Handles record outside any enclosing `trace()` by definition (series() semantics), and
      // read no context: the server span is passed as the exemplar.
      signals.record(seconds, errorType, end.requestBytes, end.responseBytes, this.span.spanContext());
    } else {
      route = end.route === undefined ? undefined : scrubValue(end.route) || undefined;
      operation = operationOf(this.method, route);
      recordUncached(collector, this.context, operation, exchange, seconds, errorType, end);
    }
    this.operation = operation;
    const span = this.span;
    span.updateName(operation);
    if (route !== undefined) span.setAttribute(ATTR_HTTP_ROUTE, route);
    if (end.statusCode > 0) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, end.statusCode);
    if (exchange !== undefined && exchange !== "none") span.setAttribute("zoran.exchange", exchange);
    if (end.aborted) span.setAttribute("zoran.aborted", true);
    if (errorType !== undefined) {
      span.setAttribute(ATTR_ERROR_TYPE, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }

  /**
   * Records response bytes known only after `end()` (a streamed body counted as it is sent),
   * under the operation `end()` resolved. Does nothing before `end()`.
   */
  responseBytes(bytes: number): void {
    const operation = this.operation;
    if (operation === undefined) return;
    if (this.signals !== undefined) {
      this.signals.output().record(bytes);
      return;
    }
    const collector = this.server.collector;
    collector.enterOutsideOperation(this.context, () =>
      collector.recordSignal(GoldenSignals.TRAFFIC, bytes, {
        operation,
        exchange: this.server.exchange,
        kind: "bytes",
        direction: "output",
      }),
    );
  }
}

/** The request's signals through `recordSignal()`: a recorder without `series()`, or past the route bound. */
function recordUncached(
  collector: Recorder,
  context: Context,
  operation: string,
  exchange: Exchange | undefined,
  seconds: number,
  errorType: ErrorType | undefined,
  end: ServerRequestEnd,
): void {
  // Outside any enclosing `trace()`: this request is its own operation, and must not overwrite
  // the held latency or error of an operation that happens to be active where `finish` fired.
  // In the request's context: its server span is the exemplar of these signals.
  collector.enterOutsideOperation(context, () => {
    collector.recordSignal(GoldenSignals.LATENCY, seconds, {
      operation,
      exchange,
      outcome: errorType === undefined ? "ok" : "error",
    });
    collector.recordSignal(GoldenSignals.ERROR_RATE, errorType === undefined ? 0 : 1, {
      operation,
      exchange,
      error_type: errorType,
    });
    if (end.requestBytes !== undefined) {
      collector.recordSignal(GoldenSignals.TRAFFIC, end.requestBytes, {
        operation,
        exchange,
        kind: "bytes",
        direction: "input",
      });
    }
    if (end.responseBytes !== undefined) {
      collector.recordSignal(GoldenSignals.TRAFFIC, end.responseBytes, {
        operation,
        exchange,
        kind: "bytes",
        direction: "output",
      });
    }
  });
}
