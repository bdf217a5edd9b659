/**
 * Issue 14, item 4: the SDK configuration variables that choose exporters
 * (`OTEL_METRICS_EXPORTER`, `OTEL_TRACES_EXPORTER`), bound one metric export
 * (`OTEL_METRIC_EXPORT_TIMEOUT`) and ask for gRPC (`OTEL_EXPORTER_OTLP_PROTOCOL=grpc`), read in
 * the one place where options and environment are resolved (collector/resolve-options.ts).
 */
import type { DiagLogger } from "@opentelemetry/api";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveOptions } from "../../src/collector/resolve-options.js";
import { TelemetryCollector, type TelemetryCollectorOptions } from "../../src/index.js";
import { OtlpReceiver } from "../helpers/otlp-receiver.js";
import { waitFor } from "../helpers/prometheus-server.js";

function recordingDiag(): DiagLogger & { messages: string[] } {
  const messages: string[] = [];
  const push = (message: string) => void messages.push(message);
  return { messages, error: push, warn: push, info() {}, debug() {}, verbose() {} };
}

function resolve(env: Record<string, string>, options: TelemetryCollectorOptions = {}) {
  const diag = recordingDiag();
  const resolved = resolveOptions({ saturation: false, ...options, diag }, env);
  return { resolved, messages: diag.messages };
}

describe("OTEL_METRICS_EXPORTER and OTEL_TRACES_EXPORTER", () => {
  it("default to the Prometheus endpoint alone when neither the code nor the environment chooses", () => {
    const { resolved, messages } = resolve({});
    expect(resolved.endpoint?.port).toBe(9464);
    expect(resolved.exporters).toEqual([]);
    expect(messages).toEqual([]);
  });

  it("none opens no port and starts no exporter", () => {
    const { resolved } = resolve({ OTEL_METRICS_EXPORTER: "none" });
    expect(resolved.endpoint).toBeUndefined();
    expect(resolved.exporters).toEqual([]);
  });

  it("take comma lists, in any case and spacing, and this library's own exporter names", () => {
    const { resolved, messages } = resolve({ OTEL_METRICS_EXPORTER: " OTLP , prometheus,json" });
    expect(resolved.endpoint).toBeDefined();
    expect(resolved.exporters).toEqual(["otlp", "json"]);
    // OTLP carries the spans too while OTEL_TRACES_EXPORTER is unset.
    expect(resolved.exporterDefaults.otlp).toEqual({});
    expect(messages).toEqual([]);
  });

  it("OTEL_TRACES_EXPORTER=otlp adds OTLP for spans only; metrics stay where OTEL_METRICS_EXPORTER put them", () => {
    expect(resolve({ OTEL_TRACES_EXPORTER: "otlp" }).resolved).toMatchObject({
      exporters: ["otlp"],
      exporterDefaults: { otlp: { metrics: false, traces: true } },
      endpoint: { port: 9464 },
    });
    expect(
      resolve({ OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "otlp" }).resolved.exporterDefaults.otlp,
    ).toEqual({ metrics: true, traces: false });
    expect(resolve({ OTEL_TRACES_EXPORTER: "console" }).resolved.consoleSpans).toBe(true);
  });

  it("report unknown and unshipped exporters once each, and keep the rest", () => {
    const { resolved, messages } = resolve({
      OTEL_METRICS_EXPORTER: "prometheus,promethus",
      OTEL_TRACES_EXPORTER: "zipkin",
    });
    expect(resolved.endpoint).toBeDefined();
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain(
      'OTEL_METRICS_EXPORTER: unknown exporter "promethus" ignored (did you mean "prometheus"?)',
    );
    expect(messages[1]).toContain('OTEL_TRACES_EXPORTER: exporter "zipkin" is not supported');
  });

  it("lose to the exporter option given in code", () => {
    const { resolved } = resolve(
      { OTEL_METRICS_EXPORTER: "none", OTEL_TRACES_EXPORTER: "console" },
      { exporter: "prometheus" },
    );
    expect(resolved.endpoint).toBeDefined();
    expect(resolved.consoleSpans).toBe(false);
  });
});

describe("OTEL_METRIC_EXPORT_TIMEOUT", () => {
  it("bounds one metric export of the OTLP exporter; a bad value is reported and ignored", () => {
    expect(
      resolve({ OTEL_METRIC_EXPORT_TIMEOUT: "1500" }, { exporter: "otlp" }).resolved.exporterDefaults.otlp,
    ).toEqual({ metricExportTimeoutMs: 1500 });
    const bad = resolve({ OTEL_METRIC_EXPORT_TIMEOUT: "soon" }, { exporter: "otlp" });
    expect(bad.resolved.exporterDefaults.otlp).toEqual({});
    expect(bad.messages).toEqual([
      'zoran-telemetrie: OTEL_METRIC_EXPORT_TIMEOUT must be a whole number from 1 to 2147483647 (got "soon"); using the default.',
    ]);
  });
});

describe("the environment, through a running collector", () => {
  const collectors: TelemetryCollector[] = [];
  const receiver = new OtlpReceiver();

  afterEach(async () => {
    vi.unstubAllEnvs();
    await Promise.all(collectors.splice(0).map((collector) => collector.shutdown()));
    await receiver.stop().catch(() => undefined);
  });

  function create(options: TelemetryCollectorOptions = {}): TelemetryCollector {
    const collector = new TelemetryCollector({
      saturation: false,
      runtimeMetrics: false,
      window: false,
      ...options,
    });
    collectors.push(collector);
    return collector;
  }

  it("OTEL_METRICS_EXPORTER=none: start() listens nowhere", async () => {
    vi.stubEnv("OTEL_METRICS_EXPORTER", "none");
    const collector = create();
    await collector.start();
    expect(collector.url).toBeUndefined();
    // export() still works (DESIGN §2).
    expect(await collector.export("prometheus")).toContain("target_info");
  });

  it("OTEL_TRACES_EXPORTER=otlp: spans reach the OTLP receiver, metrics stay on the endpoint", async () => {
    await receiver.start();
    vi.stubEnv("OTEL_TRACES_EXPORTER", "otlp");
    vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url);
    vi.stubEnv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json");
    vi.stubEnv("OTEL_EXPORTER_PROMETHEUS_PORT", "0");
    const collector = create();
    await collector.start();
    expect(collector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    collector.trace("env_chosen", () => undefined);
    await collector.shutdown();
    expect(receiver.spans.map((span) => span.name)).toEqual(["env_chosen"]);
    expect(receiver.requests.filter((request) => request.path === "/v1/metrics")).toEqual([]);
  });

  it("OTEL_TRACES_EXPORTER=console prints each span on stdout", async () => {
    vi.stubEnv("OTEL_TRACES_EXPORTER", "console");
    vi.stubEnv("OTEL_METRICS_EXPORTER", "none");
    const printed: unknown[] = [];
    const dir = vi.spyOn(console, "dir").mockImplementation((value) => void printed.push(value));
    try {
      const collector = create();
      collector.trace("printed_op", () => undefined);
      await waitFor("the console span", 5_000, () => printed.length > 0);
    } finally {
      dir.mockRestore();
    }
    expect(printed).toEqual([expect.objectContaining({ name: "printed_op" })]);
  });

  it("OTEL_EXPORTER_OTLP_PROTOCOL=grpc is refused on the collector's logger, with what to do", () => {
    vi.stubEnv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    const diag = recordingDiag();
    create({ exporter: "otlp", diag, otlp: { endpoint: "http://127.0.0.1:9" }, shutdownTimeoutMs: 200 });
    // Once for both signals (one report per option and value), with what to do.
    expect(diag.messages).toEqual([
      "zoran-telemetrie: OTLP protocol must be http/protobuf or http/json (gRPC is not shipped: point the endpoint at the receiver's OTLP/HTTP port, 4318, not gRPC's 4317) (got \"grpc\"); using http/protobuf.",
    ]);
  });
});
