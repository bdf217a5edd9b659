/**
 * `zoran-telemetrie dashboards --out DIR [--grafana] [--kibana]`: regenerates the Grafana and
 * Kibana dashboards from the metric definitions. With neither flag, both are written.
 */
import { parseArgs } from "node:util";
import { writeDashboards } from "../dashboards/write-dashboards.js";

const USAGE = `Usage: zoran-telemetrie dashboards --out DIR [--grafana] [--kibana]

Writes DIR/grafana/ (dashboard JSON, provisioning YAML) and DIR/kibana/ (saved-object NDJSON).
With neither --grafana nor --kibana, writes both.`;

/**
 * Runs the `dashboards` command with the arguments after the command name.
 * Resolves to the process exit code: 0 on success, 2 on bad usage, 1 when a file cannot be written.
 *
 * @example
 * process.exitCode = await dashboardsCommand(["--out", "dashboards"]);
 */
export async function dashboardsCommand(argv: string[]): Promise<number> {
  let values: { out?: string; grafana?: boolean; kibana?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        out: { type: "string", short: "o" },
        grafana: { type: "boolean" },
        kibana: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.out === undefined || values.out === "") {
    console.error(`--out DIR is required.\n\n${USAGE}`);
    return 2;
  }
  const both = !values.grafana && !values.kibana;
  try {
    const written = await writeDashboards({
      outDir: values.out,
      grafana: both || values.grafana === true,
      kibana: both || values.kibana === true,
    });
    for (const path of written) console.log(path);
    return 0;
  } catch (error) {
    console.error(`Cannot write the dashboards to ${values.out}: ${(error as Error).message}`);
    return 1;
  }
}
