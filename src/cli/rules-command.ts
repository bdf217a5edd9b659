import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_SLOS, defaultRules } from "../alerting/default-rules.js";
import { loadRules } from "../alerting/load-rules.js";
import { renderPrometheusRules } from "../alerting/render-prometheus-rules.js";

const USAGE = `Usage: zoran-telemetrie rules [--rules FILE] [--out FILE]

Writes the alert rules as a Prometheus rule file: thresholds, SLO burn-rate alerts and the
recording rules they read.
  --rules FILE  rules and SLOs to render (YAML or JSON); default: the shipped rules and SLOs
  --out FILE    where to write; default: standard output
`;

/**
 * The `rules` command: renders alert rules (a rule file, or the shipped defaults and SLOs) as a
 * Prometheus rule file. Returns the exit code: 0 on success, 1 on invalid rules or a write
 * error, 2 on bad arguments.
 *
 * @example
 * process.exitCode = await rulesCommand(["--out", "dashboards/prometheus/zoran-telemetrie.rules.yml"]);
 */
export async function rulesCommand(argv: string[]): Promise<number> {
  let values: { rules?: string | undefined; out?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { rules: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const rules = values.rules === undefined ? defaultRuleSet() : loadRules(values.rules);
    const text = renderPrometheusRules(rules);
    if (values.out === undefined) process.stdout.write(text);
    else writeFileSync(values.out, text);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** What `rules` renders without `--rules`: the shipped threshold rules and SLOs. */
export function defaultRuleSet() {
  return [...defaultRules(), ...loadRules({ slos: DEFAULT_SLOS })];
}
