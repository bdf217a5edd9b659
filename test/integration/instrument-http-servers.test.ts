import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { trace } from "@opentelemetry/api";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { createHttpListener } from "../../src/instrument/create-http-listener.js";
import { expressMiddleware } from "../../src/instrument/express-middleware.js";
import { fastifyPlugin } from "../../src/instrument/fastify-plugin.js";
import { honoMiddleware } from "../../src/instrument/hono-middleware.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_METRIC,
  REQUESTS_METRIC,
} from "../../src/signals/metric-definitions.js";
import { OtlpReceiver } from "../helpers/otlp-receiver.js";
import { sumOf } from "../helpers/prometheus-samples.js";

/**
 * The same service on four servers (node:http, Express, Fastify, Hono), each instrumented with
 * its helper, driven by real `fetch` calls on 127.0.0.1; the signals are read back from the
 * collector's Prometheus export and the spans from a real OTLP/HTTP receiver.
 */

const ECHO_BODY = JSON.stringify({ text: "x".repeat(2000) });
// Request line plus the headers undici sends: the byte counts include them (see observe-node-request.ts).
const HEADER_ALLOWANCE = 1024;
const REMOTE_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const REMOTE_PARENT_ID = "00f067aa0ba902b7";

interface Started {
  readonly url: string;
  close(): Promise<void>;
}

type Framework = "node:http" | "express" | "fastify" | "hono";

/** The active trace id seen by a handler, sent back so the test can check the context reached it. */
function activeTraceId(collector: TelemetryCollector): string {
  return trace.getSpan(collector.contextManager.active())?.spanContext().traceId ?? "none";
}

async function listen(server: Server): Promise<Started> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startNodeHttp(collector: TelemetryCollector): Promise<Started> {
  const routes: Array<[RegExp, string]> = [
    [/^\/users\/[^/]+$/, "/users/:id"],
    [/^\/echo$/, "/echo"],
    [/^\/fail$/, "/fail"],
    [/^\/busy$/, "/busy"],
    [/^\/unavailable$/, "/unavailable"],
  ];
  const listener = createHttpListener(
    collector,
    (req, res) => {
      const path = req.url ?? "/";
      if (path.startsWith("/users/")) {
        res.setHeader("content-type", "application/json").end(JSON.stringify({ id: path.slice(7) }));
      } else if (path === "/echo") {
        // Plain emitter callbacks (no promises): the context must come from the bound emitter.
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => res.setHeader("x-trace-id", activeTraceId(collector)).end(Buffer.concat(chunks)));
      } else if (path === "/fail") {
        res.writeHead(500).end("failed");
      } else if (path === "/busy") {
        res.writeHead(429).end("slow down");
      } else if (path === "/unavailable") {
        res.writeHead(503).end("unavailable");
      } else {
        res.writeHead(404).end("not found");
      }
    },
    { route: (req) => routes.find(([pattern]) => pattern.test(req.url ?? ""))?.[1] },
  );
  return listen(createServer(listener));
}

async function startExpress(collector: TelemetryCollector): Promise<Started> {
  const app = express();
  app.use(expressMiddleware(collector));
  app.use(express.json());
  app.get("/users/:id", (req, res) => {
    res.json({ id: req.params.id });
  });
  app.post("/echo", (req, res) => {
    res.setHeader("x-trace-id", activeTraceId(collector)).json(req.body);
  });
  app.get("/fail", () => {
    throw new Error("handler failed");
  });
  app.get("/busy", (_req, res) => {
    res.status(429).send("slow down");
  });
  app.get("/unavailable", (_req, res) => {
    res.status(503).send("unavailable");
  });
  // Express logs handler errors to stderr by default; keep the test output readable.
  app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).send("failed");
  });
  return listen(createServer(app));
}

async function startFastify(collector: TelemetryCollector): Promise<Started> {
  const app = Fastify();
  await app.register(fastifyPlugin(collector));
  app.get("/users/:id", async (request) => ({ id: (request.params as { id: string }).id }));
  app.post("/echo", async (request, reply) => {
    reply.header("x-trace-id", activeTraceId(collector));
    return request.body;
  });
  app.get("/fail", async () => {
    throw new Error("handler failed");
  });
  app.get("/busy", async (_request, reply) => reply.code(429).send("slow down"));
  app.get("/unavailable", async (_request, reply) => reply.code(503).send("unavailable"));
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

async function startHono(collector: TelemetryCollector): Promise<Started> {
  const app = new Hono();
  app.use(honoMiddleware(collector));
  app.get("/users/:id", (c) => c.json({ id: c.req.param("id") }));
  app.post("/echo", async (c) => {
    const body = await c.req.json();
    c.header("x-trace-id", activeTraceId(collector));
    return c.json(body);
  });
  app.get("/fail", () => {
    throw new Error("handler failed");
  });
  app.get("/busy", (c) => c.text("slow down", 429));
  app.get("/unavailable", (c) => c.text("unavailable", 503));
  app.onError((_error, c) => c.text("failed", 500));
  return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
}

/**
 * POSTs `body` with a `traceparent`, sending its second half 50 ms after the first: the handler
 * then runs after a `data` event that comes from the socket, not from the request's own call
 * chain, which is where a trace context is lost unless the request emitter is bound to it.
 */
function postInTwoParts(
  url: string,
  body: string,
): Promise<{ status: number; body: string; traceId: string | null }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          traceparent: `00-${REMOTE_TRACE_ID}-${REMOTE_PARENT_ID}-01`,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            traceId: (response.headers["x-trace-id"] as string | undefined) ?? null,
          }),
        );
      },
    );
    request.on("error", reject);
    const half = Math.floor(body.length / 2);
    request.write(body.slice(0, half));
    setTimeout(() => request.end(body.slice(half)), 50);
  });
}

const STARTERS: Record<Framework, (collector: TelemetryCollector) => Promise<Started>> = {
  "node:http": startNodeHttp,
  express: startExpress,
  fastify: startFastify,
  hono: startHono,
};

describe.each(Object.keys(STARTERS) as Framework[])("HTTP server instrumentation on %s", (framework) => {
  const receiver = new OtlpReceiver();
  let collector: TelemetryCollector;
  let server: Started;
  let text: string;
  let openMetrics: string;
  let echoed: { status: number; body: string; traceId: string | null };

  beforeAll(async () => {
    await receiver.start();
    collector = new TelemetryCollector({
      serviceName: `http-${framework}`,
      exporter: "otlp",
      otlp: { endpoint: receiver.url, protocol: "http/json", metrics: false },
      saturation: false,
      runtimeMetrics: false,
    });
    server = await STARTERS[framework](collector);
    const get = async (path: string) => {
      const response = await fetch(`${server.url}${path}`);
      await response.arrayBuffer();
      return response.status;
    };
    for (const id of ["1", "22", "idmarkerqx"]) expect(await get(`/users/${id}`)).toBe(200);
    echoed = await postInTwoParts(`${server.url}/echo`, ECHO_BODY);
    expect(await get("/fail")).toBe(500);
    expect(await get("/busy")).toBe(429);
    expect(await get("/busy")).toBe(429);
    expect(await get("/unavailable")).toBe(503);
    expect(await get("/no/such/place/pathmarkerqx")).toBe(404);
    await server.close();
    text = await collector.export("prometheus");
    openMetrics = await collector.export("openmetrics");
    await collector.shutdown();
  });

  afterAll(async () => {
    await receiver.stop();
  });

  it("counts every request under its route template, never the raw path", () => {
    expect(sumOf(text, REQUESTS_METRIC.promName, { operation: "GET /users/:id", outcome: "ok" })).toBe(3);
    expect(sumOf(text, `${LATENCY_METRIC.promName}_count`, { operation: "GET /users/:id" })).toBe(3);
    expect(sumOf(text, REQUESTS_METRIC.promName, { operation: "POST /echo", outcome: "ok" })).toBe(1);
    expect(sumOf(text, REQUESTS_METRIC.promName)).toBe(9);
    expect(text).not.toContain("idmarkerqx");
    expect(text).not.toContain("/users/22");
  });

  it("records a request no route matched as HTTP GET unmatched", () => {
    expect(sumOf(text, REQUESTS_METRIC.promName, { operation: "HTTP GET unmatched", outcome: "ok" })).toBe(1);
    expect(text).not.toContain("no/such");
    expect(text).not.toContain("pathmarkerqx");
  });

  it("derives error types from status codes: 500 crash, 429 rate_limited, other 5xx other", () => {
    expect(sumOf(text, ERRORS_METRIC.promName, { operation: "GET /fail", error_type: "crash" })).toBe(1);
    expect(sumOf(text, ERRORS_METRIC.promName, { operation: "GET /busy", error_type: "rate_limited" })).toBe(
      2,
    );
    expect(sumOf(text, ERRORS_METRIC.promName, { operation: "GET /unavailable", error_type: "other" })).toBe(
      1,
    );
    expect(sumOf(text, REQUESTS_METRIC.promName, { outcome: "error" })).toBe(4);
    expect(sumOf(text, ERRORS_METRIC.promName)).toBe(4);
  });

  it("counts request and response bytes within the size of the headers", () => {
    expect(echoed.status).toBe(200);
    const input = sumOf(text, EXCHANGE_SIZE_METRIC.promName, { operation: "POST /echo", direction: "input" });
    const output = sumOf(text, EXCHANGE_SIZE_METRIC.promName, {
      operation: "POST /echo",
      direction: "output",
    });
    const bodyBytes = Buffer.byteLength(ECHO_BODY);
    expect(input).toBeGreaterThanOrEqual(bodyBytes);
    expect(input).toBeLessThanOrEqual(bodyBytes + HEADER_ALLOWANCE);
    expect(output).toBeGreaterThanOrEqual(Buffer.byteLength(echoed.body));
    expect(output).toBeLessThanOrEqual(Buffer.byteLength(echoed.body) + HEADER_ALLOWANCE);
  });

  it("continues the caller's W3C trace in the handler, after the body was read", () => {
    expect(echoed.traceId).toBe(REMOTE_TRACE_ID);
    const span = receiver.spans.find((s) => s.name === "POST /echo");
    expect(span?.traceId).toBe(REMOTE_TRACE_ID);
    expect(span?.parentSpanId).toBe(REMOTE_PARENT_ID);
    expect(span?.attributes["http.route"]).toBe("/echo");
    expect(span?.attributes["http.response.status_code"]).toBe(200);
  });

  it("links each route's latency bucket and request count to its server span (exemplars)", () => {
    const exemplarOf = (metric: string, operation: string) => {
      const line = openMetrics
        .split("\n")
        .find(
          (l) => l.startsWith(`${metric}{`) && l.includes(`operation="${operation}"`) && l.includes(" # {"),
        );
      const match = /# \{trace_id="([0-9a-f]{32})",span_id="([0-9a-f]{16})"\}/.exec(line ?? "");
      return match === null ? undefined : { traceId: match[1], spanId: match[2] };
    };
    const echo = receiver.spans.find((s) => s.name === "POST /echo");
    expect(exemplarOf(`${LATENCY_METRIC.promName}_bucket`, "POST /echo")).toEqual({
      traceId: REMOTE_TRACE_ID,
      spanId: echo?.spanId,
    });
    expect(exemplarOf(REQUESTS_METRIC.promName, "POST /echo")).toEqual({
      traceId: REMOTE_TRACE_ID,
      spanId: echo?.spanId,
    });
    const fail = receiver.spans.find((s) => s.name === "GET /fail");
    expect(exemplarOf(ERRORS_METRIC.promName, "GET /fail")).toEqual({
      traceId: fail?.traceId,
      spanId: fail?.spanId,
    });
  });

  it("names server spans after route templates and marks 5xx spans as errors", () => {
    const names = receiver.spans.map((s) => s.name).sort();
    expect(names).toEqual(
      [
        "GET /busy",
        "GET /busy",
        "GET /fail",
        "GET /unavailable",
        "GET /users/:id",
        "GET /users/:id",
        "GET /users/:id",
        "HTTP GET unmatched",
        "POST /echo",
      ].sort(),
    );
    expect(JSON.stringify(receiver.spans)).not.toContain("pathmarkerqx");
    expect(JSON.stringify(receiver.spans)).not.toContain("idmarkerqx");
    expect(receiver.spans.find((s) => s.name === "GET /fail")?.statusCode).toBe(2);
    expect(receiver.spans.find((s) => s.name === "GET /users/:id")?.statusCode).toBe(0);
  });
});
