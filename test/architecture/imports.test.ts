import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The dependency rule of src/ (docs/architecture.md): each folder imports only from folders
 * of a lower layer (type imports count), so no two folders depend on each other; the CLI only
 * through the package's public entry points, like any user.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["signals"], // the vocabulary: signals, metric definitions, label values, PromQL
  ["privacy", "config"], // the scrubber; the one bad-option policy
  ["diagnostics"], // the one logger, failure reports
  ["recording"], // the hot path: store, series, operation scope, the attribute resolver
  ["snapshot"], // the only collect()
  ["window", "endpoint"], // deltas over snapshots; the one HTTP server
  ["exporters"], // serializers and transports; the /metrics route
  ["alerting", "dashboards", "cluster", "saturation"],
  ["web"], // the live page (reads the window and the alert states)
  ["instrument"], // on the Recorder interface, never the collector class
  ["collector"], // the composition root
  ["testing"], // the shipped test helpers
  ["(root)"], // src/index.ts
  ["cli"], // only through the entry points, like a user
];
const ENTRY_POINTS = new Set([
  "index.ts",
  "alerting/index.ts",
  "cluster/index.ts",
  "testing/index.ts",
  "dashboards/index.ts",
]);

const SRC = resolve(import.meta.dirname, "../../src");
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

function folderOf(file: string): string {
  const path = relative(SRC, file);
  return path.includes("/") ? path.split("/")[0]! : "(root)";
}

function layerOf(folder: string): number {
  const layer = LAYERS.findIndex((folders) => folders.includes(folder));
  if (layer < 0)
    throw new Error(`folder src/${folder} has no layer: add it to LAYERS and docs/architecture.md`);
  return layer;
}

interface Edge {
  readonly from: string;
  readonly to: string;
}

function edges(): Edge[] {
  const found: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(IMPORT)) {
      const specifier = (match[1] ?? match[2])!;
      const target = resolve(dirname(file), specifier).replace(/\.js$/, ".ts");
      found.push({ from: relative(SRC, file), to: relative(SRC, target) });
    }
  }
  return found;
}

describe("the dependency rule of src/", () => {
  const all = edges();

  it("reads the imports of every source file", () => {
    expect(all.length).toBeGreaterThan(200);
  });

  it("has every folder in a layer", () => {
    for (const file of sourceFiles(SRC))
      expect(() => layerOf(folderOf(join(SRC, relative(SRC, file))))).not.toThrow();
  });

  it("imports only from the same folder or a lower layer (no folder cycle)", () => {
    const violations = all
      .filter(({ from, to }) => {
        const source = folderOf(join(SRC, from));
        const target = folderOf(join(SRC, to));
        if (source === target || source === "cli") return false;
        return layerOf(target) >= layerOf(source);
      })
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(violations).toEqual([]);
  });

  it("lets the CLI reach the library only through its public entry points", () => {
    const violations = all
      .filter(({ from, to }) => folderOf(join(SRC, from)) === "cli" && folderOf(join(SRC, to)) !== "cli")
      .filter(({ to }) => !ENTRY_POINTS.has(to))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(violations).toEqual([]);
  });
});
