import { ValueType } from "@opentelemetry/api";
import { AggregationTemporality, DataPointType, type MetricData } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { prometheusFamily } from "../../src/exporters/prometheus/prometheus-names.js";
import {
  GOLDEN_SIGNAL_METRICS,
  LATENCY_BOUNDS_SECONDS,
  type MetricDefinition,
  SELF_METRICS,
} from "../../src/signals/metric-definitions.js";

function asMetricData(definition: MetricDefinition): MetricData {
  const base = {
    descriptor: {
      name: definition.name,
      description: "",
      unit: definition.unit,
      valueType: ValueType.DOUBLE,
    },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPoints: [],
  };
  if (definition.kind === "counter") return { ...base, dataPointType: DataPointType.SUM, isMonotonic: true };
  if (definition.kind === "gauge") return { ...base, dataPointType: DataPointType.GAUGE };
  return { ...base, dataPointType: DataPointType.HISTOGRAM };
}

describe("metric definitions", () => {
  it("name each Prometheus family as the OpenTelemetry-to-Prometheus rules derive it", () => {
    for (const definition of [...GOLDEN_SIGNAL_METRICS, ...SELF_METRICS]) {
      expect(prometheusFamily(asMetricData(definition))?.sampleName, definition.name).toBe(
        definition.promName,
      );
    }
  });

  it("keep the frozen names users' queries depend on", () => {
    expect(GOLDEN_SIGNAL_METRICS.map((m) => m.promName)).toEqual([
      "zoran_latency_seconds",
      "zoran_requests_total",
      "zoran_errors_total",
      "zoran_tokens_total",
      "zoran_exchange_size_bytes_total",
      "zoran_saturation_ratio",
    ]);
  });

  it("bound latency from 0.01 s doubling to 81.92 s", () => {
    expect(LATENCY_BOUNDS_SECONDS[0]).toBe(0.01);
    expect(LATENCY_BOUNDS_SECONDS.at(-1)).toBe(81.92);
    for (let i = 1; i < LATENCY_BOUNDS_SECONDS.length; i++) {
      expect(LATENCY_BOUNDS_SECONDS[i]).toBeCloseTo(LATENCY_BOUNDS_SECONDS[i - 1]! * 2, 10);
    }
  });
});
