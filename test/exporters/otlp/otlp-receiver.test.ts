import { JsonMetricsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { afterEach, describe, expect, it } from "vitest";
import {
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
} from "../../../src/signals/metric-definitions.js";
import { decodeMetricsRequest } from "../../helpers/otlp-receiver.js";
import { GoldenSignalSetup } from "./golden-signal-setup.js";

describe("OtlpReceiver decoder (test helper)", () => {
  let store: GoldenSignalSetup;
  afterEach(async () => store.close());

  it("decodes the official protobuf encoding to the same points as the official JSON encoding", async () => {
    store = new GoldenSignalSetup();
    store.recordOperation("summarize", 0.245);
    store.recordOperation("summarize", 3.5, true);
    store.recordOperation("translate", 100); // past the last bound: the overflow bucket
    const snapshot = await store.collect();
    const fromProto = decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(snapshot)!, "protobuf");
    const fromJson = decodeMetricsRequest(JsonMetricsSerializer.serializeRequest(snapshot)!, "json");
    expect(fromProto.length).toBeGreaterThan(8);
    expect(fromProto).toEqual(fromJson);
  });

  it("decodes values equal to what was recorded", async () => {
    store = new GoldenSignalSetup();
    store.recordOperation("summarize", 0.245);
    store.recordOperation("summarize", 3.5, true);
    const body = ProtobufMetricsSerializer.serializeRequest(await store.collect())!;
    const points = decodeMetricsRequest(body, "protobuf");
    const latency = points.filter((p) => p.name === LATENCY_METRIC.name);
    expect(latency.map((p) => [p.attributes.outcome, p.count, p.sum])).toEqual([
      ["ok", 1, 0.245],
      ["error", 1, 3.5],
    ]);
    expect(latency[0]?.bucketCounts?.reduce((a, b) => a + b, 0)).toBe(1);
    const requests = points.filter((p) => p.name === REQUESTS_METRIC.name).map((p) => p.value);
    expect(requests).toEqual([1, 1]);
    expect(points.find((p) => p.name === SATURATION_METRIC.name)?.value).toBe(0.25);
  });
});
