import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOtlpExporter } from "../../src/exporters/otlp/otlp-exporter.js";
import type { OtlpProtocol } from "../../src/exporters/otlp/otlp-exporter-options.js";
import type { TelemetryExporter } from "../../src/exporters/telemetry-exporter.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TOKENS_METRIC,
} from "../../src/signals/metric-definitions.js";
import { GoldenSignalSetup } from "../exporters/otlp/golden-signal-setup.js";
import { type OtlpReceiver, startOtlpReceiver, waitFor } from "../helpers/otlp-receiver.js";

let receiver: OtlpReceiver | undefined;
let store: GoldenSignalSetup | undefined;
let exporter: TelemetryExporter | undefined;

afterEach(async () => {
  await exporter?.shutdown();
  await receiver?.stop();
  await store?.close();
  exporter = receiver = store = undefined;
  vi.unstubAllEnvs();
});

const op = { operation: "summarize", exchange: "ai_ai" };

describe.each<[OtlpProtocol, "gzip" | "none"]>([
  ["http/protobuf", "none"],
  ["http/json", "none"],
  ["http/protobuf", "gzip"],
])("OTLP exporter over %s (compression %s)", (protocol, compression) => {
  it("delivers every golden-signal metric and the spans, with the values recorded", async () => {
    receiver = await startOtlpReceiver();
    store = new GoldenSignalSetup("zoran-core");
    exporter = createOtlpExporter(store.setup, {
      endpoint: receiver.url,
      protocol,
      compression,
      intervalMs: 60_000,
    });
    const { tracer } = store.wire(exporter);
    await exporter.start?.();

    tracer.startActiveSpan("injection_4champs", (parent) => {
      // No global context manager in this test: the parent is passed explicitly.
      tracer.startSpan("child", {}, trace.setSpan(context.active(), parent)).end();
      store!.recordOperation("summarize", 0.245);
      store!.recordOperation("summarize", 1.5, true);
      parent.setStatus({ code: SpanStatusCode.ERROR });
      parent.end();
    });
    await exporter.forceFlush?.();

    const first = receiver.requests[0];
    expect(first?.contentType).toBe(protocol === "http/json" ? "application/json" : "application/x-protobuf");
    expect(first?.contentEncoding).toBe(compression === "gzip" ? "gzip" : "");
    const ok = receiver.latest(LATENCY_METRIC.name, { ...op, outcome: "ok" });
    expect(ok).toMatchObject({ kind: "histogram", unit: "s", temporality: 2, count: 1, sum: 0.245 });
    expect(ok?.explicitBounds).toEqual(LATENCY_BOUNDS_SECONDS);
    expect(ok?.resource["service.name"]).toBe("zoran-core");
    expect(receiver.latest(LATENCY_METRIC.name, { ...op, outcome: "error" })).toMatchObject({
      count: 1,
      sum: 1.5,
    });
    expect(receiver.latest(REQUESTS_METRIC.name, { ...op, outcome: "ok" })?.value).toBe(1);
    expect(receiver.latest(REQUESTS_METRIC.name, { ...op, outcome: "error" })?.value).toBe(1);
    expect(receiver.latest(ERRORS_METRIC.name, { ...op, error_type: "crash" })?.value).toBe(1);
    expect(receiver.latest(TOKENS_METRIC.name, { ...op, direction: "input" })).toMatchObject({
      value: 20,
      unit: "{token}",
      isMonotonic: true,
    });
    expect(receiver.latest(TOKENS_METRIC.name, { ...op, direction: "output" })?.value).toBe(50);
    expect(receiver.latest(EXCHANGE_SIZE_METRIC.name, { direction: "output" })).toMatchObject({
      value: 1024,
      unit: "By",
    });
    expect(receiver.latest(SATURATION_METRIC.name, { resource: "cpu" })).toMatchObject({
      kind: "gauge",
      value: 0.25,
    });

    const parent = receiver.spans.find((s) => s.name === "injection_4champs");
    const child = receiver.spans.find((s) => s.name === "child");
    expect(parent?.statusCode).toBe(2);
    expect(parent?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(child?.traceId).toBe(parent?.traceId);
    expect(child?.parentSpanId).toBe(parent?.spanId);
    expect(store.failures).toEqual([]);
  });
});

describe("OTLP exporter under receiver trouble", () => {
  it("retries a 503 and waits for its Retry-After before the next attempt", async () => {
    receiver = await startOtlpReceiver();
    store = new GoldenSignalSetup();
    exporter = createOtlpExporter(store.setup, {
      endpoint: receiver.url,
      intervalMs: 60_000,
      timeoutMs: 10_000,
      traces: false,
    });
    store.wire(exporter);
    store.recordOperation("summarize", 0.5);
    receiver.failNext({ status: 503, headers: { "retry-after": "2" }, times: 1 });
    const began = Date.now();
    await exporter.forceFlush?.();
    const elapsed = Date.now() - began;
    expect(receiver.requests.map((r) => r.status)).toEqual([503, 200]);
    // Retry-After: 2 (seconds) wins over the 1 s initial backoff of the exporter.
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(receiver.latest(REQUESTS_METRIC.name, { ...op, outcome: "ok" })?.value).toBe(1);
    expect(store.failures).toEqual([]);
  });

  it("after an outage of several intervals, holds every value recorded; spans kept in a bounded buffer", async () => {
    receiver = await startOtlpReceiver();
    store = new GoldenSignalSetup();
    exporter = createOtlpExporter(store.setup, {
      endpoint: receiver.url,
      protocol: "http/json",
      intervalMs: 50,
      // Generous: a refused connection fails at once anyway, and a loaded CI machine can take
      // longer than 50 ms to answer a live receiver.
      timeoutMs: 1000,
      maxRetainedSpans: 40,
    });
    const { tracer } = store.wire(exporter);
    await exporter.start?.();
    store.recordOperation("summarize", 0.1);
    await waitFor(() => receiver!.latest(REQUESTS_METRIC.name) !== undefined, 5_000, "first export");

    await receiver.stop();
    const heapBefore = process.memoryUsage().heapUsed;
    // The outage lasts until several exports failed and far more spans than the buffer were
    // made, however fast the machine is (bounded by a deadline).
    const outageDeadline = Date.now() + 15_000;
    let recorded = 1;
    let spans = 0;
    while ((store.failures.length < 5 || spans < 400) && Date.now() < outageDeadline) {
      store.recordOperation("summarize", 0.2);
      recorded++;
      for (let i = 0; i < 10; i++, spans++) tracer.startSpan(`during-outage-${spans}`).end();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const failuresDuringOutage = store.failures.length;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(failuresDuringOutage).toBeGreaterThanOrEqual(5);
    expect(store.failures.every((f) => f.exporter === "otlp")).toBe(true);
    // Far more spans than the buffer of 40: the oldest are dropped and counted, reason buffer_full.
    const dropped = store.spanDrops.reduce((total, d) => total + d.count, 0);
    expect(store.spanDrops.every((d) => d.exporter === "otlp" && d.reason === "buffer_full")).toBe(true);
    expect(dropped).toBeGreaterThanOrEqual(spans - 40 - 40);
    expect(heapGrowth).toBeLessThan(30 * 1024 * 1024);

    await receiver.start();
    await waitFor(
      () => receiver!.latest(REQUESTS_METRIC.name, { ...op, outcome: "ok" })?.value === recorded,
      10_000,
      `requests_total = ${recorded} after recovery`,
    );
    const latency = receiver.latest(LATENCY_METRIC.name, { ...op, outcome: "ok" });
    expect(latency?.count).toBe(recorded);
    expect(latency?.sum).toBeCloseTo(0.1 + 0.2 * (recorded - 1), 9);
    expect(receiver.latest(TOKENS_METRIC.name, { direction: "output" })?.value).toBe(25 * recorded);
    // The newest spans of the outage arrive once the receiver is back; at most the bound of them.
    // Retained spans go out with the next span export after recovery; poll rather than race it.
    const newest = `during-outage-${spans - 1}`;
    const deadline = Date.now() + 10_000;
    while (!receiver.spans.some((s) => s.name === newest) && Date.now() < deadline) {
      await exporter.forceFlush?.();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const outageSpans = receiver.spans.filter((s) => s.name.startsWith("during-outage-"));
    expect(outageSpans.length).toBeGreaterThanOrEqual(40);
    expect(outageSpans.some((s) => s.name === `during-outage-${spans - 1}`)).toBe(true);
  }, 40_000);

  it("shutdown() delivers the last values recorded before it", async () => {
    receiver = await startOtlpReceiver();
    store = new GoldenSignalSetup();
    exporter = createOtlpExporter(store.setup, { endpoint: receiver.url, intervalMs: 60_000 });
    const { tracer } = store.wire(exporter);
    await exporter.start?.();
    store.recordOperation("last-words", 0.3);
    tracer.startSpan("last-span").end();
    await exporter.shutdown();
    expect(receiver.latest(REQUESTS_METRIC.name, { operation: "last-words" })?.value).toBe(1);
    expect(receiver.spans.map((s) => s.name)).toContain("last-span");
  });

  it("shutdown() resolves within its timeout when the receiver is down", async () => {
    receiver = await startOtlpReceiver();
    const url = receiver.url;
    await receiver.stop();
    store = new GoldenSignalSetup();
    exporter = createOtlpExporter(store.setup, {
      endpoint: url,
      intervalMs: 60_000,
      timeoutMs: 30_000, // retries alone would take longer than the shutdown budget
      shutdownTimeoutMs: 1_000,
    });
    const { tracer } = store.wire(exporter);
    store.recordOperation("unsent", 0.3);
    tracer.startSpan("unsent").end();
    const began = Date.now();
    await exporter.shutdown();
    const elapsed = Date.now() - began;
    // The budget is 1 s; far below the 30 s of the export's retries, loose for a loaded machine.
    expect(elapsed).toBeLessThan(10_000);
    expect(store.failures.length).toBeGreaterThan(0);
    await expect(exporter.shutdown()).resolves.toBeUndefined(); // twice is fine
  });
});

describe("OTLP exporter configuration", () => {
  it("reads OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL and _HEADERS when no option is given", async () => {
    receiver = await startOtlpReceiver();
    vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url);
    vi.stubEnv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json");
    vi.stubEnv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=from-env");
    vi.stubEnv("OTEL_METRIC_EXPORT_INTERVAL", "100");
    store = new GoldenSignalSetup();
    exporter = createOtlpExporter(store.setup, { traces: false });
    store.wire(exporter);
    store.recordOperation("env", 0.1);
    await waitFor(() => receiver!.latest(REQUESTS_METRIC.name) !== undefined, 5_000, "periodic export");
    expect(receiver.requests[0]?.contentType).toBe("application/json");
    expect(receiver.requests[0]?.headers["x-api-key"]).toBe("from-env");
  });

  it("lets options win over the environment", async () => {
    receiver = await startOtlpReceiver();
    vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"); // discard port: nothing listens
    vi.stubEnv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json");
    store = new GoldenSignalSetup();
    exporter = createOtlpExporter(store.setup, {
      endpoint: receiver.url,
      protocol: "http/protobuf",
      headers: { "x-api-key": "from-options" },
      traces: false,
      intervalMs: 60_000,
    });
    store.wire(exporter);
    store.recordOperation("options", 0.1);
    await exporter.forceFlush?.();
    expect(receiver.requests[0]?.contentType).toBe("application/x-protobuf");
    expect(receiver.requests[0]?.headers["x-api-key"]).toBe("from-options");
  });
});
