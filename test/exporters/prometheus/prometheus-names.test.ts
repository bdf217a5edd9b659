import { AggregationTemporality, DataPointType, type MetricData } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import {
  familyClaims,
  prometheusFamily,
  sanitizeLabelName,
  sanitizeMetricName,
} from "../../../src/exporters/prometheus/prometheus-names.js";

/**
 * OpenTelemetry-to-Prometheus names, case by case from the compatibility spec
 * (https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/): the
 * reference serializer shares these functions, so they are pinned here on their own.
 */

function metric(name: string, unit: string, kind: "counter" | "updown" | "gauge" | "histogram"): MetricData {
  const descriptor = { name, description: "", unit, valueType: 1 };
  if (kind === "histogram") {
    return {
      descriptor,
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: [],
    };
  }
  if (kind === "gauge") {
    return {
      descriptor,
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: [],
    };
  }
  return {
    descriptor,
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: kind === "counter",
    dataPoints: [],
  };
}

describe("Prometheus names of OpenTelemetry metrics", () => {
  it("replaces invalid characters with _ and collapses repeated _, in metric and label names", () => {
    expect(sanitizeMetricName("http.server.request-duration")).toBe("http_server_request_duration");
    expect(sanitizeMetricName("a..b")).toBe("a_b");
    expect(sanitizeMetricName("ns:metric")).toBe("ns:metric");
    expect(sanitizeLabelName("ns:label")).toBe("ns_label");
    expect(sanitizeLabelName("http.route")).toBe("http_route");
    expect(sanitizeLabelName("données")).toBe("donn_es");
  });

  it("never yields a name Prometheus reserves (__ prefix) nor one starting with a digit", () => {
    expect(sanitizeLabelName("__name__")).toBe("_name_");
    expect(sanitizeMetricName("__meta_x")).toBe("_meta_x");
    expect(sanitizeLabelName("1st")).toBe("_1st");
    expect(sanitizeMetricName("9lives")).toBe("_9lives");
    expect(sanitizeLabelName("")).toBe("_");
  });

  it("adds unit suffixes (full words, `_per_`, `ratio` for gauges of 1, none for annotations) and _total", () => {
    expect(prometheusFamily(metric("zoran.latency", "s", "histogram"))).toEqual({
      family: "zoran_latency_seconds",
      sampleName: "zoran_latency_seconds",
      type: "histogram",
      unit: "seconds",
    });
    expect(prometheusFamily(metric("queue.wait", "ms", "gauge"))!.family).toBe("queue_wait_milliseconds");
    expect(prometheusFamily(metric("net.rate", "By/s", "gauge"))!.family).toBe("net_rate_bytes_per_second");
    expect(prometheusFamily(metric("cpu.share", "1", "gauge"))!.family).toBe("cpu_share_ratio");
    expect(prometheusFamily(metric("zoran.tokens", "{token}", "counter"))).toEqual({
      family: "zoran_tokens",
      sampleName: "zoran_tokens_total",
      type: "counter",
      unit: "",
    });
    // Already suffixed: not twice.
    expect(prometheusFamily(metric("app.jobs_total", "", "counter"))!.sampleName).toBe("app_jobs_total");
    expect(prometheusFamily(metric("app.size_bytes", "By", "gauge"))!.family).toBe("app_size_bytes");
    // A non-monotonic sum is a gauge, without _total.
    expect(prometheusFamily(metric("app.inflight", "", "updown"))).toMatchObject({
      type: "gauge",
      sampleName: "app_inflight",
    });
  });

  it("lists every name a family holds on a page, per type", () => {
    expect(familyClaims(prometheusFamily(metric("x", "", "counter"))!)).toEqual([
      "x",
      "x_total",
      "x_created",
    ]);
    expect(familyClaims(prometheusFamily(metric("x_total", "", "gauge"))!)).toEqual(["x_total"]);
    expect(familyClaims(prometheusFamily(metric("h", "", "histogram"))!)).toEqual([
      "h",
      "h_bucket",
      "h_count",
      "h_sum",
      "h_created",
    ]);
  });
});
