import { resolve } from "node:path";
import { writeDashboards } from "zoran-telemetrie/dashboards";
import { type CommandSpec, describeError, runCommand, UsageError } from "./command-line.js";
import { writeOut } from "./stdout-closed.js";

/** The dashboards command's flags. */
export const DASHBOARDS_COMMAND = {
  name: "dashboards",
  summary: "write the Grafana and Kibana dashboards (--out DIR)",
  synopsis: "--out DIR [--grafana] [--kibana]",
  description:
    "Writes DIR/grafana/ (dashboard JSON, provisioning YAML) and DIR/kibana/ (saved-object NDJSON).\n" +
    "With neither --grafana nor --kibana, writes both.",
  flags: {
    out: { type: "string", short: "o", valueName: "DIR", description: "folder to write into (required)" },
    grafana: { type: "boolean", description: "write the Grafana files" },
    kibana: { type: "boolean", description: "write the Kibana files" },
  },
} as const satisfies CommandSpec;

/**
 * `zoran-telemetrie dashboards --out DIR [--grafana] [--kibana]`: regenerates the Grafana and
 * Kibana dashboards from the metric definitions. Resolves to the exit code: 0 on success, 2 on
 * bad usage, 1 when a file cannot be written.
 *
 * @example
 * process.exitCode = await dashboardsCommand(["--out", "dashboards"]);
 */
export function dashboardsCommand(argv: string[]): Promise<number> {
  return runCommand(DASHBOARDS_COMMAND, argv, async (values) => {
    if (values.out === undefined) throw new UsageError("--out DIR is required");
    const both = !values.grafana && !values.kibana;
    let written: string[];
    try {
      written = await writeDashboards({
        outDir: values.out,
        grafana: both || values.grafana === true,
        kibana: both || values.kibana === true,
      });
    } catch (error) {
      throw new Error(`cannot write the dashboards to ${resolve(values.out)}: ${describeError(error)}`);
    }
    for (const path of written) writeOut(`${path}\n`);
    return 0;
  });
}
