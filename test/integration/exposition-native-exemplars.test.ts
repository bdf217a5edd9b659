import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { negotiateFormat } from "../../src/exporters/prometheus/negotiate-format.js";
import {
  CONTENT_TYPES,
  serializePrometheusToBuffer,
} from "../../src/exporters/prometheus/prometheus-serializer.js";
import { LATENCY_BOUNDS_SECONDS } from "../../src/signals/metric-definitions.js";
import {
  exactQuantile,
  exemplar,
  exponentialIndex,
  extensionSnapshot,
  logNormalValues,
  SPAN_A,
  SPAN_B,
  TRACE_A,
  TRACE_B,
} from "../exporters/prometheus/extension-fixtures.js";
import { type PrometheusServer, startPrometheus, waitFor } from "../helpers/prometheus-server.js";
import { requireBinary } from "../helpers/require-binary.js";

/**
 * Issue 17, exposition side, against real Prometheus 2.42 servers: a small node:http server
 * serves the serializer's page for a fixed snapshot that carries what the store will attach
 * (src/snapshot/point-extensions.ts): a native (exponential) form of one latency series holding
 * 20,000 log-normal values, exemplars on two of its buckets and on its request counter, and a
 * classic-only copy of the same values for comparison.
 *
 * - Prometheus with `--enable-feature=native-histograms` asks for protobuf and gets the native
 *   histogram: `histogram_count` is exact, `histogram_quantile(0.99, ...)` within 5% of the exact
 *   p99 (the classic buckets' estimate is quoted beside it).
 * - Prometheus with `--enable-feature=exemplar-storage` asks for OpenMetrics and
 *   `/api/v1/query_exemplars` returns the exemplars with their trace ids.
 *
 * The same assertions through the collector and real spans wait for the recording kernel:
 * test/integration/exemplars-native.test.ts.
 */

const prometheusBin = requireBinary("prometheus");

const COUNT = 20_000;
const SCALE = 5;
const values = logNormalValues(COUNT, -1, 0.5);
const exactP99 = exactQuantile(values, 0.99);
const nowMs = Date.now();
// Exemplar values inside their buckets: 0.245 in (0.16, 0.32], 1.9 in (1.28, 2.56].
const BUCKET_0_245 = LATENCY_BOUNDS_SECONDS.findIndex((bound) => 0.245 <= bound);
const BUCKET_1_9 = LATENCY_BOUNDS_SECONDS.findIndex((bound) => 1.9 <= bound);

function snapshot(): ResourceMetrics {
  return extensionSnapshot({
    values,
    scale: SCALE,
    zeroThreshold: 1e-9,
    bucketExemplars: {
      [BUCKET_0_245]: exemplar(0.245, TRACE_A, SPAN_A, nowMs - 2_000),
      [BUCKET_1_9]: exemplar(1.9, TRACE_B, SPAN_B, nowMs - 1_000),
    },
    counterExemplar: exemplar(1, TRACE_B, SPAN_B, nowMs - 1_000),
    classicCopy: true,
  });
}

interface ExemplarResult {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

async function queryExemplars(prometheus: PrometheusServer, query: string): Promise<ExemplarResult[]> {
  const params = new URLSearchParams({
    query,
    start: String(Math.floor(nowMs / 1000) - 600),
    end: String(Math.ceil(Date.now() / 1000) + 60),
  });
  const body = (await (await fetch(`${prometheus.url}/api/v1/query_exemplars?${params}`)).json()) as {
    status: string;
    data: ExemplarResult[];
  };
  expect(body.status).toBe("success");
  return body.data;
}

describe.skipIf(!prometheusBin)(
  "native histograms and exemplars scraped by real Prometheus 2.42 servers",
  () => {
    let server: Server;
    const accepts = { native: [] as string[], exemplars: [] as string[] };
    let native: PrometheusServer;
    let exemplars: PrometheusServer;

    beforeAll(async () => {
      const page = snapshot();
      server = createServer((request, response) => {
        const accept = request.headers.accept ?? "";
        (accept.includes("protobuf") ? accepts.native : accepts.exemplars).push(accept);
        const format = negotiateFormat(accept);
        const body = serializePrometheusToBuffer(page, { format });
        response
          .writeHead(200, { "Content-Type": CONTENT_TYPES[format], "Content-Length": body.length })
          .end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      [native, exemplars] = await Promise.all([
        startPrometheus({
          binary: prometheusBin!,
          targets: [target],
          job: "native",
          flags: ["--enable-feature=native-histograms", "--enable-feature=exemplar-storage"],
        }),
        startPrometheus({
          binary: prometheusBin!,
          targets: [target],
          job: "exemplars",
          flags: ["--enable-feature=exemplar-storage"],
        }),
      ]);
      await waitFor("the native histogram", 60_000, async () => {
        return (await native.query("histogram_count(zoran_latency_seconds)")).length === 1;
      });
      await waitFor("the classic buckets", 60_000, async () => {
        return (await exemplars.query("zoran_latency_seconds_bucket")).length > 0;
      });
    }, 120_000);

    afterAll(async () => {
      await native?.stop();
      await exemplars?.stop();
      await new Promise((resolve) => server?.close(resolve));
    });

    it("is asked for protobuf with the native-histograms flag, for OpenMetrics without", () => {
      expect(accepts.native.length).toBeGreaterThan(0);
      expect(negotiateFormat(accepts.native[0])).toBe("protobuf");
      expect(accepts.exemplars.length).toBeGreaterThan(0);
      expect(negotiateFormat(accepts.exemplars[0])).toBe("openmetrics");
    });

    it("ingests the latency family as a native histogram: exact count and sum", async () => {
      const [count] = await native.query("histogram_count(zoran_latency_seconds)");
      expect(count!.value).toBe(COUNT);
      expect(count!.metric).toMatchObject({ operation: "answer", exchange: "ai_human", outcome: "ok" });
      const [sum] = await native.query("histogram_sum(zoran_latency_seconds)");
      expect(sum!.value).toBeCloseTo(
        values.reduce((a, b) => a + b, 0),
        6,
      );
      // With both forms on the family, Prometheus 2.42 keeps only the native one (DESIGN §5).
      expect(await native.query("zoran_latency_seconds_bucket")).toEqual([]);
    });

    it("estimates p99 from the native buckets within 5% of the exact p99, inside the exact value's bucket", async () => {
      const [p99] = await native.query("histogram_quantile(0.99, zoran_latency_seconds)");
      const [classic] = await native.query("histogram_quantile(0.99, reference_latency_seconds_bucket)");
      console.info(
        `[native histogram] exact p99 ${exactP99.toFixed(4)} s; native (scale ${SCALE}) ${p99!.value.toFixed(4)} s (${(
          (100 * (p99!.value - exactP99)) / exactP99
        ).toFixed(
          2,
        )}%); classic buckets ${classic!.value.toFixed(4)} s (${((100 * (classic!.value - exactP99)) / exactP99).toFixed(2)}%)`,
      );
      expect(Math.abs(p99!.value - exactP99) / exactP99).toBeLessThan(0.05);
      const index = exponentialIndex(exactP99, SCALE);
      const base = 2 ** (2 ** -SCALE);
      expect(p99!.value).toBeGreaterThanOrEqual(base ** index * (1 - 1e-12));
      expect(p99!.value).toBeLessThanOrEqual(base ** (index + 1) * (1 + 1e-12));
    });

    it("ingests a histogram without a native form from the same protobuf page as classic buckets", async () => {
      const buckets = await native.query("reference_latency_seconds_bucket");
      expect(buckets.length).toBe(LATENCY_BOUNDS_SECONDS.length + 1);
      expect(buckets.find((b) => b.metric.le === "+Inf")!.value).toBe(COUNT);
      expect(buckets.every((b) => b.metric.otel_scope_name === "reference")).toBe(true);
    });

    it("returns the OpenMetrics exemplars of the latency buckets and the request counter with their trace ids", async () => {
      await waitFor(
        "exemplars",
        30_000,
        async () => (await queryExemplars(exemplars, "zoran_latency_seconds_bucket")).length >= 2,
      );
      const buckets = await queryExemplars(exemplars, "zoran_latency_seconds_bucket");
      const byLe = Object.fromEntries(
        buckets.map((series) => [
          series.seriesLabels.le,
          series.exemplars.map((e) => [
            e.labels.trace_id,
            e.labels.span_id,
            Number(e.value),
            Math.round(e.timestamp * 1000),
          ]),
        ]),
      );
      expect(byLe).toEqual({
        [String(LATENCY_BOUNDS_SECONDS[BUCKET_0_245])]: [[TRACE_A, SPAN_A, 0.245, nowMs - 2_000]],
        [String(LATENCY_BOUNDS_SECONDS[BUCKET_1_9])]: [[TRACE_B, SPAN_B, 1.9, nowMs - 1_000]],
      });
      const requests = await queryExemplars(exemplars, "zoran_requests_total");
      expect(requests.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id))).toEqual([TRACE_B]);
    });

    it("also takes the counter's exemplar from the protobuf page", async () => {
      await waitFor(
        "protobuf exemplars",
        30_000,
        async () => (await queryExemplars(native, "zoran_requests_total")).length > 0,
      );
      const requests = await queryExemplars(native, "zoran_requests_total");
      expect(requests.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id))).toEqual([TRACE_B]);
    });
  },
);
