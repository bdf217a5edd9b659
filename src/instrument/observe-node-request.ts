import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Context } from "@opentelemetry/api";
import { describeError } from "../privacy/describe-error.js";
import { bindEmitterToContext } from "./bind-emitter.js";
import { normalizeMethod } from "./http-semantics.js";
import type { ServerSignals } from "./server-request.js";

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
 * response is done (its `close` event, which follows `finish`, or comes alone when the client
 * went away). `route(arg)` gives the route template then (undefined: unmatched); it takes an
 * argument so that adapters pass one function made once, not a closure per request.
 *
 * Byte counts are what went over the socket for this request, request line and headers
 * included (so they work for chunked bodies and streams too, within the size of the headers).
 *
 * Returns undefined, after reporting through `diag`, if the observation itself failed: the
 * caller then runs the handler without telemetry.
 */
export function observeNodeRequest<A>(
  server: ServerSignals,
  req: IncomingMessage,
  res: ServerResponse,
  route: (arg: A) => string | undefined,
  routeArg: A,
): NodeRequestObservation | undefined {
  const collector = server.collector;
  try {
    const request = server.start(normalizeMethod(req.method), req.headers);
    const socket = req.socket as Socket | null;
    const observation = new NodeObservation(request.context);
    // One listener: a response's `close` comes after `finish`, or alone when it was cut short.
    res.once("close", () => {
      const aborted = !res.writableFinished;
      let template: string | undefined;
      try {
        template = route(routeArg);
      } catch {
        template = undefined;
      }
      const bytes = takeSocketBytes(socket);
      request.end({
        route: template,
        statusCode: aborted && !res.headersSent ? 0 : res.statusCode,
        requestBytes: bytes?.read ?? contentLength(req.headers["content-length"]),
        responseBytes: bytes?.written,
        crashed: observation.crashed,
        aborted,
      });
    });
    bindEmitterToContext(req, request.context, collector.contextManager);
    bindEmitterToContext(res, request.context, collector.contextManager);
    return observation;
  } catch (error) {
    collector.diag.warn(
      `zoran-telemetrie: HTTP server instrumentation skipped a request: ${describeError(error)}`,
    );
    return undefined;
  }
}

class NodeObservation implements NodeRequestObservation {
  crashed = false;
  constructor(readonly context: Context) {}
  markCrashed(): void {
    this.crashed = true;
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
