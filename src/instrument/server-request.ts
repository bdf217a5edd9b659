import {
  type Attributes,
  type Context,
  type Span,
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
import type { Exchange } from "../signals/label-values.js";
import { serverErrorType } from "./http-semantics.js";
import { instrumentationTracer } from "./instrumentation-tracer.js";
import {
  type HandleRecorder,
  OperationSignals,
  recordOperationSignals,
  recordResponseBytes,
} from "./operation-signals.js";
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

/** One route's cached operation name, scrubbed template and series handles. */
interface RouteSignals {
  readonly route: string | undefined;
  readonly signals: OperationSignals;
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
    signals = {
      route: scrubbed,
      signals: new OperationSignals(
        collector as HandleRecorder,
        operationOf(method, scrubbed),
        this.exchange,
      ),
    };
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
  private signals: OperationSignals | undefined;
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
    const cached = this.server.route(this.method, end.route);
    const outcome = {
      seconds,
      errorType,
      requestBytes: end.requestBytes,
      responseBytes: end.responseBytes,
    };
    let route: string | undefined;
    let operation: string;
    if (cached !== undefined) {
      this.signals = cached.signals;
      route = cached.route;
      operation = cached.signals.operation;
      cached.signals.record(outcome, this.span.spanContext());
    } else {
      route = end.route === undefined ? undefined : scrubValue(end.route) || undefined;
      operation = operationOf(this.method, route);
      recordOperationSignals(collector, this.context, operation, exchange, outcome);
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
    if (this.signals !== undefined) this.signals.responseBytes(bytes);
    else recordResponseBytes(this.server.collector, this.context, operation, this.server.exchange, bytes);
  }
}
