import { type Span, TraceFlags, trace as traceApi } from "@opentelemetry/api";
import type { DataPoint, MetricData } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GoldenSignals, TelemetryCollector, type TelemetryCollectorOptions } from "zoran-telemetrie";
import { LATENCY_BOUNDS_SECONDS } from "../../src/signals/metric-definitions.js";
import { type Exemplar, exemplarsOf } from "../../src/snapshot/point-extensions.js";

const collectors: TelemetryCollector[] = [];
function create(options: TelemetryCollectorOptions = {}) {
  const spans = new InMemorySpanExporter();
  const collector = new TelemetryCollector({
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    ...options,
  });
  collectors.push(collector);
  return { collector, spans };
}
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
  vi.unstubAllEnvs();
});

async function metric(collector: TelemetryCollector, name: string): Promise<MetricData | undefined> {
  const snapshot = await collector.collect();
  return snapshot.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
}

/** The data point of `name` whose attributes include `labels`. */
async function point(
  collector: TelemetryCollector,
  name: string,
  labels: Record<string, string>,
): Promise<DataPoint<unknown> | undefined> {
  const data = await metric(collector, name);
  return (data?.dataPoints as DataPoint<unknown>[] | undefined)?.find((p) =>
    Object.entries(labels).every(([key, value]) => p.attributes[key] === value),
  );
}

const presentExemplars = (p: DataPoint<unknown> | undefined): Exemplar[] =>
  (exemplarsOf(p!) ?? []).filter((e): e is Exemplar => e !== undefined);

/** Index of the bucket holding `seconds` (upper bounds inclusive). */
const bucketOf = (seconds: number) => {
  const i = LATENCY_BOUNDS_SECONDS.findIndex((bound) => seconds <= bound);
  return i < 0 ? LATENCY_BOUNDS_SECONDS.length : i;
};

/** Runs `fn` with `span` active in the collector's OpenTelemetry context (outside any trace()). */
function inSpan(collector: TelemetryCollector, span: Span, fn: () => void): void {
  collector.contextManager.with(traceApi.setSpan(collector.contextManager.active(), span), fn);
}

const UNSAMPLED = traceApi.wrapSpanContext({
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  traceFlags: TraceFlags.NONE,
});

describe("exemplars on the golden signals", () => {
  it("links the latency bucket and the request count of a trace() to its span", async () => {
    const { collector, spans } = create();
    collector.trace("answer", () => collector.recordSignal(GoldenSignals.LATENCY, 0.245));
    const [span] = spans.getFinishedSpans();
    const { traceId, spanId } = span!.spanContext();

    const latency = await point(collector, "zoran.latency", { operation: "answer" });
    const exemplars = exemplarsOf(latency!)!;
    expect(exemplars).toHaveLength(LATENCY_BOUNDS_SECONDS.length + 1);
    expect(exemplars[bucketOf(0.245)]).toMatchObject({ value: 0.245, traceId, spanId });
    expect(exemplars.filter((e) => e !== undefined)).toHaveLength(1);
    expect(exemplars[bucketOf(0.245)]!.timeUnixMs).toBeGreaterThan(Date.now() - 60_000);

    const requests = await point(collector, "zoran.requests", { operation: "answer" });
    expect(presentExemplars(requests)).toEqual([expect.objectContaining({ value: 1, traceId, spanId })]);
  });

  it("puts a failed trace()'s span on its error count", async () => {
    const { collector, spans } = create();
    expect(() =>
      collector.trace("answer", () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    const { traceId } = spans.getFinishedSpans()[0]!.spanContext();
    const errors = await point(collector, "zoran.errors", { operation: "answer", error_type: "crash" });
    expect(presentExemplars(errors)).toEqual([expect.objectContaining({ value: 1, traceId })]);
  });

  it("takes the active sampled span for recordSignal() made outside trace()", async () => {
    const { collector } = create();
    const span = collector.tracer.startSpan("request");
    inSpan(collector, span, () => {
      collector.recordSignal(GoldenSignals.LATENCY, 1.5, { operation: "embed" });
      collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { operation: "embed", error_type: "timeout" });
      collector.recordSignal(GoldenSignals.TRAFFIC, 2, { operation: "embed", kind: "requests" });
    });
    span.end();
    const { traceId, spanId } = span.spanContext();
    const latency = exemplarsOf((await point(collector, "zoran.latency", { operation: "embed" }))!)!;
    expect(latency[bucketOf(1.5)]).toMatchObject({ value: 1.5, traceId, spanId });
    const failed = await point(collector, "zoran.requests", { operation: "embed", outcome: "error" });
    expect(presentExemplars(failed)).toEqual([expect.objectContaining({ value: 1, traceId })]);
    const errors = await point(collector, "zoran.errors", { operation: "embed", error_type: "timeout" });
    expect(presentExemplars(errors)).toEqual([expect.objectContaining({ value: 1, spanId })]);
    const ok = await point(collector, "zoran.requests", { operation: "embed", outcome: "ok" });
    expect(presentExemplars(ok)).toEqual([expect.objectContaining({ value: 2, traceId })]);
  });

  it("carries none without a span, none from an unsampled span, and none on token counts", async () => {
    const { collector } = create();
    collector.recordSignal(GoldenSignals.LATENCY, 0.1, { operation: "bare" });
    inSpan(collector, UNSAMPLED, () =>
      collector.recordSignal(GoldenSignals.LATENCY, 0.1, { operation: "unsampled" }),
    );
    collector.trace("chat", () => collector.recordSignal(GoldenSignals.TRAFFIC, 10, { kind: "tokens" }));
    expect(exemplarsOf((await point(collector, "zoran.latency", { operation: "bare" }))!)).toBeUndefined();
    expect(
      exemplarsOf((await point(collector, "zoran.latency", { operation: "unsampled" }))!),
    ).toBeUndefined();
    expect(exemplarsOf((await point(collector, "zoran.tokens", { operation: "chat" }))!)).toBeUndefined();
  });

  it("honours the exemplar filter: always_on takes unsampled spans, always_off takes none, the option wins over OTEL_METRICS_EXEMPLAR_FILTER", async () => {
    vi.stubEnv("OTEL_METRICS_EXEMPLAR_FILTER", "always_on");
    const { collector: fromEnv } = create();
    inSpan(fromEnv, UNSAMPLED, () => fromEnv.recordSignal(GoldenSignals.LATENCY, 0.1, { operation: "op" }));
    const kept = presentExemplars(await point(fromEnv, "zoran.latency", { operation: "op" }));
    expect(kept).toEqual([expect.objectContaining({ traceId: UNSAMPLED.spanContext().traceId })]);

    const { collector: off } = create({ exemplarFilter: "always_off" });
    off.trace("op", () => undefined);
    expect(exemplarsOf((await point(off, "zoran.latency", { operation: "op" }))!)).toBeUndefined();
    expect(exemplarsOf((await point(off, "zoran.requests", { operation: "op" }))!)).toBeUndefined();
  });

  it("samples one exemplar per bucket per collection period, the first one after a collection always", async () => {
    const { collector, spans } = create();
    for (let i = 0; i < 50; i++)
      collector.trace("op", () => collector.recordSignal(GoldenSignals.LATENCY, 0.2));
    const ids = new Set(spans.getFinishedSpans().map((s) => s.spanContext().spanId));
    const first = presentExemplars(await point(collector, "zoran.latency", { operation: "op" }));
    expect(first).toHaveLength(1);
    expect(ids.has(first[0]!.spanId)).toBe(true);

    collector.trace("op", () => collector.recordSignal(GoldenSignals.LATENCY, 0.2));
    const newest = spans.getFinishedSpans().at(-1)!.spanContext().spanId;
    const second = presentExemplars(await point(collector, "zoran.latency", { operation: "op" }));
    expect(second.map((e) => e.spanId)).toEqual([newest]);
  });

  it("takes the span passed to a series() handle, with the same filter, and reads no context itself", async () => {
    const { collector } = create();
    const span = collector.tracer.startSpan("request");
    const { traceId, spanId } = span.spanContext();
    const latency = collector.series(GoldenSignals.LATENCY, { operation: "handle" });
    const requests = collector.series(GoldenSignals.ERROR_RATE, {
      operation: "handle",
      error_type: "timeout",
    });
    // Active but not passed: a handle does not look it up.
    inSpan(collector, span, () => latency.record(0.01));
    latency.record(0.5, span.spanContext());
    latency.record(2, UNSAMPLED.spanContext());
    requests.record(0, span.spanContext());
    requests.record(1, span.spanContext());
    span.end();
    const buckets = exemplarsOf((await point(collector, "zoran.latency", { operation: "handle" }))!)!;
    expect(buckets[bucketOf(0.5)]).toMatchObject({ value: 0.5, traceId, spanId });
    expect(buckets.filter((e) => e !== undefined)).toHaveLength(1);
    const ok = await point(collector, "zoran.requests", { operation: "handle", outcome: "ok" });
    expect(presentExemplars(ok)).toEqual([expect.objectContaining({ value: 1, spanId })]);
    const errors = await point(collector, "zoran.errors", { operation: "handle", error_type: "timeout" });
    expect(presentExemplars(errors)).toEqual([expect.objectContaining({ value: 1, spanId })]);

    const { collector: off } = create({ exemplarFilter: "always_off" });
    off.series(GoldenSignals.LATENCY, { operation: "handle" }).record(0.5, span.spanContext());
    expect(exemplarsOf((await point(off, "zoran.latency", { operation: "handle" }))!)).toBeUndefined();
  });
});
