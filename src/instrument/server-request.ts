import { type Context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from "@opentelemetry/semantic-conventions";

import { scrubValue } from "../privacy/scrub-value.js";
import type { Recorder } from "../recording/recorder.js";
import { GoldenSignals } from "../signals/golden-signals.js";
import type { Exchange } from "../signals/label-values.js";
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

/**
 * The golden signals and the server span of one incoming HTTP request, shared by every server
 * adapter (`node:http`, Express, Fastify, Hono).
 *
 * The operation is `METHOD /route/template`, known only once the framework has routed the
 * request, so the signals are recorded at the end with `recordSignal()` outside `trace()` (whose
 * operation is fixed when it starts): one request with its outcome, one latency observation,
 * request bytes as `input` and response bytes as `output` traffic. Requests that matched no route
 * are the operation `HTTP METHOD unmatched`: a raw path (with its ids) never becomes a label or a
 * span name.
 */
export class ServerRequest {
  /** Context to run the handler in: the server span, child of the caller's `traceparent`. */
  readonly context: Context;
  private readonly span: Span;
  private readonly startMs = performance.now();
  private ended = false;
  private operation: string | undefined;

  constructor(
    private readonly collector: Recorder,
    /** Normalized method (`GET`, ..., `_OTHER`). */
    private readonly method: string,
    headers: HeaderSource,
    private readonly exchange: Exchange | undefined,
    /** Keys of the incoming `tracestate` kept (src/privacy/trace-state-allow-list.ts). */
    traceStateKeys?: readonly string[],
  ) {
    const parent = extractTraceContext(headers, traceStateKeys);
    this.span = instrumentationTracer(collector).startSpan(
      `HTTP ${method}`,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method } },
      parent,
    );
    this.context = trace.setSpan(parent, this.span);
  }

  /** Records the request's signals and ends its span; later calls do nothing. */
  end(end: ServerRequestEnd): void {
    if (this.ended) return;
    this.ended = true;
    const seconds = (performance.now() - this.startMs) / 1000;
    const route = end.route === undefined ? undefined : scrubValue(end.route) || undefined;
    const operation = route === undefined ? `HTTP ${this.method} unmatched` : `${this.method} ${route}`;
    this.operation = operation;
    const errorType = end.crashed ? "crash" : end.aborted ? undefined : serverErrorType(end.statusCode);
    const exchange = this.exchange;
    const collector = this.collector;
    // Outside any enclosing `trace()`: this request is its own operation, and must not overwrite
    // the held latency or error of an operation that happens to be active where `finish` fired.
    // In the request's context: its server span is the exemplar of these signals.
    collector.enterOutsideOperation(this.context, () => {
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
    const collector = this.collector;
    collector.enterOutsideOperation(this.context, () =>
      collector.recordSignal(GoldenSignals.TRAFFIC, bytes, {
        operation,
        exchange: this.exchange,
        kind: "bytes",
        direction: "output",
      }),
    );
  }
}
