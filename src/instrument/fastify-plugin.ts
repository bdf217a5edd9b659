import type { IncomingMessage, ServerResponse } from "node:http";
import type { TraceStateOptions } from "../privacy/trace-state-allow-list.js";
import type { Recorder } from "../recording/recorder.js";
import type { Exchange } from "../signals/label-values.js";
import { type NodeRequestObservation, observeNodeRequest } from "./observe-node-request.js";
import { ServerSignals } from "./server-request.js";

/** The parts of a Fastify request the plugin reads (Fastify 4.10+ and 5). */
export interface FastifyRequestLike {
  readonly raw: IncomingMessage;
  /** `url` is the route template (`/users/:id`); undefined for the 404 handler. */
  readonly routeOptions?: { readonly url?: string | undefined };
}

/** The parts of a Fastify reply the plugin reads. */
export interface FastifyReplyLike {
  readonly raw: ServerResponse;
}

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  addHook(
    name: "onRequest",
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void,
  ): unknown;
  addHook(
    name: "onError",
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, error: unknown, done: () => void) => void,
  ): unknown;
}

/** Options of {@link fastifyPlugin}. */
export interface FastifyPluginOptions extends TraceStateOptions {
  /** `exchange` label of every request. @default "none" */
  readonly exchange?: Exchange;
}

/** A Fastify plugin (callback style), not encapsulated so that its hooks see every route. */
export type FastifyTelemetryPlugin = (
  instance: FastifyInstanceLike,
  options: unknown,
  done: () => void,
) => void;

/**
 * Fastify plugin recording the golden signals of every request under its route template
 * (`routeOptions.url`; `HTTP GET unmatched` for the 404 handler), with a server span continuing the
 * caller's W3C trace. Register it before the routes.
 *
 * @example
 * const app = Fastify();
 * await app.register(fastifyPlugin(collector));
 * app.get("/users/:id", handler);
 */
export function fastifyPlugin(
  collector: Recorder,
  options: FastifyPluginOptions = {},
): FastifyTelemetryPlugin {
  const observations = new WeakMap<IncomingMessage, NodeRequestObservation>();
  const server = new ServerSignals(collector, options.exchange, options.traceStateKeys);
  const plugin: FastifyTelemetryPlugin = (instance, _pluginOptions, done) => {
    instance.addHook("onRequest", (request, reply, hookDone) => {
      const observation = observeNodeRequest(server, request.raw, reply.raw, fastifyRoute, request);
      if (observation === undefined) {
        hookDone();
        return;
      }
      observations.set(request.raw, observation);
      collector.enterOutsideOperation(observation.context, hookDone);
    });
    instance.addHook("onError", (request, _reply, _error, hookDone) => {
      observations.get(request.raw)?.markCrashed();
      hookDone();
    });
    done();
  };
  // What the `fastify-plugin` package does: skip encapsulation, so the hooks apply app-wide.
  Object.assign(plugin, {
    [Symbol.for("skip-override")]: true,
    [Symbol.for("fastify.display-name")]: "zoran-telemetrie",
  });
  return plugin;
}

/** The route template Fastify matched (`routeOptions.url`); undefined for the 404 handler. */
function fastifyRoute(request: FastifyRequestLike): string | undefined {
  return request.routeOptions?.url;
}
