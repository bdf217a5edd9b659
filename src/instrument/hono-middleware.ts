import { IncomingMessage, ServerResponse } from "node:http";
import { describeError } from "../privacy/describe-error.js";
import type { TraceStateOptions } from "../privacy/trace-state-allow-list.js";
import type { Recorder } from "../recording/recorder.js";
import type { Exchange } from "../signals/label-values.js";
import { countResponseBody } from "./count-response-body.js";
import { normalizeMethod } from "./http-semantics.js";
import { observeNodeRequest } from "./observe-node-request.js";
import { type ServerRequest, ServerSignals } from "./server-request.js";

/** A route Hono matched for a request: a handler or a middleware, with its full path template. */
export interface HonoRouteLike {
  readonly path: string;
  readonly method: string;
  // biome-ignore lint/complexity/noBannedTypes: Hono's handlers are typed per app; only `length` is read.
  readonly handler: Function;
}

/** The parts of a Hono `Context` the middleware reads (Hono 4). */
export interface HonoContextLike {
  readonly req: {
    readonly method: string;
    readonly raw: Request;
    /** Index in `matchedRoutes` of the handler that ran last (the one that answered). */
    readonly routeIndex: number;
    readonly matchedRoutes: readonly HonoRouteLike[];
  };
  res: Response;
  /** Set by Hono when a handler threw and `app.onError` answered. */
  readonly error?: unknown;
  /** On `@hono/node-server`: `{ incoming, outgoing }`, the `node:http` objects. */
  readonly env?: unknown;
}

/** A Hono middleware. */
export type HonoMiddleware = (c: HonoContextLike, next: () => Promise<void>) => Promise<void>;

/** Options of {@link honoMiddleware}. */
export interface HonoMiddlewareOptions extends TraceStateOptions {
  /** `exchange` label of every request. @default "none" */
  readonly exchange?: Exchange;
}

/**
 * Hono middleware recording the golden signals of every request under its route template
 * (`GET /users/:id`; `HTTP GET unmatched` when only middleware matched), with a server span
 * continuing the caller's W3C trace. Install it first: `app.use(honoMiddleware(collector))`.
 *
 * On `@hono/node-server` the byte counts are the socket's (headers included, chunked bodies too);
 * on other runtimes the request size comes from `Content-Length`, and the response body is
 * counted as it is sent (its bytes are recorded when it has been read to the end).
 *
 * @example
 * const app = new Hono();
 * app.use(honoMiddleware(collector));
 * app.get("/users/:id", (c) => c.json({ ok: true }));
 */
export function honoMiddleware(collector: Recorder, options: HonoMiddlewareOptions = {}): HonoMiddleware {
  const server = new ServerSignals(collector, options.exchange, options.traceStateKeys);
  return async function zoranTelemetrie(c, next) {
    const env = c.env as { incoming?: unknown; outgoing?: unknown } | undefined;
    if (env?.incoming instanceof IncomingMessage && env.outgoing instanceof ServerResponse) {
      // The route is known once the handlers ran (`honoRoute(c)` then): read at `close`.
      const routed: { route: string | undefined } = { route: undefined };
      const observation = observeNodeRequest(server, env.incoming, env.outgoing, routedTemplate, routed);
      if (observation === undefined) return next();
      try {
        await collector.enterOutsideOperation(observation.context, next);
      } catch (error) {
        observation.markCrashed();
        throw error;
      }
      routed.route = honoRoute(c);
      if (c.error !== undefined) observation.markCrashed();
      return;
    }

    let request: ServerRequest;
    try {
      request = server.start(normalizeMethod(c.req.method), c.req.raw.headers);
    } catch (error) {
      collector.diag.warn(
        `zoran-telemetrie: Hono instrumentation skipped a request: ${describeError(error)}`,
      );
      return next();
    }
    let crashed = false;
    try {
      await collector.enterOutsideOperation(request.context, next);
    } catch (error) {
      crashed = true;
      throw error;
    } finally {
      const declared = crashed ? undefined : contentLength(c.res.headers);
      request.end({
        route: honoRoute(c),
        statusCode: crashed ? 500 : c.res.status,
        requestBytes: contentLength(c.req.raw.headers),
        responseBytes: declared,
        crashed: crashed || c.error !== undefined,
      });
      // Without Content-Length (c.json(), streams), the body is counted as the runtime sends it.
      if (!crashed && declared === undefined) {
        try {
          c.res = countResponseBody(c.res, (bytes) => request.responseBytes(bytes));
        } catch (error) {
          collector.diag.debug(`zoran-telemetrie: Hono response size not measured: ${describeError(error)}`);
        }
      }
    }
  };
}

function routedTemplate(routed: { route: string | undefined }): string | undefined {
  return routed.route;
}

/**
 * The template of the route that answered: the last handler Hono ran, unless it is a middleware
 * (two parameters, `(c, next)`), which means no route matched and the not-found handler answered.
 */
function honoRoute(c: HonoContextLike): string | undefined {
  const matched = c.req.matchedRoutes[c.req.routeIndex];
  if (matched === undefined || matched.handler.length >= 2) return undefined;
  return matched.path;
}

function contentLength(headers: Headers): number | undefined {
  const raw = headers.get("content-length");
  if (raw === null) return undefined;
  const length = Number(raw);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}
