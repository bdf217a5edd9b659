import { resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationTemporality, DataPointType, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import {
  type PrometheusFormat,
  serializePrometheusSliced,
  serializePrometheusToBuffer,
} from "../../../src/exporters/prometheus/prometheus-serializer.js";
import { INSTRUMENTATION_SCOPE, LATENCY_BOUNDS_SECONDS } from "../../../src/signals/metric-definitions.js";
import { exemplar, TIME } from "./extension-fixtures.js";

/**
 * Scrapes must not block the host (issue 15 item 16): the route writes a page in slices with the
 * event loop's turn between them. Same bytes as the one-go serializer, in every format.
 */

function bigSnapshot(sets: number): ResourceMetrics {
  const dataPoints = Array.from({ length: sets }, (_, i) => ({
    startTime: TIME,
    endTime: TIME,
    attributes: Object.freeze({
      operation: `op_${i}`,
      exchange: "ai_ai",
      outcome: i % 3 === 0 ? "error" : "ok",
    }),
    value: {
      buckets: {
        boundaries: LATENCY_BOUNDS_SECONDS as number[],
        counts: LATENCY_BOUNDS_SECONDS.map((_, b) => (i + b) % 4).concat([1]),
      },
      sum: i * 0.25,
      count: LATENCY_BOUNDS_SECONDS.reduce((n, _, b) => n + ((i + b) % 4), 1),
    },
    ...(i % 7 === 0 ? { exemplars: [undefined, exemplar(0.015)] } : {}),
  }));
  return {
    resource: resourceFromAttributes({ "service.name": "sliced" }),
    scopeMetrics: [
      {
        scope: INSTRUMENTATION_SCOPE,
        metrics: [
          {
            descriptor: { name: "zoran.latency", description: "Latency", unit: "s", valueType: 1 },
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.HISTOGRAM,
            dataPoints,
          },
        ],
      },
    ],
  };
}

/** Counts event-loop turns (setImmediate callbacks) that ran while `work` was pending. */
async function turnsDuring(work: () => Promise<unknown> | unknown): Promise<number> {
  let turns = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const before = turns;
  await work();
  running = false;
  return turns - before;
}

describe("serializePrometheusSliced", () => {
  const snapshot = bigSnapshot(5_000);

  it("writes the same bytes as the one-go serializer, in every format", async () => {
    for (const format of ["text", "openmetrics", "protobuf"] as PrometheusFormat[]) {
      const sliced = await serializePrometheusSliced(snapshot, { format, sliceMs: 1 });
      expect(sliced.equals(serializePrometheusToBuffer(snapshot, { format })), format).toBe(true);
    }
  });

  it("gives the event loop turns while it writes a large page, where the one-go serializer gives none", async () => {
    // Warm the caches, so both runs do the same work.
    serializePrometheusToBuffer(snapshot);
    const oneGo = await turnsDuring(() => serializePrometheusToBuffer(snapshot));
    // ~5 MB of text: tens of milliseconds of work, so 1 ms slices make several turns.
    const sliced = await turnsDuring(() => serializePrometheusSliced(snapshot, { sliceMs: 1 }));
    expect(oneGo).toBe(0);
    expect(sliced).toBeGreaterThan(3);
  });
});
