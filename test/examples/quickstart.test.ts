import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import { sumOf } from "../helpers/prometheus-samples.js";

const REPO = join(import.meta.dirname, "..", "..");

describe("the README's quick start", () => {
  it("runs in a test (on a free port, so it runs beside `npm start` holding 9464)", async () => {
    const collector = new TelemetryCollector({
      serviceName: "zoran-core",
      exporter: "prometheus", // or "otlp" | "json" | "csv" | "console" | "none", or an array of them
      port: 0,
    });

    await collector.trace("injection_4champs", async () => {
      // ... the operation ...
      collector.recordSignal(GoldenSignals.LATENCY, 0.245);
      collector.recordSignal(GoldenSignals.ERROR_RATE, 0.0);
      collector.recordSignal(GoldenSignals.TRAFFIC, 1024);
      collector.recordSignal(GoldenSignals.SATURATION, 0.32);
    });

    await collector.start(); // exporters listen / begin pushing; saturation probes begin
    const text = await (await fetch(`${collector.url}/metrics`)).text();
    await collector.shutdown(); // final flush, sockets closed, timers cleared

    expect(sumOf(text, "zoran_requests_total", { operation: "injection_4champs" })).toBe(1);
    expect(sumOf(text, "zoran_latency_seconds_sum", { operation: "injection_4champs" })).toBe(0.245);
  });

  it("runs as examples/quickstart.ts with npx tsx", async () => {
    const { stdout } = await promisify(execFile)(
      join(REPO, "node_modules", ".bin", "tsx"),
      ["examples/quickstart.ts"],
      {
        cwd: REPO,
        timeout: 30_000,
        env: { ...process.env, METRICS_PORT: "0" },
      },
    );
    expect(stdout).toMatch(/serving http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(stdout).toContain(
      'zoran_requests_total{operation="injection_4champs",exchange="none",outcome="ok"} 1',
    );
  });
});
