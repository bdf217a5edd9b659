import { describe, expect, it } from "vitest";
import { resolveOtlpConfig } from "../../../src/exporters/otlp/otlp-exporter-options.js";

describe("resolveOtlpConfig", () => {
  it("takes the protocol and interval from the standard variables when no option is given", () => {
    const config = resolveOtlpConfig(
      {},
      {
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf",
        OTEL_METRIC_EXPORT_INTERVAL: "15000",
        OTEL_EXPORTER_OTLP_TIMEOUT: "2000",
      },
    );
    expect(config).toMatchObject({
      metricsProtocol: "http/json",
      tracesProtocol: "http/protobuf", // the per-signal variable wins over the general one
      intervalMs: 15_000,
      timeoutMs: 2_000,
      metricsUrl: undefined, // left to the official exporter, which reads its endpoint variables
      shutdownTimeoutMs: 5_000,
    });
  });

  it("lets options win over the variables and appends the signal paths to endpoint", () => {
    const config = resolveOtlpConfig(
      {
        endpoint: "http://127.0.0.1:4318/",
        protocol: "http/protobuf",
        intervalMs: 1_000,
        tracesUrl: "http://t/x",
      },
      { OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_METRIC_EXPORT_INTERVAL: "15000" },
    );
    expect(config).toMatchObject({
      metricsUrl: "http://127.0.0.1:4318/v1/metrics",
      tracesUrl: "http://t/x",
      metricsProtocol: "http/protobuf",
      intervalMs: 1_000,
    });
  });

  it("caps the export timeout at the interval, so exports never pile up", () => {
    expect(resolveOtlpConfig({ intervalMs: 500 }, {}).timeoutMs).toBe(500);
  });

  it("falls back to http/protobuf for grpc or nonsense, and ignores bad numbers", () => {
    const config = resolveOtlpConfig(
      {},
      { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc", OTEL_METRIC_EXPORT_INTERVAL: "soon" },
    );
    expect(config.metricsProtocol).toBe("http/protobuf");
    expect(config.intervalMs).toBe(60_000);
  });
});
