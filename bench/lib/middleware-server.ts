import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { AggregationTemporality, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { TracerProvider } from "@opentelemetry/sdk-trace";

/**
 * One contender of the middleware bench, in its own process (OpenTelemetry's instrumentations
 * patch modules for the whole process): a server on 127.0.0.1 with the same two routes for every
 * framework, `GET /users/:id` and `GET /api/:tenant/orders/:order` (a router mounted on a path with
 * a parameter), answering small JSON. The parent drives it over IPC: `mark` takes the process's
 * CPU time, `read` returns the CPU used since and the requests answered.
 *
 * For `fetch`, the process is the client: `run` calls an instrumented or plain `fetch` against the
 * parent's plain server, 8 calls at a time, for the given time, and returns its CPU per call.
 *
 * Contenders:
 * - `plain`: the framework alone;
 * - `ours`: the collector (tracing on, no exporter, not started: the per-request cost only) with
 *   the framework's adapter (`expressMiddleware`, `fastifyPlugin`, `honoMiddleware`,
 *   `createHttpListener`, `instrumentFetch`);
 * - `als` (not in the default run): the plain framework with an enabled AsyncLocalStorage
 *   context manager and each request run in a context of its own, the floor of any tracer that
 *   carries context with AsyncLocalStorage on Node 20 (its promise hooks cost every promise);
 * - `otel`: OpenTelemetry's own instrumentations with an SDK tracer provider (spans sampled and
 *   recorded, no processor: like ours, nothing exported) and meter provider (with a reader, so
 *   instrumentation-http's duration histogram records): `instrumentation-http` + `-express`,
 *   `instrumentation-http` + `@fastify/otel`, `instrumentation-http` alone for node:http,
 *   `instrumentation-undici` for fetch.
 */
export type Framework = "express" | "fastify" | "hono" | "node:http" | "fetch";
export type MiddlewareContender = "plain" | "ours" | "otel" | "als";

export type ParentMessage =
  | { cmd: "mark" }
  | { cmd: "read" }
  | { cmd: "run"; durationMs: number; url: string };
export type ChildMessage = { ready: string } | { marked: true } | { cpuMicros: number; requests: number };

class IdleReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

async function otelSdk(framework: Framework): Promise<void> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new TracerProvider());
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new IdleReader()] }));
  const instrumentations = [];
  if (framework === "fetch") {
    const { UndiciInstrumentation } = await import("@opentelemetry/instrumentation-undici");
    instrumentations.push(new UndiciInstrumentation());
  } else {
    const { HttpInstrumentation } = await import("@opentelemetry/instrumentation-http");
    instrumentations.push(new HttpInstrumentation());
    if (framework === "express") {
      const { ExpressInstrumentation } = await import("@opentelemetry/instrumentation-express");
      instrumentations.push(new ExpressInstrumentation());
    }
    if (framework === "fastify") {
      const { FastifyOtelInstrumentation } = await import("@fastify/otel");
      instrumentations.push(new FastifyOtelInstrumentation({ registerOnInitialization: true }));
    }
  }
  registerInstrumentations({ instrumentations });
}

async function ours() {
  const { TelemetryCollector } = (await import(OURS)) as typeof import("../../src/index.js");
  return new TelemetryCollector({
    serviceName: "middleware-bench",
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    window: false,
  });
}

// Ours as users install it: the built package (bench/lib/ensure-built.ts builds it first).
const OURS = new URL("../../dist/index.js", import.meta.url).href;

// Modules the instrumentations patch are required after they are registered (require-in-the-middle
// sees `require`, not a static ESM import made before): the same for every contender.
const require = createRequire(import.meta.url);
const http = () => require("node:http") as typeof import("node:http");

const USER = JSON.stringify({ id: "", name: "Ada", plan: "pro" });

async function listen(listener: RequestListener): Promise<string> {
  const server = http().createServer(listener);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1" }, resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let requests = 0;
const count = (_req: IncomingMessage, res: ServerResponse) => res.once("finish", () => requests++);

async function serve(framework: Exclude<Framework, "fetch">, who: MiddlewareContender): Promise<string> {
  if (who === "otel") await otelSdk(framework);
  const collector = who === "ours" ? await ours() : undefined;
  if (framework === "express") {
    const express = require("express") as typeof import("express");
    const { expressMiddleware } = (await import(OURS)) as typeof import("../../src/index.js");
    const app = express();
    if (collector !== undefined) app.use(expressMiddleware(collector));
    if (who === "als") {
      const manager = new AsyncLocalStorageContextManager().enable();
      const key = Symbol("request");
      app.use((_req, _res, next) => manager.with(context.active().setValue(key, 1), next));
    }
    app.get("/users/:id", (req, res) => {
      res.json({ ...JSON.parse(USER), id: req.params.id });
    });
    const router = express.Router();
    router.get("/orders/:order", (req, res) => {
      res.json({ order: req.params.order, state: "shipped" });
    });
    app.use("/api/:tenant", router);
    return listen((req, res) => {
      count(req, res);
      app(req, res);
    });
  }
  if (framework === "fastify") {
    const Fastify = require("fastify") as typeof import("fastify").default;
    const { fastifyPlugin } = (await import(OURS)) as typeof import("../../src/index.js");
    const app = Fastify({
      serverFactory: (handler) =>
        http().createServer((req, res) => {
          count(req, res);
          handler(req, res);
        }),
    });
    if (collector !== undefined) await app.register(fastifyPlugin(collector) as never);
    app.get("/users/:id", async (req) => ({ ...JSON.parse(USER), id: (req.params as { id: string }).id }));
    await app.register(
      async (api) => {
        api.get("/orders/:order", async (req) => ({
          order: (req.params as { order: string }).order,
          state: "shipped",
        }));
      },
      { prefix: "/api/:tenant" },
    );
    await app.listen({ port: 0, host: "127.0.0.1" });
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }
  if (framework === "hono") {
    const { Hono } = await import("hono");
    const { getRequestListener } = await import("@hono/node-server");
    const { honoMiddleware } = (await import(OURS)) as typeof import("../../src/index.js");
    const app = new Hono();
    if (collector !== undefined) app.use(honoMiddleware(collector) as never);
    app.get("/users/:id", (c) => c.json({ ...JSON.parse(USER), id: c.req.param("id") }));
    const api = new Hono();
    api.get("/orders/:order", (c) => c.json({ order: c.req.param("order"), state: "shipped" }));
    app.route("/api/:tenant", api);
    const listener = getRequestListener(app.fetch);
    return listen((req, res) => {
      count(req, res);
      void listener(req, res);
    });
  }
  const { createHttpListener } = (await import(OURS)) as typeof import("../../src/index.js");
  const handler: RequestListener = (req, res) => {
    const url = req.url ?? "/";
    const body = url.startsWith("/users/")
      ? JSON.stringify({ ...JSON.parse(USER), id: url.slice(7) })
      : JSON.stringify({ order: url.split("/")[4] ?? "", state: "shipped" });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  const route = (req: IncomingMessage) =>
    req.url?.startsWith("/users/")
      ? "/users/:id"
      : req.url?.startsWith("/api/")
        ? "/api/:tenant/orders/:order"
        : undefined;
  const listener = collector === undefined ? handler : createHttpListener(collector, handler, { route });
  return listen((req, res) => {
    count(req, res);
    listener(req, res);
  });
}

/** Client side: `fetch` calls, 8 in flight, for `durationMs`. */
async function fetchClient(
  who: MiddlewareContender,
): Promise<(url: string, durationMs: number) => Promise<number>> {
  if (who === "otel") await otelSdk("fetch");
  const collector = who === "ours" ? await ours() : undefined;
  const { instrumentFetch } = (await import(OURS)) as typeof import("../../src/index.js");
  const call =
    collector === undefined ? globalThis.fetch : instrumentFetch(collector, { operation: "GET users" });
  return async (url, durationMs) => {
    const deadline = performance.now() + durationMs;
    let done = 0;
    const worker = async (k: number) => {
      while (performance.now() < deadline) {
        const response = await call(`${url}/users/${done + k}`);
        await response.arrayBuffer();
        done++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, k) => worker(k)));
    return done;
  };
}

const [framework, who] = process.argv.slice(2) as [Framework, MiddlewareContender];
let mark = process.cpuUsage();
let marked = 0;
const send = (message: ChildMessage) => process.send!(message);
if (framework === "fetch") {
  const run = await fetchClient(who);
  process.on("message", async (message: ParentMessage) => {
    if (message.cmd !== "run") return;
    const start = process.cpuUsage();
    const calls = await run(message.url, message.durationMs);
    const used = process.cpuUsage(start);
    send({ cpuMicros: used.user + used.system, requests: calls });
  });
  send({ ready: "client" });
} else {
  const url = await serve(framework, who);
  process.on("message", (message: ParentMessage) => {
    if (message.cmd === "mark") {
      mark = process.cpuUsage();
      marked = requests;
      send({ marked: true });
    } else if (message.cmd === "read") {
      const used = process.cpuUsage(mark);
      send({ cpuMicros: used.user + used.system, requests: requests - marked });
    }
  });
  send({ ready: url });
}
process.on("disconnect", () => process.exit(0));
