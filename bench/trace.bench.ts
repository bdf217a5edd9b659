import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import { GoldenSignals } from "../src/signals/golden-signals.js";
import { type BenchCase, type CaseResult, compareCases } from "./lib/compare.js";
import { benchCollector } from "./lib/contenders.js";

/**
 * `trace()` (span + the operation's golden signals) beside OpenTelemetry's `startActiveSpan` +
 * `end()` alone, with the same context manager (AsyncLocalStorage) and no span processor, as a
 * collector with `exporter: "none"` has. prom-client has no spans: no column.
 */
export function traceCases(): BenchCase[] {
  const traced = benchCollector({ tracing: true });
  const untraced = benchCollector({ tracing: false });
  // OpenTelemetry's own global API, as an app using the SDK alone would call it.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const tracer = new TracerProvider().getTracer("bench");
  const otelSpan = () =>
    tracer.startActiveSpan("injection_4champs", (span) => {
      span.end();
    });
  const noop = () => 1;
  return [
    {
      name: "trace() sync, tracing on (span + request + latency)",
      ours: () => traced.trace("injection_4champs", noop),
      otel: otelSpan,
    },
    {
      name: "trace() sync with 2 recordSignal inside, tracing on",
      ours: () =>
        traced.trace("injection_4champs", () => {
          traced.recordSignal(GoldenSignals.LATENCY, 0.245);
          traced.recordSignal(GoldenSignals.TRAFFIC, 1024);
        }),
      otel: otelSpan,
    },
    {
      name: "trace() sync, tracing off (request + latency only)",
      ours: () => untraced.trace("injection_4champs", noop),
      otel: otelSpan,
    },
  ];
}

/** Runs the `trace()` section. */
export async function runTraceBench(options: { rounds?: number } = {}): Promise<CaseResult[]> {
  return compareCases(traceCases(), { rounds: options.rounds ?? 5 });
}
