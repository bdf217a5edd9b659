import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineForThisNode, type OtelUserProject, otelUserProject } from "../helpers/otel-user-project.js";
import { type PrometheusServer, startPrometheus, waitFor } from "../helpers/prometheus-server.js";
import { type PushgatewayServer, startPushgateway } from "../helpers/pushgateway.js";
import { requireBinary } from "../helpers/require-binary.js";
import { startVictoriaMetrics, type VictoriaMetricsServer } from "../helpers/victoria-metrics.js";

/**
 * Issue 14, item 5, "must show": a batch job of about one second, the packed package in a user's
 * project, that never calls `shutdown()`. Its exit flush pushes through a real Pushgateway
 * (scraped by a real Prometheus 2.42 with `honor_labels`) and through remote write into a real
 * VictoriaMetrics; the totals read back with PromQL are exact. Then the same job ended by
 * signals: Node's own behaviour is kept (no handler: killed by the signal; the app's handler:
 * the app decides), and the values are pushed either way.
 */
const pushgatewayBin = requireBinary("prometheus-pushgateway");
const prometheusBin = requireBinary("prometheus");
const victoriaBin = requireBinary("victoria-metrics");

const OPERATIONS = 40;
const STEP_MS = 25;

/** The job: 40 operations of 25 ms (1 s), every 10th an invalid response, 100 input tokens each. */
const JOB = `
const { TelemetryCollector, GoldenSignals } = require("zoran-telemetrie");
const run = process.env.RUN;
const collector = new TelemetryCollector({
  serviceName: "nightly-batch",
  resourceAttributes: { "service.instance.id": run },
  exporter: ["pushgateway", "remote_write"],
  pushgateway: { url: process.env.PUSHGATEWAY_URL, groupingKey: { instance: run } },
  remoteWrite: { url: process.env.REMOTE_WRITE_URL },
  ...(process.env.NO_EXIT_FLUSH ? { flushOnExit: false } : {}),
});
(async () => {
  await collector.start();
  const started = Date.now();
  const operations = Number(process.env.OPERATIONS);
  for (let i = 0; i < operations; i++) {
    await collector.trace("import_batch", async () => {
      collector.recordSignal(GoldenSignals.TRAFFIC, 100, { kind: "tokens", direction: "input" });
      if (i % 10 === 9) collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { error_type: "invalid_response" });
      await new Promise((resolve) => setTimeout(resolve, ${STEP_MS}));
    });
  }
  if (process.env.APP_SIGINT_HANDLER) {
    process.once("SIGINT", () => {
      console.log("the app's own SIGINT handler");
      setTimeout(() => process.exit(7), 1000);
    });
  }
  console.log(JSON.stringify({ ready: true, ms: Date.now() - started }));
  // A job that waits for a signal keeps its event loop busy; the others just end.
  if (process.env.WAIT_FOR_SIGNAL) setInterval(() => undefined, 60_000);
})();
`;

interface JobRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe.skipIf(!pushgatewayBin || !prometheusBin || !victoriaBin)(
  `a one-second batch job without shutdown() (OpenTelemetry ${lineForThisNode().name}, Node ${process.versions.node})`,
  () => {
    let project: OtelUserProject;
    let gateway: PushgatewayServer;
    let prometheus: PrometheusServer;
    let victoria: VictoriaMetricsServer;

    beforeAll(async () => {
      [project, gateway, victoria] = await Promise.all([
        otelUserProject(lineForThisNode()),
        startPushgateway({ binary: pushgatewayBin! }),
        startVictoriaMetrics({ binary: victoriaBin! }),
      ]);
      prometheus = await startPrometheus({
        binary: prometheusBin!,
        targets: [gateway.target],
        job: "pushgateway",
        honorLabels: true,
      });
      writeFileSync(join(project.dir, "batch-job.cjs"), JOB);
    }, 660_000);

    afterAll(async () => {
      await Promise.all([prometheus?.stop(), victoria?.stop(), gateway?.stop()]);
    });

    /** Runs the job; `signal` is sent once it printed that its work is done. */
    function runJob(env: Record<string, string>, signal?: NodeJS.Signals): Promise<JobRun> {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["batch-job.cjs"], {
          cwd: project.dir,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            PUSHGATEWAY_URL: gateway.url,
            REMOTE_WRITE_URL: victoria.remoteWriteUrl,
            OPERATIONS: String(OPERATIONS),
            ...env,
          },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString("utf8");
          if (signal !== undefined && stdout.includes('"ready":true')) {
            child.kill(signal);
            signal = undefined;
          }
        });
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString("utf8");
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
        child.on("error", reject);
        child.on("exit", (status, exitSignal) => {
          clearTimeout(timer);
          resolve({ status, signal: exitSignal, stdout, stderr });
        });
      });
    }

    /** The single value of `expr` once Prometheus has scraped it. */
    async function promValue(expr: string): Promise<number> {
      let value: number | undefined;
      await waitFor(`Prometheus to have ${expr}`, 20_000, async () => {
        value = (await prometheus.query(expr))[0]?.value;
        return value !== undefined;
      });
      return value!;
    }

    /** The single value of `expr` once VictoriaMetrics shows it. */
    async function victoriaValue(expr: string): Promise<number> {
      let value: number | undefined;
      await waitFor(`VictoriaMetrics to have ${expr}`, 20_000, async () => {
        await victoria.flush();
        value = (await victoria.query(expr))[0]?.value;
        return value !== undefined;
      });
      return value!;
    }

    describe("ending on its own (the event loop empties: beforeExit)", () => {
      let job: JobRun;

      beforeAll(async () => {
        job = await runJob({ RUN: "run-1" });
      }, 90_000);

      it("ends by itself, with exit code 0, in about a second, and prints nothing on stderr", () => {
        expect(job.stderr).toBe("");
        expect(job.status).toBe(0);
        const { ms } = JSON.parse(job.stdout.trim().split("\n").pop()!) as { ms: number };
        expect(ms).toBeGreaterThanOrEqual(OPERATIONS * STEP_MS);
      });

      it("has pushed through the Pushgateway: exact totals in Prometheus", async () => {
        const labels = 'job="nightly-batch",instance="run-1"';
        expect(await promValue(`sum(zoran_requests_total{${labels},operation="import_batch"})`)).toBe(
          OPERATIONS,
        );
        expect(await promValue(`sum(zoran_errors_total{${labels},error_type="invalid_response"})`)).toBe(
          OPERATIONS / 10,
        );
        expect(await promValue(`sum(zoran_tokens_total{${labels},direction="input"})`)).toBe(
          100 * OPERATIONS,
        );
        expect(await promValue(`sum(zoran_latency_seconds_count{${labels}})`)).toBe(OPERATIONS);
        // Every operation took at least one 25 ms step: none in the buckets below 0.02 s.
        expect(await promValue(`sum(zoran_latency_seconds_bucket{${labels},le="0.02"})`)).toBe(0);
      });

      it("has pushed through remote write: exact totals in VictoriaMetrics", async () => {
        const labels = 'job="nightly-batch",instance="run-1"';
        expect(await victoriaValue(`sum(zoran_requests_total{${labels},operation="import_batch"})`)).toBe(
          OPERATIONS,
        );
        expect(await victoriaValue(`sum(zoran_errors_total{${labels},error_type="invalid_response"})`)).toBe(
          OPERATIONS / 10,
        );
        expect(await victoriaValue(`sum(zoran_tokens_total{${labels},direction="input"})`)).toBe(
          100 * OPERATIONS,
        );
        expect(await victoriaValue(`sum(zoran_latency_seconds_count{${labels}})`)).toBe(OPERATIONS);
      });
    });

    it("without the exit flush (flushOnExit: false) the same job pushes nothing: the issue's failure", async () => {
      const job = await runJob({ RUN: "run-0", NO_EXIT_FLUSH: "1", OPERATIONS: "3" });
      expect(job.status).toBe(0);
      expect((await gateway.groups()).map((group) => group.labels.instance)).not.toContain("run-0");
    }, 90_000);

    it("SIGTERM with no handler of the app's: pushed, then killed by SIGTERM as Node would", async () => {
      const job = await runJob({ RUN: "run-2", WAIT_FOR_SIGNAL: "1", OPERATIONS: "5" }, "SIGTERM");
      expect(job.stderr).toBe("");
      expect(job).toMatchObject({ status: null, signal: "SIGTERM" });
      const page = await gateway.page();
      expect(page).toMatch(/zoran_requests_total\{[^}]*instance="run-2"[^}]*\} 5$/m);
      expect(await victoriaValue('sum(zoran_requests_total{job="nightly-batch",instance="run-2"})')).toBe(5);
    }, 90_000);

    it("SIGINT with the app's own handler: pushed, and the app's handler decides how it ends", async () => {
      const job = await runJob(
        { RUN: "run-3", WAIT_FOR_SIGNAL: "1", APP_SIGINT_HANDLER: "1", OPERATIONS: "6" },
        "SIGINT",
      );
      expect(job.stdout).toContain("the app's own SIGINT handler");
      expect(job).toMatchObject({ status: 7, signal: null });
      expect(await gateway.page()).toMatch(/zoran_requests_total\{[^}]*instance="run-3"[^}]*\} 6$/m);
    }, 90_000);
  },
);
