import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Context } from "@opentelemetry/api";
import { describeError } from "../privacy/describe-error.js";
import type { TraceStateOptions } from "../privacy/trace-state-allow-list.js";
import type { Recorder } from "../recording/recorder.js";
import type { Exchange } from "../signals/label-values.js";
import { normalizeMethod } from "./http-semantics.js";
import { ServerRequest } from "./server-request.js";

/** Options shared by the server adapters that sit on `node:http` objects. */
export interface NodeRequestObserverOptions extends TraceStateOptions {
  /** `exchange` label of every request. @default "none" */
  readonly exchange?: Exchange;
  /** Route template of the request, read once the response is complete; undefined = unmatched. */
  readonly route: () => string | undefined;
}

/** A request under observation: the context to run its handler in. */
export interface NodeRequestObservation {
  /** Context holding the server span; run the handler (and later callbacks) inside it. */
  readonly context: Context;
  /** Marks the request as crashed (the handler threw or the framework reported an error). */
  markCrashed(): void;
}

// Bytes already attributed on a keep-alive socket: a request's share is the difference between
// the socket's counters now and at the end of the previous request on it.
const SOCKET_MARKS = new WeakMap<Socket, { read: number; written: number }>();

/**
 * Starts observing one `node:http` request: extracts its W3C trace context, starts the server
 * span, binds the request and response emitters to it (so body-parser callbacks and handlers
 * that run after `data`/`end` events keep the trace), and records the golden signals when the
 * response finishes or the connection closes.
 *
 * Byte counts are what went over the socket for this request, request line and headers
 * included (so they work for chunked bodies and streams too, within the size of the headers).
 *
 * Returns undefined, after reporting through `diag`, if the observation itself failed: the
 * caller then runs the handler without telemetry.
 */
export function observeNodeRequest(
  collector: Recorder,
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeRequestObserverOptions,
): NodeRequestObservation | undefined {
  try {
    const request = new ServerRequest(
      collector,
      normalizeMethod(req.method),
      req.headers,
      options.exchange,
      options.traceStateKeys,
    );
    const socket = req.socket as Socket | null;
    let crashed = false;
    const finish = (aborted: boolean) => {
      res.off("finish", onFinish);
      res.off("close", onClose);
      let route: string | undefined;
      try {
        route = options.route();
      } catch {
        route = undefined;
      }
      const bytes = takeSocketBytes(socket);
      request.end({
        route,
        statusCode: aborted && !res.headersSent ? 0 : res.statusCode,
        requestBytes: bytes?.read ?? contentLength(req.headers["content-length"]),
        responseBytes: bytes?.written,
        crashed,
        aborted,
      });
    };
    const onFinish = () => finish(false);
    const onClose = () => finish(!res.writableFinished);
    res.once("finish", onFinish);
    res.once("close", onClose);
    collector.contextManager.bind(request.context, req);
    collector.contextManager.bind(request.context, res);
    return {
      context: request.context,
      markCrashed() {
        crashed = true;
      },
    };
  } catch (error) {
    collector.diag.warn(
      `zoran-telemetrie: HTTP server instrumentation skipped a request: ${describeError(error)}`,
    );
    return undefined;
  }
}

function takeSocketBytes(socket: Socket | null): { read: number; written: number } | undefined {
  if (socket === null || typeof socket.bytesRead !== "number") return undefined;
  const previous = SOCKET_MARKS.get(socket);
  const now = { read: socket.bytesRead, written: socket.bytesWritten };
  SOCKET_MARKS.set(socket, now);
  return {
    read: Math.max(0, now.read - (previous?.read ?? 0)),
    written: Math.max(0, now.written - (previous?.written ?? 0)),
  };
}

function contentLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}
