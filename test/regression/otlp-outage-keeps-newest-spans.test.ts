import { resourceFromAttributes } from "@opentelemetry/resources";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it } from "vitest";
import { TelemetryCollector } from "zoran-telemetrie";
import { createOtlpExporter } from "../../src/exporters/otlp/otlp-exporter.js";
import type { TelemetryExporter } from "../../src/exporters/telemetry-exporter.js";
import { type OtlpReceiver, startOtlpReceiver, waitFor } from "../helpers/otlp-receiver.js";

/**
 * Issue 12: "after an outage of several intervals ... spans kept in a bounded buffer did not get
 * the newest outage span (the batch span processor's own queue drops new spans when it is full,
 * before our retaining exporter can keep the newest)". Issue 15 item 10: "span loss in an OTLP
 * outage is reported at debug level only (8.1 s outage, 5,000 spans: 2,560 lost, 42.7 %)".
 * The OTLP exporter now owns its span queue (src/exporters/otlp/retaining-span-processor.ts): the
 * newest `maxRetainedSpans` spans of an outage arrive, every span is delivered or counted as
 * dropped, and the loss is reported once at WARN with its count, and through
 * `setup.reportSpansDropped` (the source of zoran_telemetry_spans_dropped_total).
 */

const OUTAGE_SPANS = 5_000;
/** Length of the outage the spans are spread over; ZORAN_OUTAGE_MS=8100 re-measures the figure. */
const OUTAGE_MS = Number(process.env.ZORAN_OUTAGE_MS) || 2_000;
const DEFAULT_BOUND = 2048;

let receiver: OtlpReceiver | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await receiver?.stop();
  receiver = undefined;
});

function recordingDiag() {
  const logged: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void logged.push({ level, message });
  return {
    logged,
    diag: {
      error: at("error"),
      warn: at("warn"),
      info: at("info"),
      debug: at("debug"),
      verbose: at("verbose"),
    },
  };
}

describe("spans during an OTLP outage", () => {
  it(
    `keeps the newest ${DEFAULT_BOUND} of ${OUTAGE_SPANS} spans, delivers them after, and reports the loss once at WARN`,
    { timeout: 60_000 },
    async () => {
      receiver = await startOtlpReceiver();
      const { diag, logged } = recordingDiag();
      const collector = new TelemetryCollector({
        serviceName: "outage",
        exporter: "otlp",
        otlp: { endpoint: receiver.url, protocol: "http/json", intervalMs: 200, timeoutMs: 1_000 },
        saturation: false,
        runtimeMetrics: false,
        window: false,
        diag,
      });
      cleanups.push(() => collector.shutdown());
      await collector.start();
      collector.trace("before-outage", () => {});
      await waitFor(() => receiver!.spans.some((s) => s.name === "before-outage"), 10_000, "first span");

      await receiver.stop();
      const began = Date.now();
      // A service busy through the outage: 5,000 operations spread over OUTAGE_MS (2 s; the issue's
      // figure was 8.1 s: the buffer sees the same thing, only sooner).
      for (let made = 0; made < OUTAGE_SPANS; ) {
        for (let i = 0; i < 50; i++, made++) collector.trace(`outage-${made}`, () => {});
        await new Promise((resolve) => setImmediate(resolve));
        if (made % 500 === 0)
          await waitFor(() => Date.now() - began >= (made * OUTAGE_MS) / OUTAGE_SPANS, 30_000);
      }
      const outageMs = Date.now() - began;
      await receiver.start();

      const newest = Array.from({ length: DEFAULT_BOUND }, (_, i) => `outage-${OUTAGE_SPANS - 1 - i}`);
      const arrived = () => new Set(receiver!.spans.map((s) => s.name));
      await waitFor(() => newest.every((name) => arrived().has(name)), 20_000, "the newest outage spans");
      const names = arrived();
      const delivered = [...names].filter((n) => n.startsWith("outage-")).length;
      // Reported at the first delivery after the outage, before the newest spans arrived.
      const reports = logged.filter((l) => /spans dropped/.test(l.message));
      expect(reports.map((r) => r.level)).toEqual(["warn"]);
      const dropped = Number(/: (\d+) spans dropped/.exec(reports[0]!.message)?.[1]);
      // Every span is delivered or counted as dropped; no more than the bound are kept.
      expect(delivered + dropped).toBe(OUTAGE_SPANS);
      expect(dropped).toBeGreaterThanOrEqual(OUTAGE_SPANS - DEFAULT_BOUND - 512);
      console.log(
        `outage ${(outageMs / 1000).toFixed(1)} s, ${OUTAGE_SPANS} spans: ${dropped} lost (${((100 * dropped) / OUTAGE_SPANS).toFixed(1)} %), ${delivered} delivered, the newest ${DEFAULT_BOUND} among them`,
      );
    },
  );

  it(
    "a burst larger than any queue during the outage: the newest spans are the ones kept",
    { timeout: 30_000 },
    async () => {
      receiver = await startOtlpReceiver();
      const { diag } = recordingDiag();
      const collector = new TelemetryCollector({
        exporter: "otlp",
        otlp: {
          endpoint: receiver.url,
          protocol: "http/json",
          intervalMs: 100,
          timeoutMs: 1_000,
          maxRetainedSpans: 1_000,
        },
        saturation: false,
        runtimeMetrics: false,
        window: false,
        diag,
      });
      cleanups.push(() => collector.shutdown());
      await collector.start();
      await receiver.stop();
      // 3,000 spans in one go: OpenTelemetry's batch processor (queue 2048) dropped the newest 952.
      for (let i = 0; i < 3_000; i++) collector.trace(`burst-${i}`, () => {});
      await new Promise((resolve) => setImmediate(resolve));
      await receiver.start();
      const newest = Array.from({ length: 1_000 }, (_, i) => `burst-${2_999 - i}`);
      await waitFor(
        () => {
          const names = new Set(receiver!.spans.map((s) => s.name));
          return newest.every((name) => names.has(name));
        },
        20_000,
        "the newest 1,000 spans of the burst",
      );
    },
  );

  it(
    "counts every dropped span through setup.reportSpansDropped, by reason",
    { timeout: 30_000 },
    async () => {
      receiver = await startOtlpReceiver();
      const url = receiver.url;
      await receiver.stop();
      const { diag } = recordingDiag();
      const collector = new TelemetryCollector({
        exporter: "none",
        saturation: false,
        runtimeMetrics: false,
        diag,
      });
      cleanups.push(() => collector.shutdown());
      const drops: Record<string, number> = {};
      const exporter: TelemetryExporter = createOtlpExporter(
        {
          serviceName: "drops",
          resource: resourceFromAttributes({ "service.name": "drops" }),
          collect: () => collector.collect(),
          diag,
          reportFailure: () => {},
          reportSpansDropped: (name, reason, count) => {
            expect(name).toBe("otlp");
            drops[reason] = (drops[reason] ?? 0) + count;
          },
        },
        {
          endpoint: url,
          protocol: "http/json",
          metrics: false,
          intervalMs: 100,
          timeoutMs: 500,
          maxRetainedSpans: 100,
        },
      );
      const provider = new TracerProvider({ spanProcessors: [exporter.spanProcessor!] });
      cleanups.push(() => provider.shutdown());
      const tracer = provider.getTracer("drops");
      await exporter.start?.();
      for (let i = 0; i < 1_000; i++) tracer.startSpan(`down-${i}`).end();
      await exporter.forceFlush?.();
      // 1,000 spans, a buffer of 100: the 900 oldest are dropped, the newest 100 wait.
      expect(drops).toEqual({ buffer_full: 900 });

      await receiver.start();
      receiver.failNext({ status: 400, times: 1 });
      await exporter.forceFlush?.();
      // A receiver that refuses the data for good (400): the batch is dropped, not retried forever.
      expect(drops).toEqual({ buffer_full: 900, rejected: 100 });
      // Down again at shutdown: the span still waiting is dropped, and counted as such.
      await receiver.stop();
      tracer.startSpan("after").end();
      await exporter.shutdown();
      expect(drops).toEqual({ buffer_full: 900, rejected: 100, shutdown: 1 });
    },
  );
});
