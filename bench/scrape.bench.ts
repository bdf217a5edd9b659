import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
// autocannon ships no types; its programmatic API is one function returning a promise of results.
// @ts-expect-error no declaration file
import autocannon from "autocannon";
import type { SignalAttributes } from "../src/collector/telemetry-collector.js";
import { TelemetryCollector } from "../src/collector/telemetry-collector.js";
import { serializePrometheusToBuffer } from "../src/exporters/prometheus/prometheus-serializer.js";
import { GoldenSignals } from "../src/signals/golden-signals.js";
import { type CaseResult, type Contender, summarize } from "./lib/compare.js";
import { BENCH_CARDINALITY_LIMIT, latencyLabelSets, promClientMetrics } from "./lib/contenders.js";

/**
 * GET /metrics under load: autocannon (in a worker thread) against a real endpoint on
 * 127.0.0.1 and a free port, 8 connections, a few seconds per run, rounds interleaved.
 * Requests per second, median over rounds.
 *
 * - ours: the collector's own endpoint (`exporter: "prometheus"`, `port: 0`);
 * - ours, Buffer body: the same store served with `serializePrometheusToBuffer` (the wiring the
 *   endpoint should use; see docs/benchmarks.md);
 * - prom-client: `registry.metrics()` on node:http;
 * - floor: node:http sending a pre-built body of the same size (no collection, no serialization).
 * OpenTelemetry: `@opentelemetry/exporter-prometheus` is not installed here: no column.
 */
const LABEL_SETS = 1_000;
const CONNECTIONS = 8;
const DURATION_SECONDS = 3;

interface Endpoint {
  readonly url: string;
  close(): Promise<void>;
}

async function listen(handler: RequestListener): Promise<Endpoint> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1" }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function load(url: string): Promise<number> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    workers: 1,
    timeout: 10,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`scrape bench: ${url} answered ${result.non2xx} non-2xx and ${result.errors} errors`);
  }
  return result.requests.average as number;
}

/** Runs the scrape section: rounds of every endpoint in rotated order. */
export async function runScrapeBench(options: { rounds?: number } = {}): Promise<CaseResult[]> {
  const rounds = options.rounds ?? 2;
  const sets = latencyLabelSets(LABEL_SETS);
  const collector = new TelemetryCollector({
    serviceName: "bench",
    exporter: "prometheus",
    port: 0,
    host: "127.0.0.1",
    saturation: false,
    runtimeMetrics: false,
    cardinalityLimit: BENCH_CARDINALITY_LIMIT,
  });
  const prom = promClientMetrics(["operation", "exchange", "outcome"]);
  for (const set of sets) {
    for (const value of [0.02, 0.245, 2.5]) {
      collector.recordSignal(GoldenSignals.LATENCY, value, set as SignalAttributes);
      prom.latency.observe(set as Record<string, string>, value);
    }
  }
  await collector.start();
  const staticBody = serializePrometheusToBuffer(await collector.collect());
  const endpoints: Partial<Record<Contender | "oursBuffer", Endpoint>> = {
    ours: { url: `${collector.url}/metrics`, close: () => collector.shutdown() },
    oursBuffer: await listen((_request, response) => {
      collector
        .collect()
        .then((snapshot) => {
          const body = serializePrometheusToBuffer(snapshot);
          response.writeHead(200, {
            "Content-Type": "text/plain; version=0.0.4",
            "Content-Length": body.length,
          });
          response.end(body);
        })
        .catch(() => response.writeHead(500).end());
    }),
    promClient: await listen((_request, response) => {
      prom.registry
        .metrics()
        .then((text) => {
          response.writeHead(200, { "Content-Type": prom.registry.contentType });
          response.end(text);
        })
        .catch(() => response.writeHead(500).end());
    }),
    floor: await listen((_request, response) => {
      response.writeHead(200, { "Content-Type": "text/plain", "Content-Length": staticBody.length });
      response.end(staticBody);
    }),
  };
  const order = Object.keys(endpoints) as (keyof typeof endpoints)[];
  const samples = new Map<Contender, number[]>();
  const bufferSamples = new Map<Contender, number[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < order.length; k++) {
        const who = order[(k + round) % order.length]!;
        const perSecond = await load(endpoints[who]!.url);
        // req/s: higher is better, so ratios are stored inverted (see summarize: competitor / ours).
        const target = who === "oursBuffer" ? bufferSamples : samples;
        const key: Contender = who === "oursBuffer" ? "ours" : who;
        target.set(key, [...(target.get(key) ?? []), 1 / perSecond]);
      }
    }
  } finally {
    for (const endpoint of Object.values(endpoints)) await endpoint?.close();
  }
  for (const [who, list] of [...samples]) if (who !== "ours") bufferSamples.set(who, list);
  return [
    toRequestsPerSecond(summarize(`GET /metrics, ${LABEL_SETS} sets, ${CONNECTIONS} connections`, samples)),
    toRequestsPerSecond(
      summarize(`GET /metrics, ${LABEL_SETS} sets, ${CONNECTIONS} connections (Buffer body)`, bufferSamples),
    ),
  ];
}

/** Medians were taken of seconds per request; the table shows requests per second. */
function toRequestsPerSecond(result: CaseResult): CaseResult {
  const medians: CaseResult["medians"] = {};
  for (const [who, value] of Object.entries(result.medians)) medians[who as Contender] = 1 / value;
  return { ...result, medians };
}
