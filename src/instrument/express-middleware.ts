import type { IncomingMessage, ServerResponse } from "node:http";
import type { Recorder } from "../recording/recorder.js";
import type { Exchange } from "../signals/label-values.js";
import { observeNodeRequest } from "./observe-node-request.js";

/** The parts of an Express request the middleware reads (Express 4 and 5). */
export interface ExpressRequestLike extends IncomingMessage {
  /** Mount path of the router that handled the request (Express fills it in). */
  baseUrl?: string;
  /** The matched route; its `path` is the template, e.g. `/users/:id`. */
  route?: { path?: unknown };
}

/** Options of {@link expressMiddleware}. */
export interface ExpressMiddlewareOptions {
  /** `exchange` label of every request. @default "none" */
  readonly exchange?: Exchange;
  /**
   * Route template of a request, for routers mounted on paths with parameters (Express keeps
   * only the filled-in mount path, `req.baseUrl`, which would hold the ids).
   * @default `req.baseUrl + req.route.path`
   */
  readonly route?: (req: ExpressRequestLike) => string | undefined;
}

/** An Express (4 or 5) middleware function. */
export type ExpressMiddleware = (
  req: ExpressRequestLike,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Express middleware recording the golden signals of every request under its route template
 * (`GET /users/:id`; `HTTP GET unmatched` for 404s), with a server span continuing the caller's
 * W3C trace. Install it first, before the routes and body parsers.
 *
 * @example
 * const app = express();
 * app.use(expressMiddleware(collector, { exchange: "ai_human" }));
 * app.get("/users/:id", handler);
 */
export function expressMiddleware(
  collector: Recorder,
  options: ExpressMiddlewareOptions = {},
): ExpressMiddleware {
  const routeOf = options.route ?? expressRoute;
  return function zoranTelemetrie(req, res, next) {
    const observation = observeNodeRequest(collector, req, res, {
      exchange: options.exchange,
      route: () => routeOf(req),
    });
    if (observation === undefined) {
      next();
      return;
    }
    collector.enterOutsideOperation(observation.context, next);
  };
}

/** `req.baseUrl + req.route.path` once a route matched, else undefined (string templates only). */
export function expressRoute(req: ExpressRequestLike): string | undefined {
  const path = req.route?.path;
  if (typeof path !== "string") return undefined;
  const base = typeof req.baseUrl === "string" ? req.baseUrl : "";
  return base + path || "/";
}
