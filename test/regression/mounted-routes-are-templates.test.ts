import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { DiagLogger } from "@opentelemetry/api";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { expressMiddleware } from "../../src/instrument/express-middleware.js";
import { fastifyPlugin } from "../../src/instrument/fastify-plugin.js";
import { honoMiddleware } from "../../src/instrument/hono-middleware.js";
import { OtlpReceiver, waitFor } from "../helpers/otlp-receiver.js";
import { samplesOf } from "../helpers/prometheus-samples.js";

/**
 * Issue 15, finding 4: "Express routers mounted on a parameterised path put the raw,
 * percent-encoded path into `operation` and `http.route`: `GET /users/alice.martin%40example.org/orders`
 * reaches all 17 outputs, and any client controls the series count. Percent-encoding defeats
 * the scrubber."
 *
 * Express keeps only the filled-in mount path (`req.baseUrl`). Routers mounted on parameterised,
 * nested and case-insensitive paths, and a sub-app, must be recorded under their templates in the
 * metrics (`operation`) and the spans (name, `http.route`); a mount the middleware cannot read
 * as a template (a RegExp) under a bounded placeholder, with one diag warning. Fastify prefixes
 * and Hono sub-apps are checked the same way.
 */

interface Case {
  readonly server: "express" | "fastify" | "hono";
  readonly path: string;
  readonly route: string;
}

const CASES: readonly Case[] = [
  { server: "express", path: "/users/alice.martin%40example.org/orders", route: "/users/:user/orders" },
  { server: "express", path: "/users/jane.doe@example.com/orders", route: "/users/:user/orders" },
  {
    server: "express",
    path: "/orgs/acme-4111111111111111/teams/jane%2Edoe/members/203.0.113.42",
    route: "/orgs/:org/teams/:team/members/:member",
  },
  { server: "express", path: "/API/Items/42", route: "/api/items/:id" },
  {
    server: "express",
    path: "/accounts/alice.martin%40example.org/profile",
    route: "/accounts/:account/profile",
  },
  { server: "express", path: "/legacy/alice.martin%40example.org/ping", route: "/:mount/ping" },
  { server: "fastify", path: "/f/users/alice.martin%40example.org/orders", route: "/f/users/:user/orders" },
  { server: "hono", path: "/h/users/alice.martin%40example.org/orders", route: "/h/users/:user/orders" },
];
const FORBIDDEN = [
  "alice",
  "martin",
  "jane",
  "example",
  "4111",
  "203.0.113",
  "acme",
  "API",
  "Items",
  "%40",
  "%2E",
];

async function listen(server: Server): Promise<{ url: string; close(): Promise<unknown> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("routes of mounted routers are templates, never raw paths", () => {
  const receiver = new OtlpReceiver();
  const warnings: string[] = [];
  const urls: Record<Case["server"], string> = { express: "", fastify: "", hono: "" };
  const closers: (() => Promise<unknown>)[] = [];
  let prometheus = "";

  beforeAll(async () => {
    await receiver.start();
    const log = (message: string) => void warnings.push(message);
    const diag: DiagLogger = { error: log, warn: log, info: () => {}, debug: () => {}, verbose: () => {} };
    const collector = new TelemetryCollector({
      serviceName: "mounted-routes",
      exporter: "otlp",
      otlp: { endpoint: receiver.url, protocol: "http/json", metrics: false, intervalMs: 100 },
      saturation: false,
      runtimeMetrics: false,
      window: false,
      diag,
    });
    await collector.start();

    const app = express();
    app.use(expressMiddleware(collector));
    const users = express.Router({ mergeParams: true });
    users.get("/orders", (_req, res) => void res.send("ok"));
    app.use("/users/:user", users);
    const orgs = express.Router({ mergeParams: true });
    const teams = express.Router({ mergeParams: true });
    teams.get("/members/:member", (_req, res) => void res.send("ok"));
    orgs.use("/teams/:team", teams);
    app.use("/orgs/:org", orgs);
    const api = express.Router();
    api.get("/items/:id", (_req, res) => void res.send("ok"));
    app.use("/api", api);
    const accounts = express();
    accounts.get("/profile", (_req, res) => void res.send("ok"));
    app.use("/accounts/:account", accounts);
    const legacy = express.Router();
    legacy.get("/ping", (_req, res) => void res.send("ok"));
    app.use(/^\/legacy\/([^/]+)/, legacy);
    const expressServer = await listen(createServer(app));
    urls.express = expressServer.url;
    closers.push(expressServer.close);

    const fastify = Fastify();
    await fastify.register(fastifyPlugin(collector));
    await fastify.register(
      async (scope) => {
        scope.get("/orders", async () => "ok");
      },
      { prefix: "/f/users/:user" },
    );
    await fastify.listen({ port: 0, host: "127.0.0.1" });
    urls.fastify = `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`;
    closers.push(() => fastify.close());

    const hono = new Hono();
    hono.use(honoMiddleware(collector));
    const honoUsers = new Hono();
    honoUsers.get("/orders", (c) => c.text("ok"));
    hono.route("/h/users/:user", honoUsers);
    const honoServer = await listen(createAdaptorServer({ fetch: hono.fetch }) as Server);
    urls.hono = honoServer.url;
    closers.push(honoServer.close);

    for (const { server, path } of CASES) {
      // Twice: the second request of a route must land in the same series.
      for (let i = 0; i < 2; i++) {
        const response = await fetch(`${urls[server]}${path}`);
        expect(await response.text(), `${server} ${path}`).toBe("ok");
      }
    }
    prometheus = await collector.export("prometheus");
    await waitFor(() => receiver.spans.length >= CASES.length * 2, 10_000, "server spans");
    await collector.shutdown();
  }, 60_000);

  afterAll(async () => {
    for (const close of closers) await close();
    await receiver.stop();
  });

  it.each(CASES)("$server $path is recorded as GET $route", ({ route }) => {
    const operations = samplesOf(prometheus, "zoran_requests_total").map((s) => s.labels.operation);
    expect(operations).toContain(`GET ${route}`);
    const spans = receiver.spans.filter((s) => s.attributes["http.route"] === route);
    expect(spans.length).toBeGreaterThanOrEqual(2);
    for (const span of spans) expect(span.name).toBe(`GET ${route}`);
  });

  it("puts no part of a raw path in any operation label, span name or http.route", () => {
    const operations = samplesOf(prometheus, "zoran_requests_total").map((s) => String(s.labels.operation));
    const spanTexts = receiver.spans.map((s) => `${s.name} ${String(s.attributes["http.route"] ?? "")}`);
    for (const text of [...operations, ...spanTexts]) {
      for (const fragment of FORBIDDEN) expect(text, text).not.toContain(fragment);
    }
  });

  it("warns once through diag about the mount it cannot read, quoting no path", () => {
    const mountWarnings = warnings.filter((w) => w.includes("Express") && w.includes("mount"));
    expect(mountWarnings).toHaveLength(1);
    for (const fragment of FORBIDDEN) expect(mountWarnings[0]).not.toContain(fragment);
  });
});
