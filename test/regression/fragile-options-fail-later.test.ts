/**
 * Issue 15, finding 13: "Fragile options: a `diag` that is not a logger makes every drop throw;
 * a logger without `debug()` makes `shutdown()` never settle; `prometheus.maxConnections` as a
 * Symbol crashes at the first connection; `tls: true` or empty key/cert: `start()` succeeds and
 * every scrape fails unreported; `maxConcurrentScrapes <= 0` 503s everything; `alerting: null`,
 * non-array rules or probes throw TypeErrors; `cluster: {}` 500s `/metrics`;
 * `OTEL_EXPORTER_PROMETHEUS_PORT=abc|99999|-1` silently binds 9464, `0x10` binds 16."
 *
 * Options and environment are now checked once, at construction (collector/resolve-options.ts):
 * a wrong type takes the default with one warning; a `tls` that cannot serve fails `start()`.
 */
import type { DiagLogger } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { resolveOptions } from "../../src/collector/resolve-options.js";
import { GoldenSignals, TelemetryCollector, type TelemetryCollectorOptions } from "../../src/index.js";

const collectors: TelemetryCollector[] = [];
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
});

function create(options: Record<string, unknown>): TelemetryCollector {
  const collector = new TelemetryCollector({
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    ...options,
  } as TelemetryCollectorOptions);
  collectors.push(collector);
  return collector;
}

function recordingDiag(): DiagLogger & { warnings: string[] } {
  const warnings: string[] = [];
  const push = (message: string) => void warnings.push(message);
  return { warnings, error: push, warn: push, info() {}, debug() {}, verbose() {} };
}

describe("fragile options", () => {
  it("a diag that is not a logger, or lacks methods, never breaks recording or shutdown", async () => {
    for (const diag of [
      42,
      "loud",
      {},
      { warn: () => undefined },
      {
        error: () => {
          throw new Error("x");
        },
      },
    ]) {
      const collector = create({ diag });
      expect(() => collector.recordSignal(GoldenSignals.LATENCY, -1)).not.toThrow();
      await expect(collector.shutdown()).resolves.toBeUndefined();
    }
  });

  it("a maxConnections or maxConcurrentScrapes that is not a positive whole number takes the default", async () => {
    const diag = recordingDiag();
    const collector = create({
      exporter: "prometheus",
      port: 0,
      diag,
      prometheus: { maxConnections: Symbol("x"), maxConcurrentScrapes: 0 },
    });
    await collector.start();
    const response = await fetch(`${collector.url}/metrics`);
    expect(response.status).toBe(200);
    expect(diag.warnings.join("\n")).toMatch(/prometheus\.maxConnections/);
    expect(diag.warnings.join("\n")).toMatch(/prometheus\.maxConcurrentScrapes/);
  });

  it("a tls that cannot serve makes start() fail, instead of every scrape", async () => {
    for (const tls of [true, { key: "", cert: "" }, { key: "not a key", cert: "not a cert" }]) {
      const collector = create({
        exporter: "prometheus",
        port: 0,
        prometheus: { tls },
        diag: recordingDiag(),
      });
      await expect(collector.start()).rejects.toThrow(/tls/i);
      expect(collector.url).toBeUndefined();
    }
  });

  it("alerting, saturation and cluster of the wrong shape take the default with a warning", async () => {
    const diag = recordingDiag();
    const collector = create({
      exporter: "prometheus",
      port: 0,
      diag,
      alerting: null,
      saturation: { probes: "cpu" },
      cluster: {},
    });
    await collector.start();
    expect((await fetch(`${collector.url}/metrics`)).status).toBe(200);
    const text = diag.warnings.join("\n");
    expect(text).toMatch(/option alerting must be an object/);
    expect(text).toMatch(/saturation\.probes must be an array/);
    expect(text).toMatch(/option cluster must be a ClusterAggregator/);
  });

  it("OTEL_EXPORTER_PROMETHEUS_PORT that is not a decimal port is reported and ignored", () => {
    for (const value of ["abc", "99999", "-1", "0x10", "1e3"]) {
      const diag = recordingDiag();
      const resolved = resolveOptions({ diag }, { OTEL_EXPORTER_PROMETHEUS_PORT: value });
      expect(resolved.endpoint?.port, value).toBe(9464);
      expect(diag.warnings.join("\n"), value).toMatch(
        /OTEL_EXPORTER_PROMETHEUS_PORT=.* is not a whole number/,
      );
    }
    expect(
      resolveOptions({ diag: recordingDiag() }, { OTEL_EXPORTER_PROMETHEUS_PORT: "9100" }).endpoint?.port,
    ).toBe(9100);
  });

  it("durations past what timers accept are clamped, not turned into 1 ms", () => {
    const diag = recordingDiag();
    const resolved = resolveOptions({ diag, window: { intervalMs: 2 ** 32 } }, {});
    expect(resolved.window?.intervalMs).toBe(2 ** 31 - 1);
    expect(diag.warnings.join("\n")).toMatch(/window\.intervalMs is above/);
  });
});
