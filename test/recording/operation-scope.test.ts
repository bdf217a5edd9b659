import { ROOT_CONTEXT, trace as traceApi } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it } from "vitest";
import { type CapturedContext, GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import { sumOf } from "../helpers/prometheus-samples.js";

const collectors: TelemetryCollector[] = [];
function create() {
  const spans = new InMemorySpanExporter();
  const collector = new TelemetryCollector({
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
  collectors.push(collector);
  return { collector, spans };
}
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
});

describe("the operation scope", () => {
  it("re-enters a captured operation and its span: a value recorded there is that operation's", async () => {
    const { collector, spans } = create();
    let captured: CapturedContext | undefined;
    let release!: () => void;
    const done = collector.trace("stream", async () => {
      captured = collector.capture();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    // Elsewhere (another async context, no operation in flight), while "stream" is still open.
    await new Promise((resolve) => setImmediate(resolve));
    let activeSpan: string | undefined;
    collector.enter(captured!, () => {
      collector.recordSignal(GoldenSignals.LATENCY, 7);
      activeSpan = traceApi.getSpan(collector.contextManager.active())?.spanContext().spanId;
    });
    release();
    await done;
    const text = await collector.export("prometheus");
    expect(sumOf(text, "zoran_latency_seconds_sum", { operation: "stream" })).toBe(7);
    expect(sumOf(text, "zoran_latency_seconds_count", { operation: "stream" })).toBe(1);
    expect(activeSpan).toBe(spans.getFinishedSpans()[0]!.spanContext().spanId);
  });

  it("records a signal as its own operation inside enterOutsideOperation, even within a trace()", async () => {
    const { collector } = create();
    await collector.trace("outer", async () => {
      collector.enterOutsideOperation(ROOT_CONTEXT, () => {
        collector.recordSignal(GoldenSignals.LATENCY, 0.5, { operation: "inner" });
        collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { operation: "inner", error_type: "timeout" });
      });
    });
    const text = await collector.export("prometheus");
    expect(sumOf(text, "zoran_latency_seconds_sum", { operation: "inner" })).toBe(0.5);
    expect(sumOf(text, "zoran_requests_total", { operation: "inner", outcome: "error" })).toBe(1);
    // The outer operation kept its own measured duration and outcome.
    expect(sumOf(text, "zoran_latency_seconds_sum", { operation: "outer" })).toBeLessThan(0.5);
    expect(sumOf(text, "zoran_requests_total", { operation: "outer", outcome: "ok" })).toBe(1);
  });

  it("inherits the exchange of the enclosing operation, and leaves it for an operation started outside", async () => {
    const { collector } = create();
    let captured: CapturedContext | undefined;
    collector.trace(
      "parent",
      () => {
        captured = collector.capture();
      },
      { exchange: "ai_human" },
    );
    collector.enter(captured!, () => collector.trace("child", () => undefined));
    collector.enterOutsideOperation(ROOT_CONTEXT, () => collector.trace("alone", () => undefined));
    const text = await collector.export("prometheus");
    expect(sumOf(text, "zoran_requests_total", { operation: "child", exchange: "ai_human" })).toBe(1);
    expect(sumOf(text, "zoran_requests_total", { operation: "alone", exchange: "none" })).toBe(1);
  });
});
