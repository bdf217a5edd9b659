import type { IncomingMessage, ServerResponse } from "node:http";

/** Answers one GET or HEAD request on a path of the endpoint (`/metrics`, the live page, `/api/alerts`). */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;
