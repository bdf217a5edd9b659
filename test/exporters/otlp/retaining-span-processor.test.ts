import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  type ReadableSpan,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it } from "vitest";
import {
  RetainingSpanProcessor,
  type SpanDropReason,
} from "../../../src/exporters/otlp/retaining-span-processor.js";
import { waitFor } from "../../helpers/otlp-receiver.js";

/** OpenTelemetry's in-memory exporter, made to fail while `down` is set, counting attempts. */
class SwitchableExporter extends InMemorySpanExporter {
  down = false;
  attempts = 0;
  rejectWith: number | undefined;
  override export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.attempts++;
    if (this.rejectWith !== undefined) {
      done({
        code: ExportResultCode.FAILED,
        error: Object.assign(new Error("refused"), { code: this.rejectWith }),
      });
      return;
    }
    if (this.down) {
      done({ code: ExportResultCode.FAILED, error: new Error("connect ECONNREFUSED") });
      return;
    }
    super.export(spans, done);
  }
}

const providers: TracerProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

function setup(options: { maxRetainedSpans: number; sampled?: boolean }) {
  const exporter = new SwitchableExporter();
  const drops: Partial<Record<SpanDropReason, number>> = {};
  const warnings: string[] = [];
  const failures: unknown[] = [];
  const ignore = () => {};
  const processor = new RetainingSpanProcessor(exporter, {
    exporter: "otlp",
    maxRetainedSpans: options.maxRetainedSpans,
    maxExportBatchSize: 10,
    scheduledDelayMs: 20,
    exportTimeoutMs: 1_000,
    onExportFailure: (error) => failures.push(error),
    onSpansDropped: (reason, count) => {
      drops[reason] = (drops[reason] ?? 0) + count;
    },
    diag: {
      warn: (m: string) => void warnings.push(m),
      error: ignore,
      info: ignore,
      debug: ignore,
      verbose: ignore,
    },
  });
  const provider = new TracerProvider({
    spanProcessors: [processor],
    ...(options.sampled === false ? { sampler: new AlwaysOffSampler() } : {}),
  });
  providers.push(provider);
  const tracer = provider.getTracer("test");
  const span = (name: string) => tracer.startSpan(name).end();
  const names = () => exporter.getFinishedSpans().map((s) => s.name);
  return { exporter, processor, drops, warnings, failures, span, names };
}

describe("RetainingSpanProcessor", () => {
  it("exports outside the caller's span.end(), in batches, oldest first", async () => {
    const { exporter, processor, span, names } = setup({ maxRetainedSpans: 100 });
    for (let i = 0; i < 25; i++) span(`s${i}`);
    expect(exporter.attempts).toBe(0); // nothing serialized in the application's call
    await processor.forceFlush();
    expect(names()).toEqual(Array.from({ length: 25 }, (_, i) => `s${i}`));
    expect(exporter.attempts).toBe(3);
  });

  it("keeps the newest spans through an outage, counts the rest, and reports the loss once when it ends", async () => {
    const { exporter, processor, drops, warnings, failures, span, names } = setup({ maxRetainedSpans: 30 });
    exporter.down = true;
    for (let i = 0; i < 100; i++) span(`s${i}`);
    await processor.forceFlush();
    expect(failures.length).toBeGreaterThan(0);
    expect(drops).toEqual({ buffer_full: 70 });
    expect(warnings).toEqual([]); // not while the outage goes on (under 10 minutes)
    exporter.down = false;
    await waitFor(() => names().length === 30, 5_000, "the retained spans");
    expect(names()).toEqual(Array.from({ length: 30 }, (_, i) => `s${70 + i}`));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^zoran-telemetrie: otlp: 70 spans dropped during an outage of \d+\.\d s/);
  });

  it("after a failure, retries after the delay, not once per new span", async () => {
    const { exporter, processor, span } = setup({ maxRetainedSpans: 1_000 });
    exporter.down = true;
    span("first");
    await processor.forceFlush();
    const attempts = exporter.attempts;
    for (let i = 0; i < 200; i++) span(`s${i}`); // 20 batches' worth during the backoff
    await new Promise((resolve) => setImmediate(resolve));
    expect(exporter.attempts).toBe(attempts);
  });

  it("drops a batch the receiver refuses for good (4xx), and counts spans left at shutdown", async () => {
    const { exporter, processor, drops, span } = setup({ maxRetainedSpans: 100 });
    exporter.rejectWith = 400;
    for (let i = 0; i < 10; i++) span(`s${i}`);
    await processor.forceFlush();
    expect(drops).toEqual({ rejected: 10 });
    exporter.rejectWith = undefined;
    exporter.down = true;
    span("last");
    await processor.shutdown();
    expect(drops).toEqual({ rejected: 10, shutdown: 1 });
  });

  it("ignores spans that are not sampled", async () => {
    const { processor, span, names } = setup({ maxRetainedSpans: 100, sampled: false });
    span("unsampled");
    await processor.forceFlush();
    expect(names()).toEqual([]);
  });
});
