/**
 * Fleet simulation on two real engines: 20 collector instances, each its own process on
 * 127.0.0.1, found by a real Prometheus 2.42 through file-based service discovery, which
 * remote-writes everything to a real VictoriaMetrics. Each instance records a deterministic
 * workload (test/cluster/fleet-workload.ts), so the fleet's request rate, error ratio and p95
 * latency are known; both engines must return them, through the Grafana dashboards' own queries
 * while the fleet runs, and exactly from the totals once it has stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGrafanaDashboards } from "../../src/dashboards/grafana-dashboards.js";
import { ERRORS_METRIC, LATENCY_METRIC, REQUESTS_METRIC } from "../../src/signals/metric-definitions.js";
import { type Fleet, startFleet } from "../cluster/fleet-processes.js";
import { type FleetPrometheus, startFleetPrometheus } from "../cluster/fleet-prometheus.js";
import {
  bucketAround,
  bucketQuantile,
  CYCLE_LATENCIES_SECONDS,
  exactQuantile,
  fleetTotals,
} from "../cluster/fleet-workload.js";
import { type VectorSample, waitFor } from "../helpers/prometheus-server.js";
import { requireBinary } from "../helpers/require-binary.js";
import { startVictoriaMetrics, type VictoriaMetricsServer } from "../helpers/victoria-metrics.js";

const prometheusBin = requireBinary("prometheus");
const victoriaBin = requireBinary("victoria-metrics");
const INSTANCES = 20;
const JOB = "zoran-fleet";
const DURATION_SECONDS = 22;
/** Rate window of the dashboards' `$__rate_interval` here: ten 1 s scrapes. */
const RATE_WINDOW = "10s";

interface PanelQuery {
  readonly name: string;
  readonly expr: string;
}

/** Families of the AI-exchange panels: emitted by AI calls, which the fleet does not make. */
const AI_EXCHANGE_FAMILIES =
  /\b(gen_ai_client_token_usage|zoran_refusals_total|zoran_time_to_first_token_seconds)/;
const panelQueries: PanelQuery[] = [];
for (const [file, dashboard] of Object.entries(buildGrafanaDashboards())) {
  for (const panel of (dashboard.panels ?? []) as {
    title?: string;
    targets?: { expr?: string; refId?: string }[];
  }[]) {
    for (const target of panel.targets ?? []) {
      // The fleet's workload is golden signals only, in classic histograms: the AI-exchange panels
      // (GenAI tokens, refusals, time to first token) and the native-histogram panels are run on
      // such data by test/integration/grafana-queries.test.ts.
      if (
        target.expr !== undefined &&
        !AI_EXCHANGE_FAMILIES.test(target.expr) &&
        !panel.title?.includes("(native histograms)")
      )
        panelQueries.push({ name: `${file} > ${panel.title} (${target.refId})`, expr: target.expr });
    }
  }
}

/** Grafana's interpolation with every variable at "All" and the fleet job. */
function substitute(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", RATE_WINDOW)
    .replace(/\$\{?job\}?/g, JOB)
    .replace(/\$\{?(instance|operation|exchange)\}?/g, ".*");
}

function overviewPanel(title: string): string {
  const found = panelQueries.find((q) => q.name.includes("overview") && q.name.endsWith(`> ${title} (A)`));
  if (found === undefined) throw new Error(`no overview panel "${title}"`);
  return substitute(found.expr);
}

function single(result: VectorSample[], what: string): number {
  expect(result.length, `${what}: one series`).toBe(1);
  return result[0]!.value;
}

type Engine = { name: string; query(expr: string, time?: number): Promise<VectorSample[]> };

describe.skipIf(!prometheusBin || !victoriaBin)(
  "a fleet of 20 instances on Prometheus and VictoriaMetrics",
  () => {
    let fleet: Fleet | undefined;
    let prometheus: FleetPrometheus | undefined;
    let victoria: VictoriaMetricsServer | undefined;
    let engines: Engine[] = [];
    let running: Promise<number[]> = Promise.resolve([]);
    let goSeconds = 0;
    const expected = fleetTotals(INSTANCES, DURATION_SECONDS);

    beforeAll(async () => {
      victoria = await startVictoriaMetrics({ binary: victoriaBin! });
      [fleet, prometheus] = await Promise.all([
        startFleet(INSTANCES),
        startFleetPrometheus({ binary: prometheusBin!, job: JOB, remoteWriteUrl: victoria.remoteWriteUrl }),
      ]);
      const vm = victoria;
      engines = [
        { name: "Prometheus", query: (expr, time) => prometheus!.query(expr, time) },
        {
          name: "VictoriaMetrics",
          query: async (expr, time) => {
            await vm.flush();
            return vm.query(expr, time);
          },
        },
      ];
      prometheus.setTargets(
        fleet.instances.map((i) => i.address),
        { env: "fleet-test" },
      );
      await waitFor("every instance discovered and scraped", 30_000, async () => {
        const up = await prometheus!.query(`sum(up{job="${JOB}"})`);
        return up[0]?.value === INSTANCES;
      });
      goSeconds = Date.now() / 1000;
      running = Promise.all(fleet.instances.map((instance) => instance.run(DURATION_SECONDS)));
    }, 90_000);

    afterAll(async () => {
      await prometheus?.stop();
      await victoria?.stop();
      await fleet?.stop();
    });

    it("knows what the fleet records: 140 requests/s, 10% errors, a p95 inside one bucket", () => {
      expect(expected.requestRate).toBe(140);
      expect(expected.requests).toBe(140 * DURATION_SECONDS);
      expect(expected.errors / expected.requests).toBe(0.1);
      const truth = exactQuantile(
        0.95,
        [...CYCLE_LATENCIES_SECONDS].sort((a, b) => a - b),
      );
      expect(bucketAround(truth)).toEqual([1.28, 2.56]);
    });

    it("returns the fleet's request rate, error ratio and p95 through the dashboards' queries, on both engines", async () => {
      // A window well inside the run, from 8 s after "go" to 18 s after: by 8 s every instance
      // has failed with each error type at least once, so every series exists before the window
      // opens (rate() cannot count the first increment of a series born inside its window).
      // Then give both engines time to have every sample of it (scrape, remote_write within 1 s).
      const at = goSeconds + 18;
      await waitFor("the window to be scraped and written", 30_000, () => Date.now() / 1000 > at + 3);
      const truthP95 = exactQuantile(
        0.95,
        [...CYCLE_LATENCIES_SECONDS].sort((a, b) => a - b),
      );
      const [low, high] = bucketAround(truthP95);
      for (const engine of engines) {
        const rate = single(await engine.query(overviewPanel("Request rate"), at), `${engine.name} rate`);
        // Within 5%: rate() extrapolates to the window's edges from 1 s samples.
        expect(rate, `${engine.name} request rate`).toBeGreaterThan(expected.requestRate * 0.95);
        expect(rate, `${engine.name} request rate`).toBeLessThan(expected.requestRate * 1.05);
        const ratio = single(await engine.query(overviewPanel("Error ratio"), at), `${engine.name} ratio`);
        // One operation in ten fails: n consecutive operations hold floor(n/10) or ceil(n/10)
        // failures, so each instance's window is off by at most one failure, the fleet's by at most
        // 20 in ~1,400 operations (+-0.015; the phases spread the cuts, so it is usually far less).
        expect(Math.abs(ratio - 0.1), `${engine.name} error ratio ${ratio}`).toBeLessThanOrEqual(0.015);
        const p95 = single(await engine.query(overviewPanel("Latency p95"), at), `${engine.name} p95`);
        // A quantile from buckets is known to within the bucket holding it: (1.28, 2.56] here.
        expect(p95, `${engine.name} p95`).toBeGreaterThan(low);
        expect(p95, `${engine.name} p95`).toBeLessThanOrEqual(high);
        expect(Math.abs(p95 - truthP95)).toBeLessThanOrEqual(high - low);
        // The measured fleet view, for the log.
        console.info(
          `${engine.name}: ${rate.toFixed(1)} req/s, error ratio ${ratio.toFixed(4)}, p95 ${p95.toFixed(3)} s`,
        );
      }
    }, 60_000);

    it("answers every dashboard query with the fleet's data on both engines", async () => {
      const at = Math.min(Date.now() / 1000 - 2, goSeconds + DURATION_SECONDS - 1);
      const empty: string[] = [];
      for (const engine of engines) {
        for (const { name, expr } of panelQueries) {
          const result = await engine.query(substitute(expr), at);
          const finite = result.filter((sample) => Number.isFinite(sample.value));
          if (finite.length === 0) empty.push(`${engine.name}: ${name}`);
        }
      }
      expect(panelQueries.length).toBeGreaterThanOrEqual(20);
      expect(empty, empty.join("\n")).toEqual([]);
    }, 60_000);

    it("returns the exact totals, error ratio and bucket p95 on both engines once the fleet has stopped", async () => {
      const recorded = await running;
      expect(recorded.reduce((a, b) => a + b, 0)).toBe(expected.requests);
      const requests = `sum(${REQUESTS_METRIC.promName}{job="${JOB}"})`;
      const errors = `sum(${ERRORS_METRIC.promName}{job="${JOB}"})`;
      const p95 = `histogram_quantile(0.95, sum by (le) (${LATENCY_METRIC.promName}_bucket{job="${JOB}"}))`;
      const expectedP95 = bucketQuantile(0.95, expected.bucketCounts);
      const truthP95 = exactQuantile(0.95, expected.latencies);
      for (const engine of engines) {
        await waitFor(`${engine.name} to hold the final totals`, 20_000, async () => {
          const total = await engine.query(requests);
          return total[0]?.value === expected.requests;
        });
        expect(single(await engine.query(errors), `${engine.name} errors`)).toBe(expected.errors);
        const estimate = single(await engine.query(p95), `${engine.name} p95`);
        expect(estimate).toBeCloseTo(expectedP95, 9);
        const [low, high] = bucketAround(truthP95);
        expect(Math.abs(estimate - truthP95)).toBeLessThanOrEqual(high - low);
      }
    }, 60_000);
  },
);
