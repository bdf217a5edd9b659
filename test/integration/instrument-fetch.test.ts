import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { instrumentFetch, instrumentGlobalFetch } from "../../src/instrument/instrument-fetch.js";
import { GoldenSignals } from "../../src/signals/golden-signals.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_METRIC,
  REQUESTS_METRIC,
} from "../../src/signals/metric-definitions.js";
import { OtlpReceiver } from "../helpers/otlp-receiver.js";
import { sumOf } from "../helpers/prometheus-samples.js";

/** A real, uninstrumented server on 127.0.0.1 that remembers the headers it received. */
class UpstreamServer {
  readonly seen: IncomingHttpHeaders[] = [];
  #server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      this.seen.push(req.headers);
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        switch (req.url) {
          case "/answer":
            res.setHeader("content-type", "text/plain").end("a".repeat(5000));
            return;
          case "/stream": {
            // Chunked, no Content-Length: the client must count what it reads.
            res.write("b".repeat(1000));
            setTimeout(() => res.end("c".repeat(700)), 20);
            return;
          }
          case "/limited":
            res.writeHead(429, { "retry-after": "1" }).end("slow down");
            return;
          case "/broken":
            res.writeHead(503).end("unavailable");
            return;
          case "/slow":
            setTimeout(() => res.end("late"), 2000).unref();
            return;
          default:
            res.writeHead(404).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

/** A port that refuses connections: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("instrumentFetch against a real server", () => {
  const upstream = new UpstreamServer();
  const receiver = new OtlpReceiver();
  let collector: TelemetryCollector;
  let text: string;
  let openMetrics: string;
  let outerTraceId = "";
  let answerText = "";
  let streamText = "";
  let refusedPort = 0;

  beforeAll(async () => {
    await Promise.all([upstream.start(), receiver.start()]);
    refusedPort = await closedPort();
    collector = new TelemetryCollector({
      serviceName: "fetch-test",
      exporter: "otlp",
      otlp: { endpoint: receiver.url, protocol: "http/json", metrics: false },
      saturation: false,
      runtimeMetrics: false,
    });
    const tracedFetch = instrumentFetch(collector, { exchange: "ai_ai" });
    const namedFetch = instrumentFetch(collector, { operation: "call_planner" });

    await collector.trace("agent_step", async (span) => {
      outerTraceId = span.spanContext().traceId;
      const answer = await tracedFetch(`${upstream.url}/answer`, { method: "POST", body: "q".repeat(3000) });
      answerText = await answer.text();
      const streamed = await tracedFetch(new Request(`${upstream.url}/stream`));
      for await (const chunk of streamed.body!) streamText += Buffer.from(chunk).toString("utf8");
      expect((await tracedFetch(`${upstream.url}/limited`)).status).toBe(429);
      expect((await tracedFetch(`${upstream.url}/broken`)).status).toBe(503);
      await expect(
        namedFetch(`${upstream.url}/slow`, { signal: AbortSignal.timeout(50) }),
      ).rejects.toMatchObject({ name: "TimeoutError" });
      await expect(namedFetch(`http://127.0.0.1:${refusedPort}/`)).rejects.toThrow();
      collector.recordSignal(GoldenSignals.ERROR_RATE, 0);
    });
    text = await collector.export("prometheus");
    openMetrics = await collector.export("openmetrics");
    await collector.shutdown();
  });

  afterAll(async () => {
    await Promise.all([upstream.stop(), receiver.stop()]);
  });

  it("links the call's latency bucket and request count to its client span (exemplars)", () => {
    const post = receiver.spans.find((span) => span.attributes["http.request.method"] === "POST");
    const exemplarsOf = (metric: string) =>
      openMetrics
        .split("\n")
        .filter(
          (l) => l.startsWith(`${metric}{`) && l.includes('operation="POST <ipv4>"') && l.includes(" # {"),
        )
        .map((l) => /# \{trace_id="([0-9a-f]{32})",span_id="([0-9a-f]{16})"\}/.exec(l)?.slice(1));
    const expected = [outerTraceId, post?.spanId];
    expect(exemplarsOf(`${LATENCY_METRIC.promName}_bucket`)).toContainEqual(expected);
    expect(exemplarsOf(REQUESTS_METRIC.promName)).toEqual([expected]);
  });

  it("counts each call under METHOD + host, never the path", () => {
    expect(
      sumOf(text, REQUESTS_METRIC.promName, { operation: "POST <ipv4>", exchange: "ai_ai", outcome: "ok" }),
    ).toBe(1);
    expect(sumOf(text, REQUESTS_METRIC.promName, { operation: "GET <ipv4>", exchange: "ai_ai" })).toBe(3);
    expect(sumOf(text, `${LATENCY_METRIC.promName}_count`, { operation: "GET <ipv4>" })).toBe(3);
    expect(sumOf(text, REQUESTS_METRIC.promName, { operation: "call_planner" })).toBe(2);
    expect(text).not.toContain("/answer");
    expect(text).not.toContain("/limited");
  });

  it("derives error types from status codes and thrown errors", () => {
    expect(sumOf(text, ERRORS_METRIC.promName, { operation: "GET <ipv4>", error_type: "rate_limited" })).toBe(
      1,
    );
    expect(
      sumOf(text, ERRORS_METRIC.promName, { operation: "GET <ipv4>", error_type: "provider_error" }),
    ).toBe(1);
    expect(sumOf(text, ERRORS_METRIC.promName, { operation: "call_planner", error_type: "timeout" })).toBe(1);
    expect(
      sumOf(text, ERRORS_METRIC.promName, { operation: "call_planner", error_type: "provider_error" }),
    ).toBe(1);
  });

  it("leaves the enclosing operation counted once, with its own outcome", () => {
    expect(sumOf(text, REQUESTS_METRIC.promName, { operation: "agent_step", outcome: "ok" })).toBe(1);
    expect(sumOf(text, ERRORS_METRIC.promName, { operation: "agent_step" })).toBe(0);
  });

  it("counts request body bytes and the response bytes read, chunked responses included", () => {
    expect(answerText).toHaveLength(5000);
    expect(streamText).toHaveLength(1700);
    expect(sumOf(text, EXCHANGE_SIZE_METRIC.promName, { operation: "POST <ipv4>", direction: "input" })).toBe(
      3000,
    );
    expect(
      sumOf(text, EXCHANGE_SIZE_METRIC.promName, { operation: "POST <ipv4>", direction: "output" }),
    ).toBe(5000);
    // GET calls: /stream (1700 read) + /limited (9) + /broken (11), the last two never read: 1700 counted.
    expect(sumOf(text, EXCHANGE_SIZE_METRIC.promName, { operation: "GET <ipv4>", direction: "output" })).toBe(
      1700,
    );
  });

  it("injects a W3C traceparent naming the client span as the parent", () => {
    const traceparents = upstream.seen.map((headers) => headers.traceparent);
    expect(traceparents).toHaveLength(5);
    const clientSpans = receiver.spans.filter((span) => span.attributes["http.request.method"] !== undefined);
    expect(clientSpans).toHaveLength(6);
    const outer = receiver.spans.find((span) => span.name === "agent_step");
    for (const traceparent of traceparents) {
      const [, traceId, parentId] = String(traceparent).split("-");
      expect(traceId).toBe(outerTraceId);
      const client = clientSpans.find((span) => span.spanId === parentId);
      expect(client?.parentSpanId).toBe(outer?.spanId);
    }
  });

  it("keeps paths out of span names and attributes", () => {
    const spans = JSON.stringify(receiver.spans);
    expect(spans).not.toContain("/answer");
    expect(spans).not.toContain("/stream");
    const limited = receiver.spans.find((span) => span.attributes["http.response.status_code"] === 429);
    expect(limited?.attributes["error.type"]).toBe("rate_limited");
    expect(limited?.statusCode).toBe(2);
  });
});

describe("instrumentGlobalFetch", () => {
  const upstream = new UpstreamServer();
  beforeAll(() => upstream.start());
  afterAll(() => upstream.stop());

  it("instruments globalThis.fetch until restored", async () => {
    const collector = new TelemetryCollector({ exporter: "none", saturation: false, runtimeMetrics: false });
    const original = globalThis.fetch;
    const restore = instrumentGlobalFetch(collector, { operation: "global_call" });
    try {
      expect(globalThis.fetch).not.toBe(original);
      await (await fetch(`${upstream.url}/answer`)).text();
    } finally {
      restore();
    }
    expect(globalThis.fetch).toBe(original);
    await (await fetch(`${upstream.url}/answer`)).text();
    const text = await collector.export("prometheus");
    expect(sumOf(text, REQUESTS_METRIC.promName, { operation: "global_call" })).toBe(1);
    expect(upstream.seen[0]?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(upstream.seen[1]?.traceparent).toBeUndefined();
    await collector.shutdown();
  });
});
