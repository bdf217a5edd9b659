import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import { createAlertingEngine } from "../../src/alerting/alerting-options.js";
import { MAX_TIMER_MS } from "../../src/config/duration-option.js";
import { WindowStore } from "../../src/window/window-store.js";
import { waitFor } from "../helpers/otlp-receiver.js";

/**
 * Issue 12: "`json: { intervalMs: 2 ** 32 }` gives a `TimeoutOverflowWarning` and writes a
 * snapshot every millisecond", and "every duration option goes through one parser that clamps to
 * what timers accept and reports a bad value once". There were several parsers (alerting
 * durations, OTLP/JSON/CSV/console intervals, the collector's `positiveInteger`); the exporters and
 * alerting now read every duration through src/config/duration-option.ts.
 */

const dir = mkdtempSync(join(tmpdir(), "zoran-durations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const warnings: string[] = [];
const diag = {
  warn: (message: string) => void warnings.push(message),
  error() {},
  info() {},
  debug() {},
  verbose() {},
};
const overflowWarnings: string[] = [];
const onWarning = (warning: Error) => {
  if (warning.name === "TimeoutOverflowWarning") overflowWarnings.push(warning.message);
};
process.on("warning", onWarning);
afterAll(() => void process.off("warning", onWarning));

const collectors: TelemetryCollector[] = [];
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
  warnings.length = 0;
  overflowWarnings.length = 0;
});

/** Lets any pending process "warning" event be delivered (it is emitted on the next tick). */
const nextTicks = () => new Promise((resolve) => setImmediate(resolve));

describe("duration options past what timers accept", () => {
  it("json: { intervalMs: 2 ** 32 } is clamped to 2^31 - 1 ms and reported once: no snapshot per millisecond", async () => {
    const path = join(dir, "metrics.jsonl");
    const collector = new TelemetryCollector({
      exporter: "json",
      json: { path, intervalMs: 2 ** 32 },
      saturation: false,
      runtimeMetrics: false,
      window: false,
      diag,
    });
    collectors.push(collector);
    collector.recordSignal(GoldenSignals.LATENCY, 0.1);
    await collector.start();
    await nextTicks();
    expect(overflowWarnings).toEqual([]);
    expect(warnings.filter((w) => w.includes("json.intervalMs"))).toEqual([
      `zoran-telemetrie: json.intervalMs must be a duration from 1 to ${MAX_TIMER_MS} ms (a number of milliseconds or "30s", "5m", "1h") (got 4294967296); using ${MAX_TIMER_MS} ms.`,
    ]);
    // With the 1 ms timer of before, lines pile up at once; give them 100 ms to show, then stop.
    const until = Date.now() + 100;
    await waitFor(
      () => Date.now() >= until || (existsSync(path) && readFileSync(path, "utf8").split("\n").length > 2),
      5_000,
    );
    expect(existsSync(path) ? readFileSync(path, "utf8") : "").toBe("");
    await collector.shutdown();
    expect(readFileSync(path, "utf8").split("\n").filter(Boolean)).toHaveLength(1); // the final snapshot only
  });

  it("every exporter's durations: clamped or defaulted, reported once each, never a TimeoutOverflowWarning", async () => {
    const collector = new TelemetryCollector({
      exporter: ["otlp", "csv", "console"],
      otlp: {
        endpoint: "http://127.0.0.1:9",
        intervalMs: 2 ** 40,
        timeoutMs: -1,
        shutdownTimeoutMs: 0.2,
      },
      csv: { path: join(dir, "metrics.csv"), intervalMs: "soon" as never, shutdownTimeoutMs: 2 ** 33 },
      // The collector's own budget: the receiver is down, its final flush need not be waited for.
      shutdownTimeoutMs: 300,
      console: { intervalMs: 2 ** 32, stream: { write: (_t: string, cb: () => void) => cb() } as never },
      saturation: false,
      runtimeMetrics: false,
      window: false,
      diag,
    });
    collectors.push(collector);
    await collector.start();
    await nextTicks();
    expect(overflowWarnings).toEqual([]);
    for (const option of [
      "otlp.intervalMs",
      "otlp.timeoutMs",
      "otlp.shutdownTimeoutMs",
      "csv.intervalMs",
      "csv.shutdownTimeoutMs",
      "console.intervalMs",
    ]) {
      expect(
        warnings.filter((w) => w.includes(` ${option} must be`)),
        option,
      ).toHaveLength(1);
    }
    await collector.shutdown();
    await nextTicks();
    expect(overflowWarnings).toEqual([]);
  });

  it("alerting durations: delivery timers and intervals past 2^31 - 1 ms are clamped", async () => {
    const engine = createAlertingEngine(
      {
        rules: [],
        repeatIntervalMs: 2 ** 32,
        delivery: { attemptTimeoutMs: 2 ** 32, backoffBaseMs: 2 ** 32, backoffMaxMs: -1 },
        notifiers: [{ name: "never", send: async () => {} }],
      },
      { serviceName: "s", window: new WindowStore({ intervalMs: 1000, retentionMs: 60_000 }), diag },
    );
    await engine.shutdown();
    await nextTicks();
    expect(overflowWarnings).toEqual([]);
    for (const option of [
      "alerting.repeatIntervalMs",
      "alerting.delivery.attemptTimeoutMs",
      "alerting.delivery.backoffBaseMs",
      "alerting.delivery.backoffMaxMs",
    ]) {
      expect(
        warnings.filter((w) => w.includes(` ${option} must be`)),
        option,
      ).toHaveLength(1);
    }
  });
});
