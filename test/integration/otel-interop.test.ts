import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineForThisNode, type OtelUserProject, otelUserProject } from "../helpers/otel-user-project.js";
import { OtlpReceiver, type ReceivedSpan } from "../helpers/otlp-receiver.js";
import { sumOf } from "../helpers/prometheus-samples.js";

/**
 * Issue 14, item 3: the packed package in a user's project, beside the OpenTelemetry the
 * application already has, on the line this Node runs (2.x: api 1.9 + SDK 2.12 on Node 20;
 * 3.x: api 1.10 + SDK 3.1 on Node >= 22.15; `.ci/run` runs this file on Node 20, 22 and 24).
 * Every value crosses a real OpenTelemetry SDK, a real auto-instrumentation
 * (`@opentelemetry/instrumentation-http`) and real OTLP exporters, to receivers on 127.0.0.1.
 */
const line = lineForThisNode();
const REQUESTS = 3;

/** The application's HTTP service, instrumented by instrumentation-http: `REQUESTS` GETs to itself. */
const APP_TRAFFIC = `
const api = require("@opentelemetry/api");
async function appTraffic(collector) {
  // Loaded once the instrumentation is on: it patches the module as it is required.
  const http = require("node:http");
  const jobs = api.metrics.getMeter("interop-app", "1.0.0").createCounter("app.jobs");
  const server = http.createServer((req, res) => {
    collector.trace("handle_ping", () => {
      jobs.add(1);
      res.end("pong");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  for (let i = 0; i < ${REQUESTS}; i++) {
    await new Promise((resolve, reject) => {
      http.get("http://127.0.0.1:" + port + "/ping", (res) => { res.resume(); res.on("end", resolve); }).on("error", reject);
    });
  }
  await new Promise((resolve) => server.close(resolve));
  // A span of the application's own code, through the global API only.
  const span = api.trace.getTracer("interop-app", "1.0.0").startSpan("app.batch");
  const recording = span.isRecording();
  span.end();
  return { recording };
}
// Which files the library's OpenTelemetry imports resolve to, against the application's own.
function sameCopies() {
  const zoran = require.resolve("zoran-telemetrie");
  const names = ["@opentelemetry/api", "@opentelemetry/sdk-metrics", "@opentelemetry/sdk-trace", "@opentelemetry/core"];
  return Object.fromEntries(names.map((name) => [name, require.resolve(name, { paths: [zoran] }) === require.resolve(name)]));
}
`;

const COLLECTOR = `
const { TelemetryCollector } = require("zoran-telemetrie");
const collector = new TelemetryCollector({
  serviceName: "interop-app",
  exporter: ["prometheus", "otlp"],
  port: 0,
  otlp: { endpoint: process.env.OURS_URL, protocol: "http/json" },
  saturation: false,
  runtimeMetrics: false,
  window: false,
});
`;

/** The collector owns the globals: no SDK of the application's, only its instrumentation. */
const REGISTERED_APP = `${APP_TRAFFIC}${COLLECTOR}
const { registerInstrumentations } = require("@opentelemetry/instrumentation");
const { HttpInstrumentation } = require("@opentelemetry/instrumentation-http");
(async () => {
  const registered = collector.register();
  registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
  await collector.start();
  const { recording } = await appTraffic(collector);
  const metrics = await (await fetch(collector.url + "/metrics")).text();
  // A flush while running (a serverless handler's end), then the final one.
  await collector.flush();
  await collector.shutdown();
  console.log(JSON.stringify({ registered, recording, metrics, sameCopies: sameCopies() }));
})();
`;

/**
 * The application's NodeSDK owns the globals and exports to its own receiver ("theirs"); the
 * collector is given to it (spanProcessor, metricReader, metricProducer) and register() joins.
 */
const NODE_SDK_APP = `${APP_TRAFFIC}${COLLECTOR}
const { NodeSDK } = require("@opentelemetry/sdk-node");
const { HttpInstrumentation } = require("@opentelemetry/instrumentation-http");
const { BatchSpanProcessor } = require("@opentelemetry/sdk-trace");
const { PeriodicExportingMetricReader } = require("@opentelemetry/sdk-metrics");
const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-http");
const { OTLPMetricExporter } = require("@opentelemetry/exporter-metrics-otlp-http");
(async () => {
  const sdk = new NodeSDK({
    serviceName: "interop-app",
    instrumentations: [new HttpInstrumentation()],
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: process.env.THEIRS_URL + "/v1/traces" }) }),
      collector.spanProcessor,
    ],
    metricReaders: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: process.env.THEIRS_URL + "/v1/metrics" }),
        exportIntervalMillis: 60000,
        metricProducers: [collector.metricProducer],
      }),
      collector.metricReader,
    ],
  });
  sdk.start();
  const registered = collector.register();
  await collector.start();
  const { recording } = await appTraffic(collector);
  const metrics = await (await fetch(collector.url + "/metrics")).text();
  // Either order works; the application's SDK first is the harder one for the collector (its
  // reader in the app's provider is shut down before the collector's last export).
  await sdk.shutdown();
  await collector.shutdown();
  console.log(JSON.stringify({ registered, recording, metrics, sameCopies: sameCopies() }));
})();
`;

/** The application's SDK without the collector's parts: register() must say so, on stderr. */
const UNWIRED_SDK_APP = `
const { TelemetryCollector } = require("zoran-telemetrie");
const collector = new TelemetryCollector({ serviceName: "interop-app", exporter: "none", saturation: false });
const { NodeSDK } = require("@opentelemetry/sdk-node");
const { SimpleSpanProcessor, InMemorySpanExporter } = require("@opentelemetry/sdk-trace");
const { PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality } = require("@opentelemetry/sdk-metrics");
(async () => {
  const sdk = new NodeSDK({
    spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
    metricReaders: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 60000 })],
  });
  sdk.start();
  const registered = collector.register();
  collector.trace("unwired", () => undefined);
  await sdk.shutdown();
  await collector.shutdown();
  console.log(JSON.stringify({ registered }));
})();
`;

/** The instrumentation's spans of the app's own `/ping` calls (client and server side). */
function pingSpans(spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  return spans.filter(
    (span) =>
      span.scope === "@opentelemetry/instrumentation-http" &&
      String(span.attributes["url.path"] ?? span.attributes["url.full"] ?? "").endsWith("/ping"),
  );
}

/** Spans of OTLP exports themselves (an exporter must suppress tracing while it sends). */
function exportSpans(spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  return spans.filter((span) => /\/v1\/(traces|metrics)$/.test(String(span.attributes["url.full"] ?? "")));
}

interface AppResult {
  readonly registered: boolean;
  readonly recording: boolean;
  readonly metrics: string;
  readonly sameCopies: Record<string, boolean>;
}

function parseResult(output: { status: number | null; stdout: string; stderr: string }): AppResult {
  expect(output.status, output.stderr).toBe(0);
  const last = output.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as AppResult;
}

describe(`OpenTelemetry ${line.name} interop of the packed package (Node ${process.versions.node})`, () => {
  let project: OtelUserProject;

  beforeAll(async () => {
    project = await otelUserProject(line);
  }, 660_000);

  describe("collector.register() with only the app's instrumentation (the collector owns the globals)", () => {
    const ours = new OtlpReceiver();
    let result: AppResult;
    let stderr = "";

    beforeAll(async () => {
      await ours.start();
      const output = await project.run("registered-app.cjs", REGISTERED_APP, { OURS_URL: ours.url });
      stderr = output.stderr;
      result = parseResult(output);
    }, 120_000);

    afterAll(() => ours.stop());

    it("shares one @opentelemetry/api and one SDK with the application", () => {
      expect(result.sameCopies).toEqual({
        "@opentelemetry/api": true,
        "@opentelemetry/sdk-metrics": true,
        "@opentelemetry/sdk-trace": true,
        "@opentelemetry/core": true,
      });
      expect(result.registered).toBe(true);
      expect(stderr).toBe("");
    });

    it("records the application's spans and sends them, nested, through the collector's OTLP exporter", () => {
      expect(result.recording).toBe(true);
      expect(ours.spans.some((span) => span.name === "app.batch" && span.scope === "interop-app")).toBe(true);
      // Client and server side of each request. (The scrape of /metrics is one more server span.)
      const servers = pingSpans(ours.spans);
      expect(servers.length).toBe(2 * REQUESTS);
      const operations = ours.spans.filter((span) => span.name === "handle_ping");
      expect(operations.length).toBe(REQUESTS);
      for (const operation of operations)
        expect(servers.some((server) => server.spanId === operation.parentSpanId)).toBe(true);
    });

    it("does not trace its own exports (each one would feed the next)", () => {
      expect(exportSpans(ours.spans)).toEqual([]);
    });

    it("serves the application's meter and the instrumentation's metrics on /metrics beside the golden signals", () => {
      expect(sumOf(result.metrics, "app_jobs_total")).toBe(REQUESTS);
      expect(sumOf(result.metrics, "http_server_request_duration_seconds_count")).toBe(REQUESTS);
      expect(sumOf(result.metrics, "zoran_requests_total", { operation: "handle_ping" })).toBe(REQUESTS);
    });
  });

  describe("the application's NodeSDK started first, the collector given to it, then register() (joins)", () => {
    const ours = new OtlpReceiver();
    const theirs = new OtlpReceiver();
    let result: AppResult;
    let stderr = "";

    beforeAll(async () => {
      await Promise.all([ours.start(), theirs.start()]);
      const output = await project.run("node-sdk-app.cjs", NODE_SDK_APP, {
        OURS_URL: ours.url,
        THEIRS_URL: theirs.url,
      });
      stderr = output.stderr;
      result = parseResult(output);
    }, 120_000);

    afterAll(() => Promise.all([ours.stop(), theirs.stop()]));

    it("joins the app's SDK (register() is false) without a warning, on one API and one SDK", () => {
      expect(result.registered).toBe(false);
      expect(stderr).toBe("");
      expect(Object.values(result.sameCopies)).toEqual([true, true, true, true]);
    });

    it("sends the app's spans through the collector's exporter (ours)", () => {
      expect(result.recording).toBe(true);
      expect(pingSpans(ours.spans).length).toBe(2 * REQUESTS);
      expect(ours.spans.some((span) => span.name === "app.batch")).toBe(true);
    });

    it("sends the collector's spans through the app's exporter (theirs), under the app's HTTP server spans", () => {
      const servers = theirs.spans.filter((span) => span.scope === "@opentelemetry/instrumentation-http");
      const operations = theirs.spans.filter((span) => span.name === "handle_ping");
      expect(operations.length).toBe(REQUESTS);
      for (const operation of operations) {
        expect(operation.scope).toBe("zoran-telemetrie");
        expect(servers.some((server) => server.spanId === operation.parentSpanId)).toBe(true);
      }
    });

    it("serves the app's instruments on /metrics and sends them through the collector's OTLP exporter", () => {
      expect(sumOf(result.metrics, "app_jobs_total")).toBe(REQUESTS);
      expect(sumOf(result.metrics, "http_server_request_duration_seconds_count")).toBe(REQUESTS);
      expect(ours.latest("app.jobs")?.value).toBe(REQUESTS);
      // The OTLP export at shutdown also counts the scrape of /metrics, an HTTP request to the app
      // that the app's instrumentation-http observed like any other.
      expect(ours.latest("http.server.request.duration")?.count).toBe(REQUESTS + 1);
      expect(ours.latest("zoran.requests", { operation: "handle_ping" })?.value).toBe(REQUESTS);
    });

    it("neither exporter traces its own exports", () => {
      expect(exportSpans(ours.spans)).toEqual([]);
      expect(exportSpans(theirs.spans)).toEqual([]);
    });

    it("sends the golden signals through the app's metric exporter (theirs), each once", () => {
      expect(theirs.latest("zoran.requests", { operation: "handle_ping" })?.value).toBe(REQUESTS);
      expect(theirs.latest("zoran.latency", { operation: "handle_ping" })?.count).toBe(REQUESTS);
      expect(theirs.latest("app.jobs")?.value).toBe(REQUESTS);
      // The app's own instruments reach its exporter once: the producer leaves them out.
      const last = theirs.points.filter((point) => point.name === "app.jobs");
      const times = new Set(last.map((point) => point.timeUnixNano));
      expect(last.length).toBe(times.size);
    });
  });

  it("says on stderr what an application SDK without the collector's parts loses", async () => {
    const output = await project.run("unwired-sdk-app.cjs", UNWIRED_SDK_APP);
    expect(parseResult(output).registered).toBe(false);
    expect(output.stderr).toContain("add collector.spanProcessor to the SDK's spanProcessors");
    expect(output.stderr).toContain("add collector.metricReader to its readers");
  }, 120_000);
});
