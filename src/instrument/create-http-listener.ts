import type { IncomingMessage, ServerResponse } from "node:http";
import type { TraceStateOptions } from "../privacy/trace-state-allow-list.js";
import type { Recorder } from "../recording/recorder.js";
import type { Exchange } from "../signals/label-values.js";
import { observeNodeRequest } from "./observe-node-request.js";
import { ServerSignals } from "./server-request.js";

/** Options of {@link createHttpListener}. */
export interface HttpListenerOptions extends TraceStateOptions {
  /** `exchange` label of every request (`ai_human` for a chat front end, `ai_ai` for an agent API). @default "none" */
  readonly exchange?: Exchange;
  /**
   * Route template of a request, e.g. `(req) => req.url?.startsWith("/v1/chat") ? "/v1/chat" : undefined`.
   * Never return the raw URL: it holds ids. Undefined makes the operation `HTTP GET unmatched`.
   * @default no routes: every request is `HTTP <METHOD> unmatched`
   */
  readonly route?: (req: IncomingMessage) => string | undefined;
}

/**
 * Wraps a `node:http` request listener so that every request records its golden signals
 * (one request, latency, 5xx/429 errors, bytes in and out) and runs inside a server span that
 * continues the caller's W3C trace.
 *
 * @example
 * const server = createServer(createHttpListener(collector, (req, res) => res.end("ok"), {
 *   route: (req) => (req.url === "/health" ? "/health" : undefined),
 * }));
 */
export function createHttpListener<Req extends IncomingMessage, Res extends ServerResponse>(
  collector: Recorder,
  listener: (req: Req, res: Res) => unknown,
  options: HttpListenerOptions = {},
): (req: Req, res: Res) => void {
  const server = new ServerSignals(collector, options.exchange, options.traceStateKeys);
  const route = options.route ?? noRoute;
  return function instrumentedListener(this: unknown, req: Req, res: Res): void {
    const observation = observeNodeRequest(server, req, res, route, req);
    if (observation === undefined) {
      listener.call(this, req, res);
      return;
    }
    let result: unknown;
    try {
      result = collector.enterOutsideOperation(observation.context, () => listener.call(this, req, res));
    } catch (error) {
      observation.markCrashed();
      throw error;
    }
    if (result instanceof Promise) {
      // Rethrown, so an unhandled rejection stays exactly as visible as without the wrapper.
      result.then(undefined, (error: unknown) => {
        observation.markCrashed();
        throw error;
      });
    }
  };
}

function noRoute(): undefined {
  return undefined;
}
