import type { IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { OtlpReceiver } from "../helpers/otlp-receiver.js";
import { sumOf } from "../helpers/prometheus-samples.js";

/**
 * After `collector.register()`, an OpenTelemetry auto-instrumentation
 * (here the official `@opentelemetry/instrumentation-http`) feeds the collector's pipeline: its
 * spans leave through the collector's OTLP exporter, its metrics appear in `/metrics`, and its
 * spans nest under `collector.trace()` operations. This file owns the process's globals.
 */
describe("collector.register() with @opentelemetry/instrumentation-http", () => {
  const receiver = new OtlpReceiver();
  let collector: TelemetryCollector;
  let text = "";
  let outerTraceId = "";
  let body = "";

  beforeAll(async () => {
    await receiver.start();
    collector = new TelemetryCollector({
      serviceName: "otel-interop",
      exporter: "otlp",
      otlp: { endpoint: receiver.url, protocol: "http/json", metrics: false },
      saturation: false,
      runtimeMetrics: false,
    });
    expect(collector.register()).toBe(true);
    const disable = registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
    // The instrumentation patches the CommonJS module object, loaded (and patched) here.
    const http = createRequire(import.meta.url)("node:http") as typeof import("node:http");
    const server = http.createServer((_req, res) => res.end("pong"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await collector.trace("ping_upstream", async (span) => {
      outerTraceId = span.spanContext().traceId;
      body = await new Promise<string>((resolve, reject) => {
        http
          .get(`http://127.0.0.1:${port}/ping`, (res: IncomingMessage) => {
            let data = "";
            res.on("data", (chunk: Buffer) => {
              data += chunk.toString("utf8");
            });
            res.on("end", () => resolve(data));
          })
          .on("error", reject);
      });
    });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    text = await collector.export("prometheus");
    disable();
    await collector.shutdown();
  });

  afterAll(async () => {
    await receiver.stop();
  });

  it("exports the instrumentation's spans through the collector, nested in the active operation", () => {
    expect(body).toBe("pong");
    const outer = receiver.spans.find((span) => span.name === "ping_upstream");
    const client = receiver.spans.find(
      (span) => span.scope === "@opentelemetry/instrumentation-http" && span.parentSpanId === outer?.spanId,
    );
    expect(client?.traceId).toBe(outerTraceId);
    // The server side of the same call continues the trace through the global W3C propagator.
    const server = receiver.spans.find(
      (span) => span.scope === "@opentelemetry/instrumentation-http" && span.parentSpanId === client?.spanId,
    );
    expect(server?.traceId).toBe(outerTraceId);
  });

  it("puts the instrumentation's metrics beside the golden signals in the snapshot", () => {
    expect(sumOf(text, "http_client_request_duration_seconds_count")).toBe(1);
    expect(sumOf(text, "http_server_request_duration_seconds_count")).toBe(1);
    expect(sumOf(text, "zoran_requests_total", { operation: "ping_upstream" })).toBe(1);
  });
});
