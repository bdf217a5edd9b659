import { createServer } from "node:net";
import { diag, trace as traceApi } from "@opentelemetry/api";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import { samplesOf, sumOf } from "../helpers/prometheus-samples.js";

const collectors: TelemetryCollector[] = [];
function create(options: ConstructorParameters<typeof TelemetryCollector>[0] = {}): TelemetryCollector {
  const collector = new TelemetryCollector({
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    ...options,
  });
  collectors.push(collector);
  return collector;
}
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
  vi.unstubAllEnvs();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("TelemetryCollector", () => {
  it("runs the seed example and counts the operation once, with the explicit latency", async () => {
    const collector = create({ serviceName: "zoran-core" });
    await collector.trace("injection_4champs", async () => {
      collector.recordSignal(GoldenSignals.LATENCY, 0.245);
      collector.recordSignal(GoldenSignals.ERROR_RATE, 0.0);
      collector.recordSignal(GoldenSignals.TRAFFIC, 1024);
      collector.recordSignal(GoldenSignals.SATURATION, 0.32);
    });
    const text = await collector.export("prometheus");
    const labels = { operation: "injection_4champs", exchange: "none", outcome: "ok" };
    expect(sumOf(text, "zoran_requests_total", labels)).toBe(1);
    expect(sumOf(text, "zoran_latency_seconds_count", labels)).toBe(1);
    expect(sumOf(text, "zoran_latency_seconds_sum", labels)).toBe(0.245);
    expect(sumOf(text, "zoran_latency_seconds_bucket", { ...labels, le: "0.16" })).toBe(0);
    expect(sumOf(text, "zoran_latency_seconds_bucket", { ...labels, le: "0.32" })).toBe(1);
    expect(samplesOf(text, "zoran_errors_total")).toHaveLength(0);
    expect(
      sumOf(text, "zoran_exchange_size_bytes_total", { operation: "injection_4champs", direction: "none" }),
    ).toBe(1024);
    expect(sumOf(text, "zoran_saturation_ratio", { resource: "custom" })).toBe(0.32);
    expect(text).toContain('target_info{service_name="zoran-core"');
  });

  it("measures the duration of an operation when no latency is recorded", async () => {
    const collector = create();
    await collector.trace("slow", () => sleep(30));
    const text = await collector.export("prometheus");
    const sum = sumOf(text, "zoran_latency_seconds_sum", { operation: "slow" });
    expect(sum).toBeGreaterThanOrEqual(0.025);
    expect(sum).toBeLessThan(1);
  });

  it("keeps the last explicit value of LATENCY and ERROR_RATE inside one operation", async () => {
    const collector = create();
    collector.trace("op", () => {
      collector.recordSignal(GoldenSignals.LATENCY, 5);
      collector.recordSignal(GoldenSignals.LATENCY, 0.05);
      collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { error_type: "timeout" });
      collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { error_type: "invalid_response" });
    });
    const text = await collector.export("prometheus");
    expect(sumOf(text, "zoran_requests_total", { operation: "op", outcome: "error" })).toBe(1);
    expect(sumOf(text, "zoran_requests_total", { operation: "op" })).toBe(1);
    expect(sumOf(text, "zoran_latency_seconds_sum", { operation: "op", outcome: "error" })).toBe(0.05);
    expect(sumOf(text, "zoran_errors_total", { operation: "op", error_type: "invalid_response" })).toBe(1);
    expect(sumOf(text, "zoran_errors_total", { operation: "op", error_type: "timeout" })).toBe(0);
  });

  it("returns what the function returns and rethrows what it throws, recorded as a crash", async () => {
    const collector = create();
    expect(collector.trace("sync", () => 42)).toBe(42);
    await expect(collector.trace("async", async () => "x")).resolves.toBe("x");
    const boom = new Error("user content: jane@example.com");
    expect(() =>
      collector.trace("sync-fail", () => {
        throw boom;
      }),
    ).toThrow(boom);
    await expect(
      collector.trace("async-fail", async () => {
        collector.recordSignal(GoldenSignals.ERROR_RATE, 0);
        throw boom;
      }),
    ).rejects.toBe(boom);
    const text = await collector.export("prometheus");
    for (const operation of ["sync-fail", "async-fail"]) {
      expect(sumOf(text, "zoran_errors_total", { operation, error_type: "crash" })).toBe(1);
      expect(sumOf(text, "zoran_requests_total", { operation, outcome: "error" })).toBe(1);
    }
    expect(sumOf(text, "zoran_requests_total", { operation: "sync", outcome: "ok" })).toBe(1);
    expect(text).not.toContain("jane@example.com");
  });

  it("throws a TypeError when trace() is given something that is not a function", () => {
    const collector = create();
    expect(() => collector.trace("x", 42 as never)).toThrow(TypeError);
  });

  it("attaches nested and concurrent signals to their own operation and exchange", async () => {
    const collector = create();
    const run = (name: string, exchange: "ai_ai" | "ai_human", bytes: number, delayMs: number) =>
      collector.trace(
        name,
        async () => {
          await sleep(delayMs);
          collector.recordSignal(GoldenSignals.TRAFFIC, bytes, { direction: "output" });
          await collector.trace(`${name}.child`, async () => {
            await sleep(delayMs);
            collector.recordSignal(GoldenSignals.TRAFFIC, bytes * 10, { kind: "tokens", direction: "input" });
          });
          collector.recordSignal(GoldenSignals.TRAFFIC, 1, { direction: "input" });
        },
        { exchange },
      );
    await Promise.all([run("a", "ai_ai", 1, 15), run("b", "ai_human", 2, 5), run("a", "ai_ai", 1, 1)]);
    const text = await collector.export("prometheus");
    expect(
      sumOf(text, "zoran_exchange_size_bytes_total", {
        operation: "a",
        exchange: "ai_ai",
        direction: "output",
      }),
    ).toBe(2);
    expect(
      sumOf(text, "zoran_exchange_size_bytes_total", {
        operation: "b",
        exchange: "ai_human",
        direction: "output",
      }),
    ).toBe(2);
    expect(sumOf(text, "zoran_exchange_size_bytes_total", { operation: "a", direction: "input" })).toBe(2);
    expect(sumOf(text, "zoran_tokens_total", { operation: "a.child", exchange: "ai_ai" })).toBe(20);
    expect(sumOf(text, "zoran_tokens_total", { operation: "b.child", exchange: "ai_human" })).toBe(20);
    expect(sumOf(text, "zoran_requests_total", { operation: "a" })).toBe(2);
    expect(sumOf(text, "zoran_requests_total", { operation: "a.child" })).toBe(2);
    expect(sumOf(text, "zoran_requests_total", { operation: "b.child", exchange: "ai_human" })).toBe(1);
  });

  it("creates a span per operation, nested under its parent, with the error type and no message", async () => {
    const { InMemorySpanExporter, SimpleSpanProcessor } = await import("@opentelemetry/sdk-trace");
    const exporter = new InMemorySpanExporter();
    const collector = create({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    await collector
      .trace("outer", async (outerSpan) => {
        expect(traceApi.getSpan(collector.contextManager.active())).toBe(outerSpan);
        await collector.trace("inner", async () => {
          throw new RangeError("secret prompt text");
        });
      })
      .catch(() => undefined);
    const spans = exporter.getFinishedSpans();
    const inner = spans.find((s) => s.name === "inner")!;
    const outer = spans.find((s) => s.name === "outer")!;
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(inner.status.code).toBe(2);
    expect(inner.attributes["error.type"]).toBe("RangeError");
    expect(JSON.stringify([inner.attributes, inner.events, inner.status])).not.toContain(
      "secret prompt text",
    );
  });

  it("counts ERROR_RATE outside trace() as one completed operation", async () => {
    const collector = create();
    collector.recordSignal(GoldenSignals.ERROR_RATE, 0, { operation: "x" });
    collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { operation: "x", error_type: "rate_limited" });
    collector.recordSignal(GoldenSignals.ERROR_RATE, 0.5, { operation: "x" });
    collector.recordSignal(GoldenSignals.LATENCY, 0.5, { operation: "x" });
    const text = await collector.export("prometheus");
    expect(sumOf(text, "zoran_requests_total", { operation: "x", outcome: "ok" })).toBe(1);
    expect(sumOf(text, "zoran_requests_total", { operation: "x", outcome: "error" })).toBe(2);
    expect(sumOf(text, "zoran_errors_total", { operation: "x", error_type: "rate_limited" })).toBe(1);
    expect(sumOf(text, "zoran_errors_total", { operation: "x", error_type: "other" })).toBe(0.5);
    expect(sumOf(text, "zoran_latency_seconds_count", { operation: "x" })).toBe(1);
  });

  it("records tokens, bytes and requests as TRAFFIC kinds", async () => {
    const collector = create();
    collector.recordSignal(GoldenSignals.TRAFFIC, 100, {
      kind: "tokens",
      direction: "input",
      operation: "chat",
    });
    collector.recordSignal(GoldenSignals.TRAFFIC, 40, {
      kind: "tokens",
      direction: "output",
      operation: "chat",
    });
    collector.recordSignal(GoldenSignals.TRAFFIC, 3, { kind: "requests", operation: "chat" });
    collector.recordSignal(GoldenSignals.TRAFFIC, 512, { operation: "chat", exchange: "ai_human" });
    const text = await collector.export("prometheus");
    expect(sumOf(text, "zoran_tokens_total", { operation: "chat", direction: "input" })).toBe(100);
    expect(sumOf(text, "zoran_tokens_total", { operation: "chat", direction: "output" })).toBe(40);
    expect(sumOf(text, "zoran_requests_total", { operation: "chat", outcome: "ok" })).toBe(3);
    expect(sumOf(text, "zoran_exchange_size_bytes_total", { operation: "chat", exchange: "ai_human" })).toBe(
      512,
    );
  });

  it("never throws on bad input: drops it, reports once through diag, and counts it", async () => {
    const warn = vi.fn();
    const collector = create({
      diag: { ...diag, warn, error: vi.fn(), debug: vi.fn(), info: vi.fn(), verbose: vi.fn() },
    });
    const hostile: Record<string, unknown> = JSON.parse(
      '{"__proto__": {"polluted": true}, "operation": "ok"}',
    );
    const throwing = Object.defineProperty({}, "operation", {
      get() {
        throw new Error("getter");
      },
    });
    const calls: Array<() => void> = [
      () => collector.recordSignal(GoldenSignals.LATENCY, Number.NaN),
      () => collector.recordSignal(GoldenSignals.LATENCY, Number.POSITIVE_INFINITY),
      () => collector.recordSignal(GoldenSignals.LATENCY, -1),
      () => collector.recordSignal(GoldenSignals.ERROR_RATE, 1.5),
      () => collector.recordSignal(GoldenSignals.ERROR_RATE, -0.1),
      () => collector.recordSignal(GoldenSignals.SATURATION, 2),
      () => collector.recordSignal(GoldenSignals.TRAFFIC, "12" as never),
      () => collector.recordSignal("bogus" as never, 1),
      () => collector.recordSignal(undefined as never, 1),
      () => collector.recordSignal(GoldenSignals.LATENCY, 1, { operation: 42 as never }),
      () => collector.recordSignal(GoldenSignals.LATENCY, 1, { exchange: "martian" }),
      () => collector.recordSignal(GoldenSignals.TRAFFIC, 1, { kind: "watts" }),
      () => collector.recordSignal(GoldenSignals.LATENCY, 1, throwing),
      () => collector.recordSignal(GoldenSignals.LATENCY, 1, hostile),
      () => collector.recordSignal(GoldenSignals.LATENCY, 1, "not an object" as never),
      () => collector.recordSignal(GoldenSignals.LATENCY, 1, null as never),
      () => collector.recordSignal(GoldenSignals.LATENCY, 0.1, { operation: "x".repeat(1_000_000) }),
    ];
    for (const call of calls) expect(call).not.toThrow();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const text = await collector.export("prometheus");
    const dropped = sumOf(text, "zoran_telemetry_dropped_total");
    expect(dropped).toBe(13);
    expect(sumOf(text, "zoran_telemetry_dropped_total", { reason: "invalid_value", signal: "latency" })).toBe(
      3,
    );
    expect(sumOf(text, "zoran_telemetry_dropped_total", { reason: "unknown_signal" })).toBe(2);
    // Reported once per reason and signal, not once per call.
    expect(warn.mock.calls.length).toBeLessThan(dropped);
    const longOperation = samplesOf(text, "zoran_latency_seconds_count").find((s) =>
      s.labels.operation?.startsWith("xxx"),
    );
    expect(longOperation?.labels.operation).toHaveLength(128);
  });

  it("holds 10,000 distinct attribute values to the cardinality limit with one overflow series", async () => {
    const collector = create({ cardinalityLimit: 2000 });
    for (let i = 0; i < 10_000; i++) {
      collector.recordSignal(GoldenSignals.TRAFFIC, 1, { operation: `op-${i}`, direction: "input" });
    }
    const text = await collector.export("prometheus");
    const series = samplesOf(text, "zoran_exchange_size_bytes_total");
    expect(series).toHaveLength(2001);
    const overflow = series.filter((s) => s.labels.otel_metric_overflow === "true");
    expect(overflow).toHaveLength(1);
    expect(Object.keys(overflow[0]!.labels)).toEqual(["otel_metric_overflow"]);
    expect(overflow[0]!.value).toBe(8000);
    expect(sumOf(text, "zoran_exchange_size_bytes_total")).toBe(10_000);
    expect(sumOf(text, "zoran_telemetry_overflow_total", { metric: "zoran_exchange_size_bytes_total" })).toBe(
      8000,
    );
  });

  it("scrubs personal data out of operation names, span names and resources", async () => {
    const collector = create();
    collector.trace("summarise for jane.doe@example.com", () => undefined);
    collector.recordSignal(GoldenSignals.SATURATION, 0.5, { resource: "gpu 10.1.2.3" });
    const text = await collector.export("prometheus");
    expect(text).not.toContain("jane.doe");
    expect(text).not.toContain("10.1.2.3");
    expect(sumOf(text, "zoran_requests_total", { operation: "summarise for <email>" })).toBe(1);
    expect(sumOf(text, "zoran_saturation_ratio", { resource: "gpu <ipv4>" })).toBe(0.5);
  });

  it("records through a pre-resolved series handle", async () => {
    const collector = create();
    const latency = collector.series(GoldenSignals.LATENCY, { operation: "hot", exchange: "ai_ai" });
    const errors = collector.series(GoldenSignals.ERROR_RATE, { operation: "hot", error_type: "timeout" });
    for (let i = 0; i < 10; i++) latency.record(0.05);
    errors.record(0);
    errors.record(1);
    latency.record(Number.NaN);
    const text = await collector.export("prometheus");
    expect(sumOf(text, "zoran_latency_seconds_count", { operation: "hot", exchange: "ai_ai" })).toBe(10);
    expect(sumOf(text, "zoran_requests_total", { operation: "hot" })).toBe(2);
    expect(sumOf(text, "zoran_errors_total", { operation: "hot", error_type: "timeout" })).toBe(1);
    expect(sumOf(text, "zoran_telemetry_dropped_total", { reason: "invalid_value" })).toBe(1);
  });

  it("exports the application's own OpenTelemetry instruments beside the golden signals", async () => {
    const collector = create();
    collector.meter.createCounter("app.jobs", { description: "Jobs done." }).add(3, { queue: "q1" });
    const text = await collector.export("prometheus");
    expect(sumOf(text, "app_jobs_total", { queue: "q1" })).toBe(3);
    const openMetrics = await collector.export("openmetrics");
    expect(openMetrics.endsWith("# EOF\n")).toBe(true);
    expect(openMetrics).toContain("# TYPE app_jobs counter");
  });

  it("honours OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and OTEL_SDK_DISABLED, options winning", async () => {
    vi.stubEnv("OTEL_SERVICE_NAME", "from-env");
    vi.stubEnv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=staging");
    expect(create().serviceName).toBe("from-env");
    expect(create({ serviceName: "from-code" }).serviceName).toBe("from-code");
    expect(await create().export("prometheus")).toContain('deployment_environment_name="staging"');
    vi.stubEnv("OTEL_SDK_DISABLED", "true");
    const disabled = create();
    disabled.recordSignal(GoldenSignals.LATENCY, 1);
    expect(disabled.trace("x", () => 7)).toBe(7);
    await disabled.start();
    expect(disabled.url).toBeUndefined();
    expect(samplesOf(await disabled.export("prometheus"), "zoran_latency_seconds_count")).toHaveLength(0);
  });

  it("serves /metrics on the configured host and port, GET and HEAD only", async () => {
    vi.stubEnv("OTEL_EXPORTER_PROMETHEUS_PORT", "1");
    const collector = create({ exporter: "prometheus", port: 0 });
    await collector.start();
    expect(collector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    collector.recordSignal(GoldenSignals.TRAFFIC, 7, { operation: "served" });
    const response = await fetch(`${collector.url}/metrics`);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(sumOf(await response.text(), "zoran_exchange_size_bytes_total", { operation: "served" })).toBe(7);
    const openMetrics = await fetch(`${collector.url}/metrics`, {
      headers: { accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5" },
    });
    expect(openMetrics.headers.get("content-type")).toContain("application/openmetrics-text; version=1.0.0");
    expect((await openMetrics.text()).endsWith("# EOF\n")).toBe(true);
    expect((await fetch(`${collector.url}/metrics`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${collector.url}/metrics`, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${collector.url}/nothing`)).status).toBe(404);
  });

  it("rejects start() with an error naming the port when it is taken, and still shuts down", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const collector = create({ exporter: "prometheus", port });
      await expect(collector.start()).rejects.toThrow(
        new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`),
      );
      await expect(collector.shutdown()).resolves.toBeUndefined();
    } finally {
      blocker.close();
    }
  });

  it("resolves shutdown() called twice or before start()", async () => {
    const collector = create({ exporter: "prometheus", port: 0 });
    await expect(collector.shutdown()).resolves.toBeUndefined();
    await expect(collector.shutdown()).resolves.toBeUndefined();
    await expect(collector.start()).resolves.toBeUndefined();
    expect(collector.url).toBeUndefined();
  });

  it("samples the saturation probes at start() and keeps them in [0, 1]", async () => {
    const collector = create({ saturation: { intervalMs: 50 } });
    await collector.start();
    // The first samples come on the probes' 50 ms tick: poll for them rather than sleep.
    let text = "";
    await vi.waitFor(
      async () => {
        text = await collector.export("prometheus");
        for (const resource of ["cpu", "memory", "event_loop"])
          expect(samplesOf(text, "zoran_saturation_ratio", { resource })).toHaveLength(1);
      },
      { timeout: 10_000, interval: 20 },
    );
    for (const resource of ["cpu", "memory", "event_loop"]) {
      const [sample] = samplesOf(text, "zoran_saturation_ratio", { resource });
      expect(sample, resource).toBeDefined();
      expect(sample!.value).toBeGreaterThanOrEqual(0);
      expect(sample!.value).toBeLessThanOrEqual(1);
    }
  });

  it("exports runtime metrics under the semantic-convention names", async () => {
    const collector = create({ runtimeMetrics: true });
    await collector.start();
    // Force a real GC (the flag only exposes gc() to new contexts) and let the delay monitor sample.
    const { setFlagsFromString } = await import("node:v8");
    const { runInNewContext } = await import("node:vm");
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    let text = "";
    for (let attempt = 0; attempt < 40 && !text.includes("v8js_gc_duration_seconds_count"); attempt++) {
      gc();
      await sleep(50);
      text = await collector.export("prometheus");
    }
    expect(text).toContain("# TYPE v8js_memory_heap_used_bytes gauge");
    expect(text).toContain("# TYPE nodejs_eventloop_delay_p99_seconds gauge");
    expect(text).toContain("# TYPE v8js_gc_duration_seconds histogram");
  });

  it("feeds its window store from start(), so recent rates and ratios can be read in process", async () => {
    const collector = create({ window: { intervalMs: 50 } });
    await collector.start();
    for (let i = 0; i < 10; i++) {
      collector.recordSignal(GoldenSignals.ERROR_RATE, i < 3 ? 1 : 0, {
        operation: "w",
        error_type: "timeout",
      });
    }
    // The window ingests on its 50 ms tick: poll until it holds the ten requests.
    await vi.waitFor(
      () => expect(collector.window!.errorRatio({ windowMs: 60_000 })[0]?.value).toBeCloseTo(0.3, 10),
      { timeout: 10_000, interval: 20 },
    );
    expect(create({ window: false }).window).toBeUndefined();
  });

  it("evaluates alert rules over its window and serves their states on /api/alerts", async () => {
    const collector = create({
      exporter: "prometheus",
      port: 0,
      window: { intervalMs: 50 },
      alerting: {
        rules: [{ name: "TooManyErrors", signal: "errors", threshold: 0.2, window: "1m", severity: "page" }],
        evaluationIntervalMs: 50,
      },
    });
    await collector.start();
    expect(collector.alerts().map((a) => [a.name, a.status])).toEqual([["TooManyErrors", "inactive"]]);
    for (let i = 0; i < 10; i++) {
      collector.recordSignal(GoldenSignals.ERROR_RATE, i < 5 ? 1 : 0, {
        operation: "a",
        error_type: "crash",
      });
    }
    await vi.waitFor(() => expect(collector.alerts()[0]?.status).toBe("firing"), {
      timeout: 5000,
      interval: 50,
    });
    const body = (await (await fetch(`${collector.url}/api/alerts`)).json()) as {
      alerts: { name: string; status: string; labels: Record<string, string>; value: number }[];
    };
    expect(body.alerts[0]).toMatchObject({ name: "TooManyErrors", status: "firing", value: 0.5 });
    expect(body.alerts[0]!.labels).toMatchObject({ alertname: "TooManyErrors", severity: "page" });
  });

  it("rejects alert rules with mistakes, naming the rule and the field", () => {
    expect(() => create({ alerting: { rules: [{ name: "Bad", signal: "errors", threshold: -1 }] } })).toThrow(
      /Bad.*threshold/,
    );
  });

  it("runs no saturation probe with saturation: false", async () => {
    const collector = create({ saturation: false });
    await collector.start();
    expect(samplesOf(await collector.export("prometheus"), "zoran_saturation_ratio")).toHaveLength(0);
  });
});
