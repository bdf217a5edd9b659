/**
 * How scraping a fleet grows with instances and series: real collector processes (one per
 * instance, test/cluster/fleet-processes.ts), a real Prometheus 2.42 scraping them through file
 * SD and remote-writing to a real VictoriaMetrics, for 20 and 50 instances serving ~100 and
 * ~10,000 series each. Prints a markdown table (docs/scaling.md carries the results).
 *
 *   npx tsx bench/fleet-scaling.ts [--interval 2] [--seconds 30] [--only 20x100]
 *
 * Per configuration, after the first full scrape round, over `seconds`:
 * - per target: median and max `scrape_duration_seconds`, samples per scrape, body bytes;
 * - per instance: resident memory, CPU time spent per scrape (from /proc, so serving /metrics
 *   plus the idle collector's probes and timers);
 * - Prometheus: head series, resident memory, CPU cores used; VictoriaMetrics: resident memory.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type Fleet, startFleet } from "../test/cluster/fleet-processes.js";
import { type FleetPrometheus, startFleetPrometheus } from "../test/cluster/fleet-prometheus.js";
import { waitFor } from "../test/helpers/prometheus-server.js";
import { startVictoriaMetrics, type VictoriaMetricsServer } from "../test/helpers/victoria-metrics.js";

const { values } = parseArgs({
  options: {
    interval: { type: "string", default: "5" },
    seconds: { type: "string", default: "30" },
    only: { type: "string" },
  },
});
const INTERVAL_SECONDS = Number(values.interval);
const RUN_SECONDS = Number(values.seconds);
const JOB = "zoran-fleet";
const CONFIGS: readonly [instances: number, extraSeries: number][] = [
  [20, 80],
  [20, 10_000],
  [50, 80],
  [50, 10_000],
];

/** CPU seconds (user + system) of a process so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // Fields after the command: state is [0], utime [11], stime [12], in clock ticks (100/s).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function promMetric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

interface Row {
  instances: number;
  /** Share of scrapes that succeeded within the timeout (= interval). */
  upPercent: number;
  seriesPerInstance: number;
  bodyKiB: number;
  scrapeMedianMs: number;
  scrapeMaxMs: number;
  instanceRssMiB: number;
  instanceCpuMsPerScrape: number;
  headSeries: number;
  prometheusRssMiB: number;
  prometheusCores: number;
  victoriaRssMiB: number;
}

async function measure(instances: number, extraSeries: number): Promise<Row> {
  let fleet: Fleet | undefined;
  let prometheus: FleetPrometheus | undefined;
  let victoria: VictoriaMetricsServer | undefined;
  try {
    victoria = await startVictoriaMetrics({ binary: "/usr/bin/victoria-metrics" });
    fleet = await startFleet(instances, { series: extraSeries, timeoutMs: 120_000 });
    prometheus = await startFleetPrometheus({
      binary: "/usr/bin/prometheus",
      job: JOB,
      scrapeIntervalSeconds: INTERVAL_SECONDS,
      remoteWriteUrl: victoria.remoteWriteUrl,
    });
    const body = await (await fetch(`http://${fleet.instances[0]!.address}/metrics`)).text();
    prometheus.setTargets(fleet.instances.map((i) => i.address));
    const p = prometheus;
    // Every target tried once (a series of `up` each); a scrape that times out counts as down.
    await waitFor("every target tried", 120_000, async () => {
      const tried = await p.query(`count(up{job="${JOB}"})`);
      return tried[0]?.value === instances;
    });
    const pids = fleet.instances.map((i) => i.child.pid);
    const cpuBefore = pids.map(cpuSeconds);
    const promCpuBefore = await promMetric(prometheus.url, "process_cpu_seconds_total");
    const started = Date.now();
    const samples: number[] = [];
    while (Date.now() - started < RUN_SECONDS * 1000) {
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_SECONDS * 1000));
      for (const s of await prometheus.query(`scrape_duration_seconds{job="${JOB}"}`)) samples.push(s.value);
    }
    const elapsed = (Date.now() - started) / 1000;
    const upRatio = (await prometheus.query(`avg(avg_over_time(up{job="${JOB}"}[${RUN_SECONDS}s]))`))[0]
      ?.value;
    const cpuAfter = pids.map(cpuSeconds);
    const promCpuAfter = await promMetric(prometheus.url, "process_cpu_seconds_total");
    const scrapes = elapsed / INTERVAL_SECONDS;
    const cpuPerScrape =
      cpuAfter.reduce((total, after, i) => total + (after - cpuBefore[i]!), 0) / instances / scrapes;
    samples.sort((a, b) => a - b);
    const rss = fleet.residentBytes();
    return {
      instances,
      upPercent: (upRatio ?? Number.NaN) * 100,
      seriesPerInstance: body.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length,
      bodyKiB: Buffer.byteLength(body) / 1024,
      scrapeMedianMs: (samples[Math.floor(samples.length / 2)] ?? Number.NaN) * 1000,
      scrapeMaxMs: (samples[samples.length - 1] ?? Number.NaN) * 1000,
      instanceRssMiB: rss.reduce((a, b) => a + b, 0) / rss.length / 2 ** 20,
      instanceCpuMsPerScrape: cpuPerScrape * 1000,
      headSeries: await promMetric(prometheus.url, "prometheus_tsdb_head_series"),
      prometheusRssMiB: (await prometheus.residentBytes()) / 2 ** 20,
      prometheusCores: (promCpuAfter - promCpuBefore) / elapsed,
      victoriaRssMiB: (await victoria.residentBytes()) / 2 ** 20,
    };
  } finally {
    await prometheus?.stop();
    await victoria?.stop();
    await fleet?.stop();
  }
}

const fixed = (n: number, digits = 0) => n.toFixed(digits);
const { cpus, loadavg } = await import("node:os");
console.log(
  `Node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at start; scrape interval = timeout = ${INTERVAL_SECONDS} s, ${RUN_SECONDS} s per row.\n`,
);
console.log(
  "| instances | series / instance | body KiB | scrapes up % | scrape median ms | scrape max ms | instance RSS MiB | instance CPU ms / interval | Prometheus head series | Prometheus RSS MiB | Prometheus cores | VictoriaMetrics RSS MiB |",
);
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const [instances, extra] of CONFIGS) {
  if (values.only !== undefined && values.only !== `${instances}x${extra}`) continue;
  process.stderr.write(`measuring ${instances} instances, ${extra} extra series each...\n`);
  const r = await measure(instances, extra);
  console.log(
    `| ${r.instances} | ${r.seriesPerInstance} | ${fixed(r.bodyKiB)} | ${fixed(r.upPercent)} | ${fixed(r.scrapeMedianMs, 1)} | ${fixed(r.scrapeMaxMs, 1)} | ${fixed(r.instanceRssMiB)} | ${fixed(r.instanceCpuMsPerScrape, 1)} | ${r.headSeries} | ${fixed(r.prometheusRssMiB)} | ${fixed(r.prometheusCores, 2)} | ${fixed(r.victoriaRssMiB)} |`,
  );
}
process.exit(0);
