import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import type { TelemetryCollectorOptions } from "../collector/collector-options.js";
import { TelemetryCollector } from "../collector/telemetry-collector.js";
import { RUN_PERIODIC, TEST_HOOKS, type TestHooks } from "../collector/test-hooks.js";
import { ManualClock } from "./manual-clock.js";

/** A collector for tests: no port, no timers, a manual clock and the finished spans in memory. */
export interface TestCollector {
  /** The real collector: record through it as the application does. */
  readonly collector: TelemetryCollector;
  /** The clock of its window and alerting. */
  readonly clock: ManualClock;
  /** Spans finished so far, oldest first. */
  spans(): ReadableSpan[];
  /**
   * Moves the clock by `ms`, then runs the periodic work once: saturation probes (when on), a
   * window snapshot, and the alert rules when their evaluation interval has passed.
   */
  advance(ms: number): Promise<void>;
  /** Shuts the collector down. */
  shutdown(): Promise<void>;
}

/**
 * Creates a started {@link TelemetryCollector} for the application's own tests: `exporter:
 * "none"` (read values with `collector.export()`), saturation probes and runtime metrics off
 * unless asked, the window on, and nothing periodic until {@link TestCollector.advance}.
 *
 * @example
 * const test = await createTestCollector({ serviceName: "checkout" });
 * await test.collector.trace("pay", () => charge());
 * expect(await test.collector.export("prometheus")).toContain('zoran_requests_total{operation="pay"');
 * await test.shutdown();
 */
export async function createTestCollector(options: TelemetryCollectorOptions = {}): Promise<TestCollector> {
  const clock = new ManualClock();
  const spans = new InMemorySpanExporter();
  const hooks: TestHooks = { clock: clock.now, manualScheduler: true };
  const collector = new TelemetryCollector({
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    window: {},
    ...options,
    spanProcessors: [...(options.spanProcessors ?? []), new SimpleSpanProcessor({ exporter: spans })],
    [TEST_HOOKS]: hooks,
  } as TelemetryCollectorOptions);
  await collector.start();
  return {
    collector,
    clock,
    spans: () => spans.getFinishedSpans(),
    async advance(ms) {
      clock.advance(ms);
      await collector[RUN_PERIODIC]();
    },
    shutdown: () => collector.shutdown(),
  };
}
