import { ValueType } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import {
  ERRORS_METRIC,
  INSTRUMENTATION_SCOPE,
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TOKENS_METRIC,
} from "../../../src/signals/metric-definitions.js";

/** A formula an attacker could slip into a free-text label, and the same with CSV metacharacters. */
export const FORMULA_OPERATION = '=HYPERLINK("http://evil.example","click")';
export const TRICKY_OPERATION = 'say "hi", then\nleave';

const start: [number, number] = [1_767_225_600, 0]; // 2026-01-01T00:00:00Z
const end: [number, number] = [1_767_225_660, 500_000_000]; // one minute later

/**
 * A snapshot with fixed times and values, covering every data-point type the store emits:
 * the input of the golden files `test/fixtures/golden-signals.{jsonl,csv}`.
 */
export function fixedSnapshot(): ResourceMetrics {
  const point = <T>(attributes: Record<string, string>, value: T) => ({
    startTime: start,
    endTime: end,
    attributes,
    value,
  });
  const counter = (name: string, unit: string, points: ReturnType<typeof point<number>>[]): MetricData => ({
    descriptor: { name, description: "", unit, valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: points,
  });
  const counts = new Array<number>(LATENCY_BOUNDS_SECONDS.length + 1).fill(0);
  counts[3] = 6; // (0.04, 0.08]
  counts[5] = 3; // (0.16, 0.32]
  counts[14] = 1; // (81.92, +inf)
  const okOp = { operation: "summarize", exchange: "ai_ai" };
  return {
    resource: resourceFromAttributes({ "service.name": "zoran-core" }),
    scopeMetrics: [
      {
        scope: { name: INSTRUMENTATION_SCOPE.name, version: INSTRUMENTATION_SCOPE.version },
        metrics: [
          {
            descriptor: {
              name: LATENCY_METRIC.name,
              description: "",
              unit: "s",
              valueType: ValueType.DOUBLE,
            },
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.HISTOGRAM,
            dataPoints: [
              point(
                { ...okOp, outcome: "ok" },
                {
                  buckets: { boundaries: [...LATENCY_BOUNDS_SECONDS], counts },
                  count: 10,
                  sum: 100.5,
                  min: 0.05,
                  max: 99,
                },
              ),
            ],
          },
          counter(REQUESTS_METRIC.name, "", [
            point({ ...okOp, outcome: "ok" }, 10),
            point({ operation: FORMULA_OPERATION, exchange: "ai_human", outcome: "ok" }, 2),
            point({ operation: TRICKY_OPERATION, exchange: "none", outcome: "error" }, 1),
          ]),
          counter(ERRORS_METRIC.name, "", [point({ ...okOp, error_type: "timeout" }, 0.5)]),
          counter(TOKENS_METRIC.name, "{token}", [point({ ...okOp, direction: "input" }, 1234)]),
          {
            descriptor: {
              name: SATURATION_METRIC.name,
              description: "",
              unit: "1",
              valueType: ValueType.DOUBLE,
            },
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints: [point({ resource: "cpu" }, 0.32), point({ resource: "-1+2" }, -0.5)],
          },
        ],
      },
    ],
  };
}
