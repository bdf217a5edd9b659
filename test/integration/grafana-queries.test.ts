/**
 * Every query of every generated Grafana panel, run through a real Prometheus 2.42 that has
 * scraped two running demo instances (`zoran-telemetrie demo`) and a collector with native
 * histograms (`--enable-feature=native-histograms`) for a while: each must parse and
 * return data. The panels are read from the generator's output, so a new panel is checked
 * without touching this file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGrafanaDashboards } from "../../src/dashboards/grafana-dashboards.js";
import { GoldenSignals, serializePrometheus, TelemetryCollector } from "../../src/index.js";
import {
  INSTRUMENTATION_SCOPE,
  LATENCY_BOUNDS_SECONDS,
  REFUSALS_METRIC,
  REQUESTS_METRIC,
  TIME_TO_FIRST_TOKEN_METRIC,
} from "../../src/signals/metric-definitions.js";
import { freePort, waitFor } from "../helpers/prometheus-server.js";
import { requireBinary } from "../helpers/require-binary.js";

const prometheusBin = requireBinary("prometheus");
const REPO = join(import.meta.dirname, "..", "..");
const SCRAPE_JOB = "zoran-dashboards-test";
const INSTANCES = 2;

interface PanelQuery {
  readonly name: string;
  readonly expr: string;
}

interface PanelLike {
  readonly title?: string;
  readonly type?: string;
  readonly targets?: readonly { expr?: string; refId?: string }[];
}

/** Grafana's interpolation, with every template variable at "All" (`.*`) and a 10 s rate window. */
function substitute(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "10s")
    .replace(/\$\{?(job|instance|operation|exchange)\}?/g, ".*");
}

const panelQueries: PanelQuery[] = [];
const variableQueries: PanelQuery[] = [];
for (const [file, dashboard] of Object.entries(buildGrafanaDashboards())) {
  for (const panel of (dashboard.panels ?? []) as PanelLike[]) {
    for (const target of panel.targets ?? []) {
      if (target.expr === undefined) continue;
      panelQueries.push({ name: `${file} > ${panel.title} (${target.refId})`, expr: target.expr });
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type === "query" && typeof variable.query === "string") {
      variableQueries.push({ name: `${file} > $${variable.name}`, expr: variable.query });
    }
  }
}

interface PromResponse {
  status: string;
  error?: string;
  data: { resultType: string; result: { metric: Record<string, string>; values?: [number, string][] }[] };
}

/** A scrape target: one `zoran-telemetrie demo` process (the real collector and its /metrics endpoint). */
interface Target {
  readonly address: string;
  stop(): Promise<void>;
}

async function startDemo(): Promise<Target> {
  const port = await freePort();
  const child = spawn(
    join(REPO, "node_modules/.bin/tsx"),
    ["src/cli/main.ts", "demo", "--port", String(port)],
    {
      cwd: REPO,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const address = `127.0.0.1:${port}`;
  try {
    await waitFor(`the demo on ${address}`, 20_000, async () => {
      if (child.exitCode !== null) throw new Error(`demo exited ${child.exitCode}: ${stderr}`);
      return (await fetch(`http://${address}/metrics`)).ok;
    });
  } catch (error) {
    child.kill("SIGTERM");
    throw error;
  }
  return { address, stop: () => stopChild(child) };
}

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/**
 * A scrape target for the AI-exchange families that no running process emits yet
 * (`zoran_refusals_total`, `zoran_time_to_first_token_seconds`: the AI SDK integrations will):
 * the frozen instruments on an OpenTelemetry MeterProvider, serialized by the library's own
 * Prometheus serializer, with new observations before every scrape. The demos provide everything
 * else, including the GenAI token usage (their calls go through `collector.exchange()`).
 */
async function startAiExchangeTarget(): Promise<Target> {
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version);
  const refusals = meter.createCounter(REFUSALS_METRIC.name);
  const firstToken = meter.createHistogram(TIME_TO_FIRST_TOKEN_METRIC.name, {
    unit: TIME_TO_FIRST_TOKEN_METRIC.unit,
    advice: { explicitBucketBoundaries: [...LATENCY_BOUNDS_SECONDS] },
  });
  const server: Server = createServer((_request, response) => {
    for (const [operation, exchange, seconds] of [
      ["chat_completion", "ai_human", 0.3],
      ["injection_4champs", "ai_ai", 0.08],
    ] as const) {
      refusals.add(1, { operation, exchange });
      for (let i = 0; i < 5; i++) firstToken.record(seconds * (0.5 + i / 4), { operation, exchange });
    }
    void reader.collect().then(({ resourceMetrics }) => {
      response
        .writeHead(200, { "content-type": "text/plain; version=0.0.4" })
        .end(serializePrometheus(resourceMetrics));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await provider.shutdown();
    },
  };
}

/**
 * A scrape target with native latency histograms: a collector with `nativeHistograms: true`,
 * recording every 100 ms. Prometheus runs with `--enable-feature=native-histograms`, so it
 * scrapes every target's protobuf page; the demos (classic buckets only) keep their classic series.
 */
async function startNativeTarget(): Promise<Target> {
  const collector = new TelemetryCollector({
    serviceName: "native-target",
    exporter: "prometheus",
    port: 0,
    nativeHistograms: true,
    saturation: false,
    runtimeMetrics: false,
    window: false,
  });
  await collector.start();
  let i = 0;
  const timer = setInterval(() => {
    for (let k = 0; k < 5; k++) {
      collector.recordSignal(GoldenSignals.LATENCY, 0.05 + ((i++ * 37) % 100) / 100, {
        operation: "native_demo",
        exchange: "ai_human",
      });
    }
  }, 100);
  return {
    address: collector.url!.replace("http://", ""),
    async stop() {
      clearInterval(timer);
      await collector.shutdown();
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

describe.skipIf(!prometheusBin)("Grafana dashboard queries on a real Prometheus", () => {
  const targets: Target[] = [];
  let prometheus: ChildProcess | undefined;
  let prometheusUrl = "";
  let dataDir = "";

  async function api(path: string, params: Record<string, string>): Promise<PromResponse> {
    const response = await fetch(`${prometheusUrl}${path}`, {
      method: "POST",
      body: new URLSearchParams(params),
    });
    return (await response.json()) as PromResponse;
  }

  async function rangeQuery(expr: string): Promise<PromResponse> {
    const end = Date.now() / 1000;
    return api("/api/v1/query_range", {
      query: expr,
      start: String(end - 15),
      end: String(end),
      step: "1",
    });
  }

  beforeAll(async () => {
    targets.push(await startNativeTarget());
    for (let i = 0; i < INSTANCES; i++) targets.push(await startDemo());
    const aiTarget = await startAiExchangeTarget();
    targets.push(aiTarget);

    dataDir = mkdtempSync(join(tmpdir(), "zoran-prometheus-"));
    const config = join(dataDir, "prometheus.yml");
    writeFileSync(
      config,
      [
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "scrape_configs:",
        `  - job_name: ${SCRAPE_JOB}`,
        "    static_configs:",
        `      - targets: [${targets.map((t) => `"${t.address}"`).join(", ")}]`,
        "",
      ].join("\n"),
    );
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      prometheusBin!,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dataDir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--enable-feature=native-histograms",
        "--log.level=warn",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    prometheus.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    await waitFor("Prometheus ready", 20_000, async () => {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
      return (await fetch(`${prometheusUrl}/-/ready`)).ok;
    });
    // Enough history for a 10 s rate window on every instance: at least 6 scrapes of each.
    await waitFor("six scrapes of every instance", 40_000, async () => {
      const res = await api("/api/v1/query", {
        query: `count_over_time(sum by (instance) (${REQUESTS_METRIC.promName}{job="${SCRAPE_JOB}"})[10s:1s])`,
      });
      const ready = res.data.result.filter(
        (r) => Number((r as unknown as { value: [number, string] }).value[1]) >= 6,
      );
      return ready.length >= INSTANCES;
    });
  }, 120_000);

  afterAll(async () => {
    if (prometheus) await stopChild(prometheus);
    for (const target of targets) await target.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("finds queries to check in the generated dashboards", () => {
    expect(panelQueries.length).toBeGreaterThanOrEqual(20);
    expect(variableQueries.length).toBe(8);
  });

  it.each(panelQueries)("$name parses and returns data", async ({ expr }) => {
    const res = await rangeQuery(substitute(expr));
    expect(res.error, expr).toBeUndefined();
    expect(res.status).toBe("success");
    expect(res.data.result.length, `no series for ${expr}`).toBeGreaterThan(0);
    const finite = res.data.result
      .flatMap((series) => series.values ?? [])
      .filter(([, v]) => Number.isFinite(Number(v)));
    expect(finite.length, `only NaN/Inf values for ${expr}`).toBeGreaterThan(0);
  });

  it.each(variableQueries)("$name lists values", async ({ expr }) => {
    const match = /^label_values\((.+), (\w+)\)$/.exec(substitute(expr));
    expect(match, expr).not.toBeNull();
    const [, selector, label] = match as unknown as [string, string, string];
    const response = await fetch(
      `${prometheusUrl}/api/v1/label/${label}/values?${new URLSearchParams({ "match[]": selector })}`,
    );
    const body = (await response.json()) as { status: string; data: string[] };
    expect(body.status).toBe("success");
    expect(body.data.length).toBeGreaterThan(0);
  });

  it("sums the request rate of every instance in the overview", async () => {
    const overview = panelQueries.find((q) => q.name.endsWith("> Request rate (A)"));
    expect(overview).toBeDefined();
    // Both at the same evaluation time, or the two rates differ by the traffic in between.
    const time = String(Date.now() / 1000);
    const total = await api("/api/v1/query", { query: substitute(overview!.expr), time });
    const perInstance = await api("/api/v1/query", {
      time,
      query: `sum by (instance) (rate(${REQUESTS_METRIC.promName}{job="${SCRAPE_JOB}"}[10s]))`,
    });
    const value = (r: PromResponse, i: number) =>
      Number((r.data.result[i] as unknown as { value: [number, string] }).value[1]);
    expect(perInstance.data.result.length).toBe(INSTANCES);
    const sum = perInstance.data.result.reduce((acc, _r, i) => acc + value(perInstance, i), 0);
    expect(value(total, 0)).toBeCloseTo(sum, 6);
  });
});
