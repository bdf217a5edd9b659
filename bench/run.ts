import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { type AiOverheadRow, runAiOverheadBench } from "./ai-overhead.bench.js";
import { runCollectBench } from "./collect.bench.js";
import { runHandleBench } from "./handle.bench.js";
import { runImportTimeBench } from "./import-time.bench.js";
import type { CaseResult } from "./lib/compare.js";
import type { ContenderRow } from "./lib/contender-table.js";
import { type BenchResults, mergeRuns, renderReport } from "./lib/report.js";
import { runMemoryBench } from "./memory.bench.js";
import { runMiddlewareBench } from "./middleware.bench.js";
import { runRecordBench } from "./record.bench.js";
import { type BackgroundCost, runSaturationBench } from "./saturation.bench.js";
import { runScrapeBench } from "./scrape.bench.js";
import { runSerializeBench } from "./serialize.bench.js";
import { runTraceBench } from "./trace.bench.js";
import { runWindowMemoryBench } from "./window-memory.bench.js";

/**
 * `npm run bench`: every hot path beside prom-client, the OpenTelemetry SDK and the floor, in one
 * process, printed as markdown (about 4 minutes on 2 cores; the `ai` section adds about 30 s).
 *
 *   npm run bench                          all sections, markdown on stdout, JSON in bench/results/
 *   npm run bench -- record trace          some sections only (record handle trace collect serialize
 *                                          memory scrape background middleware window-memory import-time)
 *   npm run bench -- --quick               one round each (a smoke run; figures are rough)
 *   npm run bench -- --report a.json b.json --write
 *                                          medians over saved runs, written to docs/benchmarks.md
 */
const SECTIONS = [
  "record",
  "handle",
  "trace",
  "collect",
  "serialize",
  "memory",
  "scrape",
  "background",
  "middleware",
  "window-memory",
  "import-time",
  "ai",
] as const;
type Section = (typeof SECTIONS)[number];

/** Where a section's results are kept in the JSON (camelCase keys of `BenchResults`). */
const SECTION_KEYS: Partial<Record<Section, keyof BenchResults["sections"]>> = {
  "window-memory": "windowMemory",
  "import-time": "importTime",
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: "boolean", default: false },
    write: { type: "boolean", default: false },
    report: { type: "boolean", default: false },
  },
});

const DOC_PATH = new URL("../docs/benchmarks.md", import.meta.url);

if (values.report) {
  const runs = positionals.map((path) => JSON.parse(readFileSync(path, "utf8")) as BenchResults);
  const report = renderReport(mergeRuns(runs), runs);
  process.stdout.write(report);
  if (values.write) writeDoc(report);
} else {
  const wanted = positionals.length === 0 ? SECTIONS : (positionals as Section[]);
  const quick = values.quick;
  const started = performance.now();
  const results: BenchResults = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      cpu: `${cpus()[0]?.model ?? "unknown"} x ${cpus().length}`,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadBefore: loadavg()[0]!,
      loadAfter: 0,
      durationSeconds: 0,
    },
    sections: {},
  };
  const rounds = (full: number) => ({ rounds: quick ? 1 : full });
  for (const section of wanted) {
    const t0 = performance.now();
    process.stderr.write(`bench: ${section}...`);
    let out: CaseResult[] | BackgroundCost[] | ContenderRow[] | AiOverheadRow[];
    switch (section) {
      case "record":
        out = await runRecordBench(rounds(3));
        break;
      case "handle":
        out = await runHandleBench(rounds(3));
        break;
      case "trace":
        out = await runTraceBench(rounds(5));
        break;
      case "collect":
        out = await runCollectBench(rounds(3));
        break;
      case "serialize":
        out = await runSerializeBench(rounds(3));
        break;
      case "memory":
        out = await runMemoryBench(rounds(2));
        break;
      case "scrape":
        out = await runScrapeBench(rounds(2));
        break;
      case "background":
        out = await runSaturationBench(rounds(3));
        break;
      case "middleware":
        out = await runMiddlewareBench(quick ? { rounds: 1, seconds: 1 } : { rounds: 5, seconds: 3 });
        break;
      case "window-memory":
        out = await runWindowMemoryBench(rounds(2));
        break;
      case "import-time":
        out = await runImportTimeBench(quick ? { rounds: 3 } : { rounds: 15 });
        break;
      case "ai":
        out = await runAiOverheadBench({ quick });
        break;
      default:
        throw new Error(`unknown section ${String(section)}; one of ${SECTIONS.join(", ")}`);
    }
    results.sections[SECTION_KEYS[section] ?? (section as keyof BenchResults["sections"])] = out as never;
    process.stderr.write(` ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  results.meta.loadAfter = loadavg()[0]!;
  results.meta.durationSeconds = Math.round((performance.now() - started) / 1000);
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  const file = new URL(`./results/${results.meta.date.replace(/[:.]/g, "-")}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`bench: results in ${file.pathname}\n`);
  const report = renderReport(results, [results]);
  process.stdout.write(report);
  if (values.write) writeDoc(report);
}

/** Replaces the generated part of docs/benchmarks.md (between the markers), keeping the prose. */
function writeDoc(report: string): void {
  const begin = "<!-- bench:begin (generated by `npm run bench -- --report ... --write`) -->";
  const end = "<!-- bench:end -->";
  let doc = "";
  try {
    doc = readFileSync(DOC_PATH, "utf8");
  } catch {
    doc = `# Benchmarks\n\n${begin}\n${end}\n`;
  }
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error("docs/benchmarks.md lost its bench markers");
  writeFileSync(DOC_PATH, `${doc.slice(0, from + begin.length)}\n${report}${doc.slice(to)}`);
}
