import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { renderDashboardFiles } from "../../src/dashboards/write-dashboards.js";

const DASHBOARDS_DIR = join(import.meta.dirname, "..", "..", "dashboards");
const GENERATED_FOLDERS = ["grafana", "kibana"];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(DASHBOARDS_DIR, join(entry.parentPath, entry.name)).split(sep).join("/"));
}

describe("committed dashboards", () => {
  const generated = renderDashboardFiles();
  const regenerate = "regenerate with: npx tsx src/cli/main.ts dashboards --out dashboards";

  it.each(Object.keys(generated))("dashboards/%s equals what the generator produces", (path) => {
    const committed = readFileSync(join(DASHBOARDS_DIR, ...path.split("/")), "utf8");
    expect(committed, `dashboards/${path} drifted: ${regenerate}`).toBe(generated[path]);
  });

  it("holds no stale file the generator no longer produces", () => {
    const committed = GENERATED_FOLDERS.flatMap((folder) => filesUnder(join(DASHBOARDS_DIR, folder)));
    expect(committed.sort()).toEqual(Object.keys(generated).sort());
  });
});
