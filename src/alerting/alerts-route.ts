import type { RouteHandler } from "../endpoint/route-handler.js";
import type { AlertState } from "./alert-state.js";
import { alertsResponseBody } from "./alerting-options.js";

/** `GET /api/alerts`: the current alert states as JSON `{ "alerts": [...] }`, never cached. */
export function createAlertsRoute(states: () => readonly AlertState[]): RouteHandler {
  return (request, response) => {
    const body = alertsResponseBody(states());
    response.writeHead(200, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
      "Cache-Control": "no-store",
    });
    response.end(request.method === "HEAD" ? undefined : body);
  };
}
