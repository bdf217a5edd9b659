import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { DEFAULT_SLOS, defaultRules, loadRules, renderPrometheusRules } from "zoran-telemetrie/alerting";
import { type CommandSpec, describeError, runCommand } from "./command-line.js";
import { writeOut } from "./stdout-closed.js";

/** The rules command's flags. */
export const RULES_COMMAND = {
  name: "rules",
  summary: "write the alert and recording rules as a Prometheus rule file (--out FILE)",
  synopsis: "[--rules FILE] [--out FILE] [--native-histograms]",
  description:
    "Writes the alert rules as a Prometheus rule file: thresholds, SLO burn-rate alerts and the\n" +
    "recording rules they read.",
  flags: {
    rules: {
      type: "string",
      valueName: "FILE",
      description: "rules and SLOs to render (YAML or JSON); default: the shipped rules and SLOs",
    },
    out: { type: "string", valueName: "FILE", description: "where to write; default: standard output" },
    "native-histograms": {
      type: "boolean",
      description:
        "latency rules over native histograms (a collector with nativeHistograms: true, Prometheus with --enable-feature=native-histograms)",
    },
  },
} as const satisfies CommandSpec;

/**
 * The `rules` command: renders alert rules (a rule file, or the shipped defaults and SLOs) as a
 * Prometheus rule file. Returns the exit code: 0 on success, 1 on an unreadable or invalid rule
 * file or a write error, 2 on bad arguments.
 *
 * @example
 * process.exitCode = await rulesCommand(["--out", "dashboards/prometheus/zoran-telemetrie.rules.yml"]);
 */
export function rulesCommand(argv: string[]): Promise<number> {
  return runCommand(RULES_COMMAND, argv, async (values) => {
    let rules: ReturnType<typeof defaultRuleSet>;
    if (values.rules === undefined) {
      rules = defaultRuleSet();
    } else {
      const file = resolve(values.rules);
      // Read here first: a missing file is a file problem, not a syntax error inside it.
      try {
        readFileSync(file, "utf8");
      } catch (error) {
        throw new Error(`cannot read --rules ${file}: ${describeError(error)}`);
      }
      rules = loadRules(file);
    }
    const text = renderPrometheusRules(rules, { nativeHistograms: values["native-histograms"] === true });
    if (values.out === undefined) {
      writeOut(text);
      return 0;
    }
    const out = resolve(values.out);
    try {
      writeFileSync(out, text);
    } catch (error) {
      throw new Error(`cannot write --out ${out}: ${describeError(error)}`);
    }
    return 0;
  });
}

/** What `rules` renders without `--rules`: the shipped threshold rules and SLOs. */
export function defaultRuleSet() {
  return [...defaultRules(), ...loadRules({ slos: DEFAULT_SLOS })];
}
