/**
 * A stand-in scrape target for the dashboard-query test while the collector is not there yet:
 * a node:http `/metrics` endpoint (prom-client) exposing the frozen golden-signal families,
 * their names and labels read from `src/signals/`, fed with steady synthetic traffic.
 * Once `src/collector/telemetry-collector.ts` lands, the test scrapes the real demo instead.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { ERROR_TYPES, PROBE_RESOURCES } from "../../src/signals/label-values.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TOKENS_METRIC,
} from "../../src/signals/metric-definitions.js";

/** A running fixture target. */
export interface FixtureApp {
  /** `host:port` to scrape. */
  readonly target: string;
  close(): Promise<void>;
}

const OPERATIONS = ["summarize", "injection_4champs"] as const;

/** Starts one fixture target on 127.0.0.1 (free port) that records an operation every 20 ms. */
export async function startFixtureApp(): Promise<FixtureApp> {
  const registry = new Registry();
  const labels = (names: readonly string[]) => [...names];
  const latency = new Histogram({
    name: LATENCY_METRIC.promName,
    help: LATENCY_METRIC.description,
    labelNames: labels(LATENCY_METRIC.labels),
    buckets: [...LATENCY_BOUNDS_SECONDS],
    registers: [registry],
  });
  const counter = (def: typeof REQUESTS_METRIC) =>
    new Counter({
      name: def.promName,
      help: def.description,
      labelNames: labels(def.labels),
      registers: [registry],
    });
  const requests = counter(REQUESTS_METRIC);
  const errors = counter(ERRORS_METRIC);
  const tokens = counter(TOKENS_METRIC);
  const bytes = counter(EXCHANGE_SIZE_METRIC);
  const saturation = new Gauge({
    name: SATURATION_METRIC.promName,
    help: SATURATION_METRIC.description,
    labelNames: labels(SATURATION_METRIC.labels),
    registers: [registry],
  });

  let tick = 0;
  const timer = setInterval(() => {
    tick++;
    const operation = OPERATIONS[tick % OPERATIONS.length] ?? "none";
    const exchange = tick % 3 === 0 ? "ai_human" : "ai_ai";
    const failed = tick % 5 === 0;
    const outcome = failed ? "error" : "ok";
    latency.observe({ operation, exchange, outcome }, 0.02 * (1 + (tick % 50)));
    requests.inc({ operation, exchange, outcome });
    if (failed) {
      const errorType = ERROR_TYPES[(tick / 5) % ERROR_TYPES.length] ?? "other";
      errors.inc({ operation, exchange, error_type: errorType });
    }
    tokens.inc({ operation, exchange, direction: "input" }, 100 + (tick % 7));
    tokens.inc({ operation, exchange, direction: "output" }, 40 + (tick % 11));
    bytes.inc({ operation, exchange, direction: "input" }, 2048);
    bytes.inc({ operation, exchange, direction: "output" }, 512);
    PROBE_RESOURCES.forEach((resource, index) => {
      saturation.set({ resource }, ((tick + index * 10) % 100) / 100);
    });
  }, 20);
  timer.unref();

  const server: Server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    close: async () => {
      clearInterval(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
