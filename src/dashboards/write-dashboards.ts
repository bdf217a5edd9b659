/**
 * Writes the generated dashboards to disk: `grafana/` (dashboard JSON and provisioning YAML) and
 * `kibana/` (saved-object NDJSON) under one output folder. `dashboards/` in the repository is
 * this output, committed.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { buildGrafanaDashboards } from "./grafana-dashboards.js";
import { buildGrafanaProvisioning } from "./grafana-provisioning.js";
import { buildKibanaSavedObjects, KIBANA_SAVED_OBJECTS_FILE } from "./kibana-saved-objects.js";

/** Which dashboards to produce. */
export interface DashboardSelection {
  /** Grafana dashboards and provisioning files, under `grafana/`. @default true */
  readonly grafana?: boolean;
  /** Kibana saved objects, under `kibana/`. @default true */
  readonly kibana?: boolean;
}

/** Options of {@link writeDashboards}. */
export interface WriteDashboardsOptions extends DashboardSelection {
  /** Folder that receives `grafana/` and `kibana/` (created when missing). */
  readonly outDir: string;
}

/**
 * The text of every generated file, keyed by its path relative to the output folder (always `/`
 * separated), e.g. `grafana/zoran-golden-signals-overview.json`.
 */
export function renderDashboardFiles(selection: DashboardSelection = {}): Record<string, string> {
  const files: Record<string, string> = {};
  if (selection.grafana ?? true) {
    for (const [name, json] of Object.entries(buildGrafanaDashboards())) {
      files[`grafana/${name}`] = `${JSON.stringify(json, null, 2)}\n`;
    }
    for (const [name, yaml] of Object.entries(buildGrafanaProvisioning())) {
      files[`grafana/${name}`] = yaml;
    }
  }
  if (selection.kibana ?? true) {
    files[`kibana/${KIBANA_SAVED_OBJECTS_FILE}`] = buildKibanaSavedObjects();
  }
  return files;
}

/**
 * Generates the selected dashboards into `outDir`, overwriting files of the same name.
 * Resolves to the paths written.
 *
 * @example
 * await writeDashboards({ outDir: "dashboards", grafana: true, kibana: false });
 */
export async function writeDashboards(options: WriteDashboardsOptions): Promise<string[]> {
  const written: string[] = [];
  for (const [relative, text] of Object.entries(renderDashboardFiles(options))) {
    const path = join(options.outDir, ...relative.split("/"));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, "utf8");
    written.push(path);
  }
  return written;
}
