import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";
import type { Meter } from "@opentelemetry/api";
import { GC_DURATION_BOUNDS_SECONDS, RUNTIME_METRIC_NAMES } from "../signals/metric-definitions.js";

// `v8js.gc.type` values of the semantic conventions, by Node's GC kind constant.
const GC_TYPES: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};

/**
 * Registers the Node.js runtime detail behind the saturation ratios, under the OpenTelemetry
 * runtime semantic-convention names: event-loop delay p99 (`nodejs.eventloop.delay.p99`, s),
 * heap used and limit per space (`v8js.memory.heap.used`, `v8js.memory.heap.limit`, By) and
 * GC pauses (`v8js.gc.duration`, s, by `v8js.gc.type`). Returns a function that stops them.
 */
export function registerRuntimeMetrics(meter: Meter): () => void {
  // 20 ms resolution: the delay p99 is what matters, and a finer timer costs more wake-ups.
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();

  const delayP99 = meter.createObservableGauge(RUNTIME_METRIC_NAMES.eventLoopDelayP99, {
    description: "Event loop delay, 99th percentile since the previous collection.",
    unit: "s",
  });
  delayP99.addCallback((result) => {
    const p99 = delay.percentile(99);
    if (delay.count > 0 && Number.isFinite(p99)) result.observe(p99 / 1e9);
    delay.reset();
  });

  const heapUsed = meter.createObservableUpDownCounter(RUNTIME_METRIC_NAMES.heapUsed, {
    description: "V8 heap memory used, by heap space.",
    unit: "By",
  });
  heapUsed.addCallback((result) => {
    for (const space of getHeapSpaceStatistics()) {
      result.observe(space.space_used_size, { "v8js.heap.space.name": space.space_name });
    }
  });
  const heapLimit = meter.createObservableUpDownCounter(RUNTIME_METRIC_NAMES.heapLimit, {
    description: "V8 heap size limit.",
    unit: "By",
  });
  heapLimit.addCallback((result) => result.observe(getHeapStatistics().heap_size_limit));

  const gcDuration = meter.createHistogram(RUNTIME_METRIC_NAMES.gcDuration, {
    description: "Garbage collection pause duration.",
    unit: "s",
    advice: { explicitBucketBoundaries: [...GC_DURATION_BOUNDS_SECONDS] },
  });
  const gcAttributes = new Map<string, { "v8js.gc.type": string }>();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1;
      const type = GC_TYPES[kind] ?? "other";
      let attributes = gcAttributes.get(type);
      if (attributes === undefined) {
        attributes = { "v8js.gc.type": type };
        gcAttributes.set(type, attributes);
      }
      gcDuration.record(entry.duration / 1000, attributes);
    }
  });
  observer.observe({ entryTypes: ["gc"] });

  return () => {
    delay.disable();
    observer.disconnect();
  };
}
