import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type ContenderRow, contenderRow } from "./lib/contender-table.js";
import { ensureBuilt, ROOT } from "./lib/ensure-built.js";

/**
 * Cold import of the built package (`dist/`, as users get it) beside prom-client: ESM `import`
 * and CommonJS `require`, each in a fresh `node` process, contenders interleaved round by round.
 *
 * - import CPU: `process.cpuUsage()` around the `import()` / `require()` inside the process (user
 *   + system, all threads): what the package costs, less sensitive to the machine's load than time.
 * - process wall: spawn to exit of `node -e "<import>"`, beside `node` with nothing to import
 *   (what `hyperfine 'node -e ...'` measures; noisy on a loaded machine).
 *
 * Builds the package first when `dist/` is older than `src/`.
 */

type Contender = "ours ESM" | "prom-client ESM" | "ours CJS" | "prom-client CJS" | "node alone";

function script(who: Contender): { file: string; source: string } {
  const ours = join(ROOT, "dist");
  const prom = join(ROOT, "node_modules/prom-client/index.js");
  const measure = (load: string) =>
    `const t0 = process.cpuUsage(); ${load}; const t = process.cpuUsage(t0); process.stdout.write(String((t.user + t.system) / 1000));`;
  switch (who) {
    case "ours ESM":
      return { file: "ours.mjs", source: measure(`await import(${JSON.stringify(join(ours, "index.js"))})`) };
    case "prom-client ESM":
      return { file: "prom.mjs", source: measure(`await import(${JSON.stringify(prom)})`) };
    case "ours CJS":
      return { file: "ours.cjs", source: measure(`require(${JSON.stringify(join(ours, "index.cjs"))})`) };
    case "prom-client CJS":
      return { file: "prom.cjs", source: measure(`require(${JSON.stringify(prom)})`) };
    default:
      return { file: "none.mjs", source: measure("void 0") };
  }
}

/** `rounds` rounds of every contender, in rotated order, each a fresh process. */
export async function runImportTimeBench(options: { rounds?: number } = {}): Promise<ContenderRow[]> {
  const rounds = options.rounds ?? 15;
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), "zoran-import-"));
  const contenders: Contender[] = [
    "ours ESM",
    "prom-client ESM",
    "ours CJS",
    "prom-client CJS",
    "node alone",
  ];
  const files = new Map<Contender, string>();
  for (const who of contenders) {
    const { file, source } = script(who);
    writeFileSync(join(dir, file), source);
    files.set(who, join(dir, file));
  }
  const cpu = new Map<string, number[]>(contenders.map((who) => [who, []]));
  const wall = new Map<string, number[]>(contenders.map((who) => [who, []]));
  const loadBefore = loadavg()[0]!;
  try {
    for (let round = 0; round < rounds + 1; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const who = contenders[(k + round) % contenders.length]!;
        const start = performance.now();
        const child = spawnSync(process.execPath, [files.get(who)!], { encoding: "utf8", timeout: 60_000 });
        const elapsed = performance.now() - start;
        if (child.status !== 0) throw new Error(`import-time child ${who} failed: ${child.stderr}`);
        // Round 0 warms the file-system cache: not counted.
        if (round === 0) continue;
        cpu.get(who)!.push(Number(child.stdout));
        wall.get(who)!.push(elapsed);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pairs: [string, string][] = [
    ["ours ESM", "prom-client ESM"],
    ["ours CJS", "prom-client CJS"],
  ];
  const importOnly = new Map([...cpu].filter(([who]) => who !== "node alone"));
  return [
    contenderRow(
      "cold import, CPU of the import inside the process",
      "ms",
      importOnly,
      pairs,
      loadBefore,
      pairs,
    ),
    contenderRow("cold import, whole process wall time", "ms", wall, pairs, loadBefore, pairs),
  ];
}
