import type { AiOverheadRow } from "../ai-overhead.bench.js";
import type { BackgroundCost } from "../saturation.bench.js";
import { type CaseResult, type Contender, median } from "./compare.js";
import { type ContenderRow, mergeContenderRows, renderContenderTable } from "./contender-table.js";

/** One `npm run bench` run, as saved in bench/results/*.json. */
export interface BenchResults {
  meta: {
    date: string;
    node: string;
    cpu: string;
    memoryGiB: number;
    /** 1-minute load average before and after: the machine is shared, this says how busy it was. */
    loadBefore: number;
    loadAfter: number;
    durationSeconds: number;
  };
  sections: Partial<{
    record: CaseResult[];
    handle: CaseResult[];
    trace: CaseResult[];
    collect: CaseResult[];
    serialize: CaseResult[];
    memory: CaseResult[];
    scrape: CaseResult[];
    background: BackgroundCost[];
    middleware: ContenderRow[];
    windowMemory: ContenderRow[];
    importTime: ContenderRow[];
    ai: AiOverheadRow[];
  }>;
}

/** Sections whose contenders are named per section (bench/lib/contender-table.ts). */
const CONTENDER_SECTIONS = ["middleware", "windowMemory", "importTime"] as const;

type CaseSection = "record" | "handle" | "trace" | "collect" | "serialize" | "memory" | "scrape";

/** Medians over runs of each run's medians and ratios (the mean of two runs). */
export function mergeRuns(runs: readonly BenchResults[]): BenchResults {
  const first = runs[0];
  if (first === undefined) throw new Error("no runs to merge");
  const merged: BenchResults = { meta: first.meta, sections: {} };
  for (const section of Object.keys(first.sections) as (keyof BenchResults["sections"])[]) {
    if ((CONTENDER_SECTIONS as readonly string[]).includes(section)) {
      const key = section as (typeof CONTENDER_SECTIONS)[number];
      merged.sections[key] = mergeContenderRows(runs.map((run) => run.sections[key]));
      continue;
    }
    if (section === "ai") {
      merged.sections.ai = first.sections.ai?.map((row, i) => {
        const all = runs.map((run) => run.sections.ai?.[i]).filter((r) => r?.name === row.name);
        return {
          ...row,
          cpuMicrosPerCall: median(all.map((r) => r!.cpuMicrosPerCall)),
          ratio: median(all.map((r) => r!.ratio)),
        };
      });
      continue;
    }
    if (section === "background") {
      merged.sections.background = first.sections.background?.map((cost, i) => {
        const all = runs.map((run) => run.sections.background?.[i]).filter((c) => c !== undefined);
        const micros = all.map((c) => c.microsPerTick).filter((m) => m !== undefined);
        return {
          name: cost.name,
          corePercent: median(all.map((c) => c.corePercent)),
          ...(micros.length > 0 ? { microsPerTick: median(micros) } : {}),
        };
      });
      continue;
    }
    const cases = section as CaseSection;
    merged.sections[cases] = first.sections[cases]?.map((result, i) => {
      const all = runs.map((run) => run.sections[cases]?.[i]).filter((r) => r?.name === result.name);
      const medians: CaseResult["medians"] = {};
      for (const who of Object.keys(result.medians) as Contender[]) {
        medians[who] = median(all.map((r) => r!.medians[who]!).filter((v) => v !== undefined));
      }
      const ratios: CaseResult["ratios"] = {};
      for (const key of Object.keys(result.ratios) as (keyof CaseResult["ratios"])[]) {
        ratios[key] = median(all.map((r) => r!.ratios[key]!).filter((v) => v !== undefined));
      }
      return { name: result.name, medians, ratios };
    });
  }
  return merged;
}

function fmt(value: number | undefined, digits = 3): string {
  if (value === undefined || !Number.isFinite(value)) return "";
  if (value >= 1000) return Math.round(value).toLocaleString("en-US");
  if (value >= 100) return value.toFixed(0);
  return value.toPrecision(digits);
}

function ratio(value: number | undefined): string {
  return value === undefined ? "" : `${value.toFixed(value >= 10 ? 0 : 1)}x`;
}

function caseTable(results: readonly CaseResult[] | undefined, unit: string, note = ""): string {
  if (results === undefined) return "_not run_\n";
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${fmt(r.medians.ours)} | ${fmt(r.medians.promClient)} | ${fmt(r.medians.otel)} | ${fmt(r.medians.floor)} | ${ratio(r.ratios.promClient)} | ${ratio(r.ratios.otel)} | ${ratio(r.ratios.floor)} |`,
  );
  return [
    `| case (${unit}${note}) | ours | prom-client | OpenTelemetry | floor | prom-client / ours | OTel / ours | ours / floor |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
  ].join("\n");
}

interface Target {
  readonly path: string;
  readonly target: string;
  readonly measured: (run: BenchResults) => string;
  readonly met: (run: BenchResults) => boolean | undefined;
}

function find(run: BenchResults, section: CaseSection, name: string): CaseResult | undefined {
  return run.sections[section]?.find((r) => r.name === name);
}

const TARGETS: readonly Target[] = [
  ...(["latency", "traffic"] as const).map((signal) => {
    const name = `recordSignal ${signal}, 2 attributes, 1 set`;
    return {
      path: `${signal === "latency" ? "histogram record" : "counter add"}, 2 attributes (\`${name}\`)`,
      target: "<= 1/10 of prom-client, <= 1/25 of OpenTelemetry",
      measured: (run: BenchResults) => {
        const r = find(run, "record", name);
        return r ? `${fmt(r.medians.ours)} ns; ${ratio(r.ratios.promClient)} / ${ratio(r.ratios.otel)}` : "";
      },
      met: (run: BenchResults) => {
        const r = find(run, "record", name);
        return r ? r.ratios.promClient! >= 10 && r.ratios.otel! >= 25 : undefined;
      },
    };
  }),
  {
    path: "pre-resolved series handle (`series handle latency, 1 set`)",
    target: "<= 1.3x the floor",
    measured: (run) => {
      const r = find(run, "handle", "series handle latency, 1 set");
      return r ? `${fmt(r.medians.ours)} ns vs ${fmt(r.medians.floor)} ns: ${ratio(r.ratios.floor)}` : "";
    },
    met: (run) => {
      const r = find(run, "handle", "series handle latency, 1 set");
      return r ? r.ratios.floor! <= 1.3 : undefined;
    },
  },
  {
    path: "`trace()` with its signals, tracing on",
    target: "<= 0.8x OpenTelemetry `startActiveSpan` + `end` alone",
    measured: (run) => {
      const r = find(run, "trace", "trace() sync with 2 recordSignal inside, tracing on");
      return r
        ? `${fmt(r.medians.ours)} ns vs ${fmt(r.medians.otel)} ns: ${r.ratios.otel ? `${(1 / r.ratios.otel).toFixed(2)}x` : ""}`
        : "";
    },
    met: (run) => {
      const r = find(run, "trace", "trace() sync with 2 recordSignal inside, tracing on");
      // ratios.otel is OpenTelemetry / ours: 0.8x means >= 1.25.
      return r ? r.ratios.otel! >= 1.25 : undefined;
    },
  },
  {
    path: "`trace()`, tracing off",
    target: "<= 150 ns",
    measured: (run) =>
      `${fmt(find(run, "trace", "trace() sync, tracing off (request + latency only)")?.medians.ours)} ns`,
    met: (run) => {
      const r = find(run, "trace", "trace() sync, tracing off (request + latency only)");
      return r ? r.medians.ours! <= 150 : undefined;
    },
  },
  ...(["exemplars on, sampled span active", "native histograms"] as const).map((what) => {
    const name = `recordSignal latency, ${what} (floor column: classic record)`;
    return {
      path: `\`recordSignal\` latency, ${what}`,
      target: "<= 1.3x the classic record",
      measured: (run: BenchResults) => {
        const r = find(run, "record", name);
        return r ? `${fmt(r.medians.ours)} ns vs ${fmt(r.medians.floor)} ns: ${ratio(r.ratios.floor)}` : "";
      },
      met: (run: BenchResults) => {
        const r = find(run, "record", name);
        return r ? r.ratios.floor! <= 1.3 : undefined;
      },
    };
  }),
  {
    path: "`/metrics`, 10,000 label sets, ms to bytes",
    target: ">= 20x faster than prom-client",
    measured: (run) => {
      const r = find(run, "serialize", "/metrics text, 10000 sets (to bytes)");
      return r
        ? `${fmt(r.medians.ours)} ms vs ${fmt(r.medians.promClient)} ms: ${ratio(r.ratios.promClient)}`
        : "";
    },
    met: (run) => {
      const r = find(run, "serialize", "/metrics text, 10000 sets (to bytes)");
      return r ? r.ratios.promClient! >= 20 : undefined;
    },
  },
  {
    path: "steady memory per series",
    target: "<= 250 bytes",
    measured: (run) => `${fmt(run.sections.memory?.[0]?.medians.ours)} B`,
    met: (run) => {
      const ours = run.sections.memory?.[0]?.medians.ours;
      return ours === undefined ? undefined : ours <= 250;
    },
  },
  {
    path: "GET /metrics, 1,000 label sets, 8 connections",
    target: ">= 4x prom-client (req/s)",
    measured: (run) =>
      run.sections.scrape
        ?.map(
          (r) => `${r.name.includes("Buffer") ? "Buffer body" : "endpoint"}: ${ratio(r.ratios.promClient)}`,
        )
        .join("; ") ?? "",
    met: (run) => {
      const r = run.sections.scrape?.[0];
      return r ? r.ratios.promClient! >= 4 : undefined;
    },
  },
  {
    path: "an instrumented AI SDK call (`collector.instrument(openai)`, 2,000 calls over loopback)",
    target: "CPU overhead <= OpenLLMetry's, content capture off",
    measured: (run) => {
      const rows = run.sections.ai?.filter((r) => r.transport === "loopback");
      const ours = rows?.find((r) => r.name.startsWith("collector.instrument"));
      const peer = rows?.find((r) => r.name.startsWith("OpenLLMetry"));
      return ours && peer ? `${ours.ratio.toFixed(3)}x vs ${peer.ratio.toFixed(3)}x uninstrumented CPU` : "";
    },
    met: (run) => {
      const rows = run.sections.ai?.filter((r) => r.transport === "loopback");
      const ours = rows?.find((r) => r.name.startsWith("collector.instrument"));
      const peer = rows?.find((r) => r.name.startsWith("OpenLLMetry"));
      return ours && peer ? ours.ratio <= peer.ratio : undefined;
    },
  },
  {
    path: "saturation probes + window store, default intervals",
    target: "< 0.5% of one core",
    measured: (run) => {
      const b = run.sections.background;
      if (b === undefined) return "";
      const sum = b.slice(0, 2).reduce((total, c) => total + c.corePercent, 0);
      return `${sum.toFixed(2)}% (probes ${b[0]?.corePercent.toFixed(2)}%, window ${b[1]?.corePercent.toFixed(2)}%)`;
    },
    met: (run) => {
      const b = run.sections.background;
      return b === undefined ? undefined : b.slice(0, 2).reduce((total, c) => total + c.corePercent, 0) < 0.5;
    },
  },
  {
    path: "HTTP middleware, Express 5 (`expressMiddleware`), CPU per request",
    target: "<= 1.15x the plain framework, below instrumentation-http + -express",
    measured: (run) => {
      const r = run.sections.middleware?.find((row) => row.name.startsWith("Express"));
      return r
        ? `${fmt(r.medians.ours)} µs vs plain ${fmt(r.medians.plain)} µs: ${r.ratios["ours / plain"]?.toFixed(2)}x; OpenTelemetry ${fmt(r.medians.OpenTelemetry)} µs (ours ${r.ratios["ours / OpenTelemetry"]?.toFixed(2)}x of it)`
        : "";
    },
    met: (run) => {
      const r = run.sections.middleware?.find((row) => row.name.startsWith("Express"));
      return r ? r.ratios["ours / plain"]! <= 1.15 && r.ratios["ours / OpenTelemetry"]! < 1 : undefined;
    },
  },
  {
    path: "window store, busy latency series, alerting on",
    target: "<= 16 KB per series at the same retention",
    measured: (run) => {
      const r = run.sections.windowMemory?.find((row) => row.name.includes("busy latency"));
      return r ? `${fmt(r.medians.ours)} B (dense rings before: ${fmt(r.medians["dense (before)"])} B)` : "";
    },
    met: (run) => {
      const r = run.sections.windowMemory?.find((row) => row.name.includes("busy latency"));
      return r ? r.medians.ours! <= 16 * 1024 : undefined;
    },
  },
  ...(["ESM", "CJS"] as const).map((format) => ({
    path: `cold import of the built package, ${format}, CPU`,
    target: "<= prom-client + 50 ms",
    measured: (run: BenchResults) => {
      const r = run.sections.importTime?.[0];
      const d = r?.differences?.[`ours ${format} - prom-client ${format}`];
      return r && d !== undefined
        ? `${fmt(r.medians[`ours ${format}`])} ms vs ${fmt(r.medians[`prom-client ${format}`])} ms: +${fmt(d)} ms`
        : "";
    },
    met: (run: BenchResults) => {
      const d = run.sections.importTime?.[0]?.differences?.[`ours ${format} - prom-client ${format}`];
      return d === undefined ? undefined : d <= 50;
    },
  })),
];

function verdict(met: boolean | undefined): string {
  return met === undefined ? "not run" : met ? "met" : "**gap**";
}

/** The markdown report: targets first (medians over runs, and each run), then every section. */
export function renderReport(merged: BenchResults, runs: readonly BenchResults[]): string {
  const s = merged.sections;
  const out: string[] = [];
  out.push(
    `Runs: ${runs.map((r) => `${r.meta.date.slice(0, 16).replace("T", " ")} UTC (${r.meta.durationSeconds} s, load ${r.meta.loadBefore.toFixed(1)} -> ${r.meta.loadAfter.toFixed(1)})`).join("; ")}.`,
    `Node ${merged.meta.node}, ${merged.meta.cpu}, ${merged.meta.memoryGiB} GiB. Figures are medians over interleaved rounds, then the median of the runs.`,
    "",
    "### Targets",
    "",
    `| path | target | measured (median of runs) | ${runs.map((_, i) => `run ${i + 1}`).join(" | ")} | verdict |`,
    `|---|---|---|${runs.map(() => "---|").join("")}---|`,
    ...TARGETS.map(
      (t) =>
        `| ${t.path} | ${t.target} | ${t.measured(merged)} | ${runs.map((r) => t.measured(r)).join(" | ")} | ${verdict(t.met(merged))} |`,
    ),
    "",
    "### recordSignal",
    "",
    caseTable(s.record, "ns/op"),
    "### Pre-resolved series handle",
    "",
    caseTable(s.handle, "ns/op"),
    "### trace()",
    "",
    caseTable(s.trace, "ns/op"),
    "### Collection",
    "",
    caseTable(s.collect, "ms"),
    "### Serialization and /metrics",
    "",
    caseTable(s.serialize, "ms", "; OpenTelemetry: SDK collection only"),
    "### Memory",
    "",
    caseTable(s.memory, "bytes per series"),
    "### GET /metrics under load",
    "",
    caseTable(s.scrape, "req/s; ratios: ours over prom-client, floor over ours"),
    "### HTTP middlewares (CPU per request of the server process; fetch: of the client)",
    "",
    renderContenderTable(s.middleware),
    "### Window store memory",
    "",
    renderContenderTable(s.windowMemory),
    "### Cold import of the built package",
    "",
    renderContenderTable(s.importTime),
    "### AI SDK call overhead (openai 6 chat completions, CPU per call)",
    "",
    "| contender | transport | CPU per call | ratio to uninstrumented |",
    "|---|---|---:|---:|",
    ...(s.ai ?? []).map(
      (r) => `| ${r.name} | ${r.transport} | ${fmt(r.cpuMicrosPerCall)} µs | ${r.ratio.toFixed(3)}x |`,
    ),
    "",
    "### Background cost of a started collector",
    "",
    "| what | share of one core | CPU per tick |",
    "|---|---:|---:|",
    ...(s.background ?? []).map(
      (c) =>
        `| ${c.name} | ${c.corePercent.toFixed(3)}% | ${c.microsPerTick === undefined ? "" : `${fmt(c.microsPerTick)} µs`} |`,
    ),
    "",
  );
  return out.join("\n");
}
