/**
 * Issue 14, item 5: the exit flush's wiring in one process (its behaviour at a real exit, on
 * signals and on `beforeExit`, is test/integration/batch-job.test.ts, in child processes).
 */
import type { DiagLogger } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { resolveOptions } from "../../src/collector/resolve-options.js";
import { TelemetryCollector, type TelemetryCollectorOptions } from "../../src/index.js";

function recordingDiag(): DiagLogger & { messages: string[] } {
  const messages: string[] = [];
  const push = (message: string) => void messages.push(message);
  return { messages, error: push, warn: push, info() {}, debug() {}, verbose() {} };
}

describe("flushOnExit", () => {
  it("is on by default when something pushes or writes, off with only the endpoint or none", () => {
    const exitFlush = (options: TelemetryCollectorOptions) =>
      resolveOptions({ saturation: false, diag: recordingDiag(), ...options }, {}).exitFlush;
    expect(exitFlush({})).toBeUndefined();
    expect(exitFlush({ exporter: "none" })).toBeUndefined();
    expect(exitFlush({ exporter: ["prometheus", "otlp"] })).toEqual({ signals: ["SIGTERM", "SIGINT"] });
    expect(exitFlush({ exporter: "json" })).toEqual({ signals: ["SIGTERM", "SIGINT"] });
    expect(exitFlush({ exporter: "otlp", flushOnExit: false })).toBeUndefined();
    expect(exitFlush({ flushOnExit: true })).toEqual({ signals: ["SIGTERM", "SIGINT"] });
    expect(exitFlush({ exporter: "otlp", flushOnExit: { signals: [] } })).toEqual({ signals: [] });
  });

  it("keeps the known signals of a bad list, with one warning", () => {
    const diag = recordingDiag();
    const resolved = resolveOptions(
      { saturation: false, diag, flushOnExit: { signals: ["SIGTERM", "SIGKILL"] as never } },
      {},
    );
    expect(resolved.exitFlush).toEqual({ signals: ["SIGTERM"] });
    expect(diag.messages).toEqual([
      "zoran-telemetrie: option flushOnExit.signals must be an array of SIGTERM, SIGINT; others ignored",
    ]);
  });

  describe("listeners", () => {
    const collectors: TelemetryCollector[] = [];
    afterEach(async () => {
      await Promise.all(collectors.splice(0).map((collector) => collector.shutdown()));
    });

    function create(options: TelemetryCollectorOptions): TelemetryCollector {
      const collector = new TelemetryCollector({
        exporter: "console",
        console: { stream: { write: (_: unknown, done: () => void) => done() } as never },
        saturation: false,
        runtimeMetrics: false,
        window: false,
        ...options,
      });
      collectors.push(collector);
      return collector;
    }

    it("are added by start(), shared by every collector, and removed by the last shutdown()", async () => {
      const before = {
        beforeExit: process.listenerCount("beforeExit"),
        SIGTERM: process.listenerCount("SIGTERM"),
        SIGINT: process.listenerCount("SIGINT"),
      };
      const a = create({});
      const b = create({ flushOnExit: { signals: ["SIGTERM"] } });
      expect(process.listenerCount("SIGTERM")).toBe(before.SIGTERM);
      await Promise.all([a.start(), b.start()]);
      expect(process.listenerCount("beforeExit")).toBe(before.beforeExit + 1);
      expect(process.listenerCount("SIGTERM")).toBe(before.SIGTERM + 1);
      expect(process.listenerCount("SIGINT")).toBe(before.SIGINT + 1);
      await a.shutdown();
      expect(process.listenerCount("SIGINT")).toBe(before.SIGINT);
      expect(process.listenerCount("SIGTERM")).toBe(before.SIGTERM + 1);
      await b.shutdown();
      expect(process.listenerCount("beforeExit")).toBe(before.beforeExit);
      expect(process.listenerCount("SIGTERM")).toBe(before.SIGTERM);
    });

    it("are not added with flushOnExit: false", async () => {
      const before = process.listenerCount("beforeExit");
      await create({ flushOnExit: false }).start();
      expect(process.listenerCount("beforeExit")).toBe(before);
    });
  });
});
