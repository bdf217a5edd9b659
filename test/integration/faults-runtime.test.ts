import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DiagLogger } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import { createAlertmanagerNotifier } from "zoran-telemetrie/alerting";
import type { TelemetryCollectorOptions } from "../../src/collector/collector-options.js";
import { startOtlpReceiver } from "../helpers/otlp-receiver.js";
import { sumOf } from "../helpers/prometheus-samples.js";
import { waitFor } from "../helpers/prometheus-server.js";

/**
 * Faults around a running collector: a receiver that hangs for 30 s or answers 500/429, an
 * Alertmanager that is down, a notifier or an app callback that throws, the endpoint's port
 * taken. Each time the host application keeps recording, the failure is reported through diag
 * with what to do, and nothing the documented bounds can keep is lost.
 */

function recordingDiag(): DiagLogger & { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const none = () => undefined;
  return {
    errors,
    warnings,
    error: (message: string, ...args: unknown[]) => void errors.push(`${message} ${args.join(" ")}`),
    warn: (message: string, ...args: unknown[]) => void warnings.push(`${message} ${args.join(" ")}`),
    info: none,
    debug: none,
    verbose: none,
  };
}

const collectors: TelemetryCollector[] = [];
const servers: Server[] = [];
function create(options: TelemetryCollectorOptions): TelemetryCollector {
  const collector = new TelemetryCollector({ saturation: false, runtimeMetrics: false, ...options });
  collectors.push(collector);
  return collector;
}
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("faults", () => {
  it("a receiver that answers after 30 s: recording goes on, shutdown keeps its budget", async () => {
    let held = 0;
    const url = await listen((_req, res) => {
      held++;
      setTimeout(() => res.writeHead(200).end("{}"), 30_000).unref();
    });
    const diag = recordingDiag();
    const collector = create({
      exporter: "otlp",
      otlp: { endpoint: url, protocol: "http/json", intervalMs: 100, timeoutMs: 500 },
      shutdownTimeoutMs: 1_500,
      window: false,
      diag,
    });
    await collector.start();
    // The host records through the stall (until the receiver holds requests and 200 calls were
    // made, whatever the machine's speed); no call waits on the exporter.
    const deadline = performance.now() + 10_000;
    let slowest = 0;
    let calls = 0;
    while ((held < 2 || calls < 200) && performance.now() < deadline) {
      const t = performance.now();
      collector.recordSignal(GoldenSignals.ERROR_RATE, 0, { operation: "during_stall" });
      slowest = Math.max(slowest, performance.now() - t);
      calls++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(held).toBeGreaterThan(0);
    // A call that waited on the exporter would take its 500 ms timeout at least.
    expect(slowest).toBeLessThan(250);
    const stopping = performance.now();
    await collector.shutdown();
    // Far below the 30 s the receiver stalls for; the budget is 1.5 s, loose for a loaded machine.
    expect(performance.now() - stopping).toBeLessThan(10_000);
    expect(diag.errors.join("\n")).toMatch(/otlp exporter failed/);
    expect(sumOf(await collector.export("prometheus"), "zoran_requests_total")).toBeGreaterThan(100);
  }, 20_000);

  it("500 then 429 with Retry-After: reported, and the values recorded meanwhile arrive after", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const diag = recordingDiag();
      const collector = create({
        exporter: "otlp",
        otlp: { endpoint: receiver.url, protocol: "http/json", intervalMs: 200, timeoutMs: 3_000 },
        window: false,
        diag,
      });
      await collector.start();
      receiver.failNext({ status: 500, times: 2 });
      for (let i = 0; i < 7; i++)
        collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { operation: "burst", error_type: "timeout" });
      await waitFor("a 500 answered", 10_000, () => receiver.requests.some((r) => r.status === 500));
      receiver.failNext({ status: 429, headers: { "Retry-After": "1" }, times: 1 });
      for (let i = 0; i < 3; i++)
        collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { operation: "burst", error_type: "timeout" });
      await waitFor("the 10 errors delivered", 15_000, () =>
        receiver.points.some(
          (p) => p.name === "zoran.errors" && p.attributes.operation === "burst" && p.value === 10,
        ),
      );
      expect(receiver.requests.some((r) => r.status === 429)).toBe(true);
      expect(diag.errors.join("\n")).toMatch(/otlp exporter failed/);
    } finally {
      await receiver.stop();
    }
  }, 30_000);

  it("Alertmanager down and a notifier that throws: reported, the other notifier and the app go on", async () => {
    const received: unknown[] = [];
    const hook = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString()));
        res.writeHead(200).end();
      });
    });
    const delivered: string[] = [];
    const failed: string[] = [];
    const collector = create({
      exporter: "none",
      window: { intervalMs: 50 },
      alerting: {
        evaluationIntervalMs: 50,
        rules: [{ name: "Errors", signal: "errors", statistic: "ratio", threshold: 0.1, window: "1m" }],
        notifiers: [
          // A port nothing listens on: connection refused.
          createAlertmanagerNotifier({ url: "http://127.0.0.1:9", name: "down" }),
          {
            name: "throws",
            send() {
              throw new Error("notifier bug");
            },
          },
          createAlertmanagerNotifier({ url: hook, name: "up" }),
        ],
        delivery: { maxAttempts: 2, attemptTimeoutMs: 500, backoffBaseMs: 10 },
        onDeliveryError: (notifier) => void failed.push(notifier),
      },
    });
    await collector.start();
    collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { operation: "x", error_type: "crash" });
    await waitFor("the healthy notifier delivered", 10_000, () => received.length > 0);
    await waitFor(
      "both failures reported",
      10_000,
      () => failed.includes("down") && failed.includes("throws"),
    );
    delivered.push(...failed);
    collector.recordSignal(GoldenSignals.ERROR_RATE, 0, { operation: "x" });
    expect(sumOf(await collector.export("prometheus"), "zoran_requests_total", { operation: "x" })).toBe(2);
  }, 20_000);

  it("an observable callback of the app that throws: reported, the scrape still answers", async () => {
    const diag = recordingDiag();
    const collector = create({ exporter: "prometheus", port: 0, window: false, diag });
    await collector.start();
    collector.meter.createObservableGauge("app.broken").addCallback(() => {
      throw new Error("callback bug");
    });
    collector.recordSignal(GoldenSignals.TRAFFIC, 4, { operation: "still" });
    const response = await fetch(`${collector.url}/metrics`);
    expect(response.status).toBe(200);
    expect(sumOf(await response.text(), "zoran_exchange_size_bytes_total", { operation: "still" })).toBe(4);
    // Reported by type, not by message: the app's message may quote its content (issue 15, finding 11).
    expect(diag.warnings.join("\n")).toMatch(/collection error: Error/);
    expect(diag.warnings.join("\n")).not.toMatch(/callback bug/);
  });

  it("repeated export failures are reported, and counted in zoran_telemetry_export_failures_total", async () => {
    const diag = recordingDiag();
    const collector = create({
      exporter: "otlp",
      otlp: { endpoint: "http://127.0.0.1:9", protocol: "http/json", intervalMs: 50, timeoutMs: 100 },
      window: false,
      diag,
    });
    await collector.start();
    await waitFor(
      "three failed exports",
      10_000,
      async () =>
        sumOf(await collector.export("prometheus"), "zoran_telemetry_export_failures_total", {
          exporter: "otlp",
        }) >= 3,
    );
    const reports = diag.errors.filter((e) => e.includes("otlp exporter failed"));
    console.info(`[faults] ${reports.length} diag errors for repeated OTLP failures; first: ${reports[0]}`);
    expect(reports.length).toBeGreaterThan(0);
    // The report says what failed and where to look (the endpoint), not just "failed".
    expect(reports[0]).toMatch(/127\.0\.0\.1:9|ECONNREFUSED|connect/i);
  });

  // KNOWN DEFECT, reported to the lead: the collector's reportExportFailure() logs a diag error
  // on every failed export (one per interval during an outage) and says what failed but not what
  // to do. Drop `.fails` once a persistent failure is reported once (and its recovery once).
  it("reports a persistent export failure once, with what to do", async () => {
    const diag = recordingDiag();
    const collector = create({
      exporter: "otlp",
      otlp: { endpoint: "http://127.0.0.1:9", protocol: "http/json", intervalMs: 50, timeoutMs: 100 },
      window: false,
      diag,
    });
    await collector.start();
    await waitFor(
      "three failed exports",
      10_000,
      async () =>
        sumOf(await collector.export("prometheus"), "zoran_telemetry_export_failures_total", {
          exporter: "otlp",
        }) >= 3,
    );
    const reports = diag.errors.filter((e) => e.includes("otlp exporter failed"));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/check|endpoint|OTEL_EXPORTER_OTLP_ENDPOINT/i);
  });
});
