import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InstalledPackage, installedPackage } from "./installed-package.js";
import { runProcess, userEnv } from "./run-process.js";
import { MODULE_SYSTEMS, writeUserScript } from "./write-user-script.js";

const README = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");

/** What the README's example records, as the Prometheus text of the golden-signal families. */
const LABELS = 'operation="injection_4champs",exchange="none"';
const BOUNDS = [
  "0.01",
  "0.02",
  "0.04",
  "0.08",
  "0.16",
  "0.32",
  "0.64",
  "1.28",
  "2.56",
  "5.12",
  "10.24",
  "20.48",
  "40.96",
  "81.92",
  "+Inf",
];
const EXPECTED_SERIES = [
  ...BOUNDS.map(
    (le) => `zoran_latency_seconds_bucket{${LABELS},outcome="ok",le="${le}"} ${Number(le) < 0.245 ? 0 : 1}`,
  ),
  `zoran_latency_seconds_sum{${LABELS},outcome="ok"} 0.245`,
  `zoran_latency_seconds_count{${LABELS},outcome="ok"} 1`,
  `zoran_requests_total{${LABELS},outcome="ok"} 1`,
  `zoran_exchange_size_bytes_total{${LABELS},direction="none"} 1024`,
  `zoran_saturation_ratio{resource="custom"} 0.32`,
];

/**
 * The README's "Use" snippet, as a user copies it: its imports, and its statements with the port
 * set to 0 (a free one: `npm start` may hold 9464 beside the tests).
 */
function readmeUseSnippet(): { imports: Record<string, string[]>; body: string } {
  const block = /^## Use\n+```ts\n([\s\S]*?)```/m.exec(README);
  if (!block) throw new Error('README.md has no "## Use" section starting with a ```ts block');
  const imports: Record<string, string[]> = {};
  const body = block[1]!
    .replace(/^import \{([^}]+)\} from "([^"]+)";\n/gm, (_line, names: string, specifier: string) => {
      imports[specifier] = names.split(",").map((name) => name.trim());
      return "";
    })
    .replace(/\bport: \d+/, "port: 0");
  return { imports, body };
}

/**
 * Runs the snippet with two reads added: `export("prometheus")` after the traced operation (before
 * `start()`, where the README says it works) and a scrape of the endpoint between `start()` and
 * `shutdown()`. The process must then end by itself: shutdown leaves no socket or timer behind.
 */
function seedScript(): { imports: Record<string, string[]>; body: string } {
  const { imports, body } = readmeUseSnippet();
  const start = "await collector.start();";
  const shutdown = "await collector.shutdown();";
  if (!body.includes(start) || !body.includes(shutdown)) {
    throw new Error(`the README's "Use" snippet no longer calls ${start} and ${shutdown}`);
  }
  const withReads = body
    .replace(start, `const exported = await collector.export("prometheus");\n${start}`)
    .replace(
      shutdown,
      `const scraped = await (await fetch(collector.url + "/metrics")).text();\n${shutdown}\n` +
        "console.log(JSON.stringify({ exported, scraped }));",
    );
  return { imports, body: withReads };
}

/** Sample lines of the golden-signal families (the collector's own `zoran_telemetry_*` aside). */
function goldenSignalSamples(text: string): string[] {
  return text.split("\n").filter((line) => line.startsWith("zoran_") && !line.startsWith("zoran_telemetry_"));
}

describe("the README's seed example, run from the installed package", () => {
  let pkg: InstalledPackage;
  let dir: string;
  beforeAll(async () => {
    pkg = await installedPackage();
    dir = mkdtempSync(join(pkg.projectDir, "seed-"));
  }, 660_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const system of MODULE_SYSTEMS) {
    it(`records exactly the example's series (${system.name})`, async () => {
      const script = writeUserScript(dir, "seed-example", system, seedScript());
      const result = await runProcess(process.execPath, [script], {
        cwd: dir,
        env: userEnv(),
        timeoutMs: 20_000,
      });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const { exported, scraped } = JSON.parse(result.stdout) as { exported: string; scraped: string };
      expect(goldenSignalSamples(exported)).toEqual(EXPECTED_SERIES);
      expect(exported).toMatch(/^target_info\{service_name="zoran-core",/m);
      // The endpoint serves the same series; the probes started with start() add their resources.
      const scrapedSamples = goldenSignalSamples(scraped);
      for (const line of EXPECTED_SERIES) expect(scrapedSamples).toContain(line);
      expect(
        scrapedSamples.filter((line) => line.startsWith('zoran_saturation_ratio{resource="cpu"')),
      ).toHaveLength(1);
    }, 30_000);
  }
});
