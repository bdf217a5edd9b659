import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { createHttpListener } from "../../src/instrument/create-http-listener.js";
import { expressMiddleware } from "../../src/instrument/express-middleware.js";
import { fastifyPlugin } from "../../src/instrument/fastify-plugin.js";
import { honoMiddleware } from "../../src/instrument/hono-middleware.js";
import { instrumentFetch } from "../../src/instrument/instrument-fetch.js";
import { OtlpReceiver, waitFor } from "../helpers/otlp-receiver.js";

/**
 * Issue 15, finding 9: "An incoming `tracestate` header is exported in OTLP spans
 * (`user=alice.martin@...,phone=...`)."
 *
 * A client sends a `traceparent` and a `tracestate` with personal data and one vendor entry to a
 * server instrumented by each adapter (node:http, Express, Fastify, Hono); the handler calls an
 * upstream through the instrumented fetch. The server and client spans a real OTLP receiver gets
 * and the `tracestate` the upstream receives must not carry the client's entries, unless the
 * key is on the `traceStateKeys` allow-list (`dd` here, opted into by one server).
 */

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACESTATE = "user=alice.martin@example.org,phone=+33612345678,dd=s:1;o:rum";
const FORBIDDEN = ["alice", "example.org", "33612345678", "user=", "phone="];

interface Started {
  readonly name: string;
  readonly url: string;
  close(): Promise<unknown>;
}

async function listen(name: string, server: Server): Promise<Started> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    name,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("incoming tracestate", () => {
  const receiver = new OtlpReceiver();
  const upstreamHeaders: IncomingHttpHeaders[] = [];
  let upstream: Started;
  let collector: TelemetryCollector;
  const servers: Started[] = [];

  beforeAll(async () => {
    await receiver.start();
    upstream = await listen(
      "upstream",
      createServer((req, res) => {
        upstreamHeaders.push(req.headers);
        req.resume();
        req.on("end", () => res.end("ok"));
      }),
    );
    collector = new TelemetryCollector({
      serviceName: "tracestate",
      exporter: "otlp",
      otlp: { endpoint: receiver.url, protocol: "http/json", metrics: false, intervalMs: 100 },
      saturation: false,
      runtimeMetrics: false,
      window: false,
    });
    await collector.start();
    const tracedFetch = instrumentFetch(collector, { operation: "upstream_call" });
    const callUpstream = async (server: string) => (await tracedFetch(`${upstream.url}/${server}`)).text();

    servers.push(
      await listen(
        "node-http",
        createServer(
          createHttpListener(collector, async (_req, res) => res.end(await callUpstream("node-http")), {
            route: () => "/hello",
          }),
        ),
      ),
    );
    servers.push(
      await listen(
        "node-http-allow-dd",
        createServer(
          createHttpListener(
            collector,
            async (_req, res) => res.end(await callUpstream("node-http-allow-dd")),
            {
              route: () => "/hello",
              traceStateKeys: ["dd"],
            },
          ),
        ),
      ),
    );
    const app = express();
    app.use(expressMiddleware(collector));
    app.get("/hello", async (_req, res) => {
      res.send(await callUpstream("express"));
    });
    servers.push(await listen("express", createServer(app)));
    const allowing = express();
    allowing.use(expressMiddleware(collector, { traceStateKeys: ["dd"] }));
    allowing.get("/hello", async (_req, res) => {
      res.send(await callUpstream("express-allow-dd"));
    });
    servers.push(await listen("express-allow-dd", createServer(allowing)));
    const fastify = Fastify();
    await fastify.register(fastifyPlugin(collector));
    fastify.get("/hello", async () => callUpstream("fastify"));
    await fastify.listen({ port: 0, host: "127.0.0.1" });
    servers.push({
      name: "fastify",
      url: `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`,
      close: () => fastify.close(),
    });
    const hono = new Hono();
    hono.use(honoMiddleware(collector));
    hono.get("/hello", async (c) => c.text(await callUpstream("hono")));
    servers.push(await listen("hono", createAdaptorServer({ fetch: hono.fetch }) as Server));

    for (const [i, server] of servers.entries()) {
      const parent = (i + 1).toString(16).padStart(16, "0");
      const response = await fetch(`${server.url}/hello`, {
        headers: { traceparent: `00-${TRACE_ID}-${parent}-01`, tracestate: TRACESTATE },
      });
      expect(await response.text(), server.name).toBe("ok");
    }
    await waitFor(() => receiver.spans.length >= servers.length * 2, 10_000, "server and client spans");
  }, 60_000);

  afterAll(async () => {
    await collector?.shutdown();
    for (const server of servers) await server.close();
    await upstream?.close();
    await receiver.stop();
  });

  it("continues the caller's trace (so the checks below look at the spans that inherit it)", () => {
    const ours = receiver.spans.filter((s) => s.traceId === TRACE_ID);
    expect(ours.length).toBeGreaterThanOrEqual(servers.length * 2);
  });

  it("exports no entry of the incoming tracestate on server or client spans", () => {
    const exported = receiver.spans
      .filter((s) => s.traceId === TRACE_ID)
      .map((s) => s.traceState)
      .join("\n");
    for (const fragment of FORBIDDEN) expect(exported).not.toContain(fragment);
  });

  it("propagates none of it to the upstream either", () => {
    expect(upstreamHeaders).toHaveLength(servers.length);
    for (const headers of upstreamHeaders) {
      const sent = String(headers.tracestate ?? "");
      for (const fragment of FORBIDDEN) expect(sent).not.toContain(fragment);
    }
  });

  it("keeps the vendor keys a server opted into with traceStateKeys, and only on that server", () => {
    const byUpstreamPath = new Map(upstreamHeaders.map((h, i) => [i, String(h.tracestate ?? "")]));
    const sent = [...byUpstreamPath.values()];
    expect(sent.filter((state) => state === "dd=s:1;o:rum")).toHaveLength(2);
    expect(sent.filter((state) => state === "")).toHaveLength(servers.length - 2);
    const serverStates = receiver.spans
      .filter((s) => s.traceId === TRACE_ID && s.name === "GET /hello")
      .map((s) => s.traceState);
    expect(serverStates.filter((state) => state === "dd=s:1;o:rum")).toHaveLength(2);
  });
});
