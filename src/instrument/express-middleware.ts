import type { IncomingMessage, ServerResponse } from "node:http";
import type { TraceStateOptions } from "../privacy/trace-state-allow-list.js";
import type { Recorder } from "../recording/recorder.js";
import type { Exchange } from "../signals/label-values.js";
import { expressMountTemplate } from "./express-mount-template.js";
import { observeNodeRequest } from "./observe-node-request.js";
import { ServerSignals } from "./server-request.js";

/** The parts of an Express request the middleware reads (Express 4 and 5). */
export interface ExpressRequestLike extends IncomingMessage {
  /** Mount path of the router that handled the request, filled in (Express fills it in). */
  baseUrl?: string;
  /** The matched route; its `path` is the template, e.g. `/users/:id`. */
  route?: { path?: unknown };
  /** The app handling the request (Express sets it). */
  app?: unknown;
}

/** Options of {@link expressMiddleware}. */
export interface ExpressMiddlewareOptions extends TraceStateOptions {
  /** `exchange` label of every request. @default "none" */
  readonly exchange?: Exchange;
  /**
   * Route template of a request, when the default cannot read it (see {@link expressMiddleware}).
   * Never return `req.baseUrl` or `req.originalUrl`: they are raw paths, with the ids in them.
   * @default the mount paths' templates (read from the app's router stack) + `req.route.path`
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
 * Routers and sub-apps mounted on a path (`app.use("/users/:user", router)`) are recorded under
 * the full template (`GET /users/:user/orders`), read from the app's router stack: Express only
 * keeps the filled-in mount path. A mount path with no template to read (a RegExp) is recorded
 * as `/:mount` followed by the route's template, with one warning through `diag`; pass `route`
 * to name it.
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
  let warned = false;
  const warnOnce = () => {
    if (warned) return;
    warned = true;
    collector.diag.warn(
      `zoran-telemetrie: an Express router or sub-app is mounted on a path whose template cannot be read (a RegExp mount path, or a router stack this version does not know); its requests are recorded under ${MOUNT_PLACEHOLDER} followed by the route template, never the raw path. Pass expressMiddleware(collector, { route: (req) => "..." }) to name them.`,
    );
  };
  const server = new ServerSignals(collector, options.exchange, options.traceStateKeys);
  // Made once: the route is read when the response is done. Nothing is set on `req` itself:
  // Express keeps it as a dictionary, where each new property costs about 2 µs (bind-emitter.ts).
  const custom = options.route;
  const routeOf =
    custom === undefined
      ? (at: RoutedRequest) => expressRoute(at.req, at.rootApp, warnOnce)
      : (at: RoutedRequest) => custom(at.req);
  return function zoranTelemetrie(req, res, next) {
    // The app whose stack the middleware runs in: where the walk to the matched route starts.
    const observation = observeNodeRequest(server, req, res, routeOf, { req, rootApp: req.app });
    if (observation === undefined) {
      next();
      return;
    }
    collector.enterOutsideOperation(observation.context, next);
  };
}

/** A request and the app it entered the middleware in (`req.app` changes as sub-apps handle it). */
interface RoutedRequest {
  readonly req: ExpressRequestLike;
  readonly rootApp: unknown;
}

/** What a mount path with no readable template is recorded as: bounded, and no caller text. */
const MOUNT_PLACEHOLDER = "/:mount";

/**
 * The full route template once a route matched (the mount paths' templates + `req.route.path`),
 * else undefined (string route paths only). Never `req.baseUrl`, which is the raw mount path.
 */
export function expressRoute(
  req: ExpressRequestLike,
  rootApp: unknown = req.app,
  onPlaceholder?: () => void,
): string | undefined {
  const path = req.route?.path;
  if (typeof path !== "string") return undefined;
  const base = typeof req.baseUrl === "string" ? req.baseUrl : "";
  if (base === "") return path || "/";
  const mount = expressMountTemplate(rootApp, req.app, req.route, base);
  if (mount !== undefined) return mount + path || "/";
  onPlaceholder?.();
  return MOUNT_PLACEHOLDER + path;
}
