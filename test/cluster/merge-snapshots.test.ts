import { ValueType } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type Histogram,
  type HistogramMetricData,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { mergeSnapshots, WORKER_ATTRIBUTE } from "../../src/cluster/merge-snapshots.js";
import { fromPortableSnapshot, toPortableSnapshot } from "../../src/cluster/portable-snapshot.js";

const T0: [number, number] = [1_700_000_000, 0];
const T1: [number, number] = [1_700_000_010, 5];

function descriptor(name: string) {
  return { name, description: "", unit: "", valueType: ValueType.DOUBLE };
}

function counter(name: string, points: [Record<string, string>, number][], monotonic = true): MetricData {
  return {
    descriptor: descriptor(name),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: monotonic,
    dataPoints: points.map(([attributes, value]) => ({ startTime: T0, endTime: T1, attributes, value })),
  };
}

function gauge(name: string, value: number): MetricData {
  return {
    descriptor: descriptor(name),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: [{ startTime: T1, endTime: T1, attributes: { resource: "cpu" }, value }],
  };
}

function histogram(boundaries: number[], counts: number[], sum: number): MetricData {
  const count = counts.reduce((a, b) => a + b, 0);
  const value: Histogram = { buckets: { boundaries, counts }, sum, count, min: 0.001, max: sum };
  return {
    descriptor: descriptor("latency"),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: [{ startTime: T0, endTime: T1, attributes: { operation: "op" }, value }],
  };
}

function snapshot(...metrics: MetricData[]): ResourceMetrics {
  return {
    resource: resourceFromAttributes({ "service.name": "svc" }),
    scopeMetrics: [{ scope: { name: "zoran-telemetrie", version: "0.1.0" }, metrics }],
  };
}

function metric(merged: ResourceMetrics, name: string): MetricData {
  const found = merged.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  if (found === undefined) throw new Error(`no ${name}`);
  return found;
}

describe("mergeSnapshots", () => {
  it("adds counters per attribute set, whatever the order of the attribute keys", () => {
    const merged = mergeSnapshots([
      { worker: "1", snapshot: snapshot(counter("requests", [[{ a: "x", b: "y" }, 3]])) },
      {
        worker: "2",
        snapshot: snapshot(
          counter("requests", [
            [{ b: "y", a: "x" }, 4],
            [{ a: "z", b: "y" }, 1],
          ]),
        ),
      },
    ]);
    const points = metric(merged, "requests").dataPoints.map((p) => [p.attributes, p.value]);
    expect(points).toEqual([
      [{ a: "x", b: "y" }, 7],
      [{ a: "z", b: "y" }, 1],
    ]);
  });

  it("adds histogram buckets, sums and counts, and keeps the smallest min and largest max", () => {
    const merged = mergeSnapshots([
      { worker: "1", snapshot: snapshot(histogram([0.1, 1], [1, 2, 0], 1.5)) },
      { worker: "2", snapshot: snapshot(histogram([0.1, 1], [0, 1, 3], 20)) },
    ]);
    const value = metric(merged, "latency").dataPoints[0]!.value as Histogram;
    expect(value.buckets.counts).toEqual([1, 3, 3]);
    expect(value.count).toBe(7);
    expect(value.sum).toBe(21.5);
    expect(value.min).toBe(0.001);
    expect(value.max).toBe(20);
  });

  it("leaves out a histogram whose bucket bounds differ, rather than adding unlike buckets", () => {
    const warnings: string[] = [];
    const diag = { warn: (m: string) => warnings.push(m) } as never;
    const merged = mergeSnapshots(
      [
        { worker: "1", snapshot: snapshot(histogram([0.1, 1], [1, 2, 0], 1.5)) },
        { worker: "2", snapshot: snapshot(histogram([0.5, 5], [9, 9, 9], 99)) },
      ],
      { diag },
    );
    expect((metric(merged, "latency").dataPoints[0]!.value as Histogram).count).toBe(3);
    expect(warnings.join()).toContain("other bucket bounds");
  });

  it("keeps gauges per worker with a worker label by default, or takes the max or the sum", () => {
    const parts = [
      { worker: "1", snapshot: snapshot(gauge("saturation", 0.25)) },
      { worker: "2", snapshot: snapshot(gauge("saturation", 0.5)) },
    ];
    const perWorker = metric(mergeSnapshots(parts), "saturation").dataPoints;
    expect(perWorker.map((p) => [p.attributes[WORKER_ATTRIBUTE], p.value])).toEqual([
      ["1", 0.25],
      ["2", 0.5],
    ]);
    expect(metric(mergeSnapshots(parts, { gauges: "max" }), "saturation").dataPoints[0]!.value).toBe(0.5);
    expect(metric(mergeSnapshots(parts, { gauges: "sum" }), "saturation").dataPoints[0]!.value).toBe(0.75);
  });

  it("takes only counters and histograms from a part marked cumulativeOnly (an exited worker)", () => {
    const merged = mergeSnapshots([
      {
        worker: "gone",
        cumulativeOnly: true,
        snapshot: snapshot(
          counter("requests", [[{}, 5]]),
          counter("in_flight", [[{}, 2]], false),
          gauge("saturation", 0.9),
          histogram([1], [1, 0], 0.5),
        ),
      },
    ]);
    const names = merged.scopeMetrics.flatMap((s) => s.metrics).map((m) => m.descriptor.name);
    expect(names).toEqual(["requests", "latency"]);
  });

  it("does not change its input", () => {
    const first = snapshot(histogram([1], [1, 0], 0.5));
    mergeSnapshots([
      { worker: "1", snapshot: first },
      { worker: "2", snapshot: snapshot(histogram([1], [2, 2], 9)) },
    ]);
    expect((first.scopeMetrics[0]!.metrics[0]!.dataPoints[0]!.value as Histogram).buckets.counts).toEqual([
      1, 0,
    ]);
  });
});

describe("PortableSnapshot", () => {
  it("survives JSON (the node:cluster IPC encoding), non-finite numbers included", () => {
    const original = snapshot(counter("requests", [[{ a: "x" }, 3]]), gauge("saturation", Number.NaN), {
      ...(histogram([1], [1, 0], 0.5) as HistogramMetricData),
      dataPoints: [
        {
          startTime: T0,
          endTime: T1,
          attributes: {},
          value: {
            buckets: { boundaries: [1], counts: [0, 0] },
            sum: 0,
            count: 0,
            min: Infinity,
            max: -Infinity,
          },
        },
      ],
    });
    const back = fromPortableSnapshot(JSON.parse(JSON.stringify(toPortableSnapshot(original))));
    expect(back.resource.attributes).toEqual({ "service.name": "svc" });
    expect(metric(back, "requests").dataPoints[0]!.value).toBe(3);
    expect(metric(back, "saturation").dataPoints[0]!.value).toBeNaN();
    const value = metric(back, "latency").dataPoints[0]!.value as Histogram;
    expect([value.min, value.max]).toEqual([Infinity, -Infinity]);
    expect(metric(back, "requests")).toMatchObject({ dataPointType: DataPointType.SUM, isMonotonic: true });
  });
});
