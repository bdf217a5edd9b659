import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { honoMiddleware } from "../../src/instrument/hono-middleware.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  REQUESTS_METRIC,
} from "../../src/signals/metric-definitions.js";
import { sumOf } from "../helpers/prometheus-samples.js";

// Hono off node:http (`app.request()`, as on Bun, Deno or workers): no socket, so sizes come
// from Content-Length. The node:http path is in test/integration/instrument-http-servers.test.ts.
describe("honoMiddleware without node:http bindings", () => {
  const collectors: TelemetryCollector[] = [];
  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((collector) => collector.shutdown()));
  });

  it("records route templates, errors and Content-Length sizes", async () => {
    const collector = new TelemetryCollector({ exporter: "none", saturation: false, runtimeMetrics: false });
    collectors.push(collector);
    const app = new Hono();
    app.use(honoMiddleware(collector, { exchange: "ai_ai" }));
    app.post("/agents/:name/ask", async (c) => c.json({ echoed: await c.req.text() }));
    app.get("/crash", () => {
      throw new Error("boom");
    });
    app.onError((_error, c) => c.text("failed", 500));
    const body = "q".repeat(321);
    const answer = await app.request("/agents/planner/ask", {
      method: "POST",
      body,
      headers: { "content-length": String(body.length) },
    });
    const answerText = await answer.text();
    expect((await app.request("/crash")).status).toBe(500);
    expect((await app.request("/missing/7")).status).toBe(404);

    const text = await collector.export("prometheus");
    expect(
      sumOf(text, REQUESTS_METRIC.promName, { operation: "POST /agents/:name/ask", exchange: "ai_ai" }),
    ).toBe(1);
    expect(
      sumOf(text, EXCHANGE_SIZE_METRIC.promName, { operation: "POST /agents/:name/ask", direction: "input" }),
    ).toBe(321);
    expect(
      sumOf(text, EXCHANGE_SIZE_METRIC.promName, {
        operation: "POST /agents/:name/ask",
        direction: "output",
      }),
    ).toBe(Buffer.byteLength(answerText));
    expect(sumOf(text, ERRORS_METRIC.promName, { operation: "GET /crash", error_type: "crash" })).toBe(1);
    expect(sumOf(text, REQUESTS_METRIC.promName, { operation: "HTTP GET unmatched" })).toBe(1);
    expect(text).not.toContain("planner");
  });
});
