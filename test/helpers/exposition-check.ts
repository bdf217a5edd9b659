import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import protobuf from "protobufjs";
import { expect } from "vitest";
import { IN_CI, requireBinary } from "./require-binary.js";

/**
 * Checks of an exposition page by parsers we did not write (DESIGN §5):
 *
 * - text 0.0.4: `promtool check metrics` (Prometheus' own Go text parser, plus its lint) and the
 *   text parser of Debian's `python3-prometheus-client`;
 * - OpenMetrics 1.0.0: the strict OpenMetrics parser of `python3-prometheus-client`
 *   (`prometheus_client.openmetrics.parser`: clashing names, `le`/`_count` rules, grouping,
 *   exemplar syntax and length, `# EOF`). promtool 2.42 cannot read OpenMetrics at all (it stops
 *   at `# TYPE target info`: "unknown metric type"), so real Prometheus scrapes, which ask for
 *   OpenMetrics first, are its second check (test/integration/);
 * - protobuf: decoded with protobufjs from client_model's metrics.proto (Debian
 *   `golang-github-prometheus-client-model-dev`).
 *
 * Each checker is null when its tool is missing: the test skips with a printed reason, and fails
 * under CI=true (require-binary.ts).
 */

/** Path of `promtool`, or null. */
export const promtool = requireBinary("promtool");

const PYTHON = "/usr/bin/python3";

/** True when Debian's python3-prometheus-client can be imported (printed skip otherwise). */
export const strictParser: boolean = (() => {
  if (requireBinary(PYTHON) === null) return false;
  const probe = spawnSync(
    PYTHON,
    ["-c", "from prometheus_client.openmetrics.parser import text_string_to_metric_families"],
    {
      encoding: "utf8",
    },
  );
  if (probe.status === 0) return true;
  const reason = "python3-prometheus-client is not installed (apt-get install python3-prometheus-client)";
  if (IN_CI) throw new Error(`CI=true and ${reason}`);
  console.warn(`[skip] ${reason}`);
  return false;
})();

const METRICS_PROTO =
  "/usr/share/gocode/src/github.com/prometheus/client_model/io/prometheus/client/metrics.proto";

/** True when client_model's metrics.proto is installed (printed skip otherwise). */
export const metricsProto: boolean = (() => {
  if (existsSync(METRICS_PROTO)) return true;
  const reason = `${METRICS_PROTO} not found (apt-get install golang-github-prometheus-client-model-dev)`;
  if (IN_CI) throw new Error(`CI=true and ${reason}`);
  console.warn(`[skip] ${reason}`);
  return false;
})();

/** One sample as the Python parser read it. */
export interface ParsedSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  /** The value; non-finite values as the strings `inf`, `-inf`, `nan`. */
  readonly value: number | string;
  readonly exemplar?: { labels: Record<string, string>; value: number; timestamp: number | null };
}

/** One metric family as the Python parser read it. */
export interface ParsedFamily {
  readonly name: string;
  readonly type: string;
  readonly unit: string;
  readonly help: string;
  readonly samples: readonly ParsedSample[];
}

const PARSE_SCRIPT = `
import json, math, sys
fmt = sys.argv[1]
text = sys.stdin.buffer.read().decode("utf-8")
if fmt == "openmetrics":
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
else:
    from prometheus_client.parser import text_string_to_metric_families
def num(v):
    v = float(v)
    if math.isnan(v): return "nan"
    if math.isinf(v): return "inf" if v > 0 else "-inf"
    return v
out = []
try:
    for f in text_string_to_metric_families(text):
        samples = []
        for s in f.samples:
            d = {"name": s.name, "labels": dict(s.labels), "value": num(s.value)}
            if getattr(s, "exemplar", None) is not None:
                e = s.exemplar
                ts = None if e.timestamp is None else float(e.timestamp)
                d["exemplar"] = {"labels": dict(e.labels), "value": num(e.value), "timestamp": ts}
            samples.append(d)
        out.append({"name": f.name, "type": f.type, "unit": getattr(f, "unit", ""), "help": f.documentation, "samples": samples})
except Exception as error:
    print(json.dumps({"error": str(error)}))
    sys.exit(0)
print(json.dumps({"families": out}))
`;

/**
 * Parses a page with python3-prometheus-client: the strict OpenMetrics parser for
 * `openmetrics`, its text parser for `text`. Throws with the parser's own message.
 */
export function parseWithPython(page: string | Buffer, format: "text" | "openmetrics"): ParsedFamily[] {
  const result = spawnSync(PYTHON, ["-c", PARSE_SCRIPT, format], {
    input: page,
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
    timeout: 300_000,
  });
  if (result.status !== 0)
    throw new Error(`python3 failed (${result.status}): ${result.stderr.slice(-2000)}`);
  const parsed = JSON.parse(result.stdout) as { error?: string; families?: ParsedFamily[] };
  if (parsed.error !== undefined) throw new Error(`strict parser (${format}): ${parsed.error}`);
  return parsed.families!;
}

/** Runs `promtool check metrics` on a text 0.0.4 page: exit status and output. */
export function promtoolCheck(page: string | Buffer): { status: number | null; output: string } {
  const result = spawnSync(promtool!, ["check", "metrics"], {
    input: page,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * promtool's verdict on a text page: parse errors fail (status 1, "error while linting"); lint
 * findings (status 3) are returned for the caller to judge, since application instruments may be
 * named in ways the lint dislikes (`case_h`: "abbreviated units") while the page is valid.
 */
export function expectPromtoolParses(page: string | Buffer): string[] {
  const { status, output } = promtoolCheck(page);
  expect(output, "promtool check metrics").not.toMatch(/error while linting|parsing error/);
  expect([0, 3], `promtool status, output: ${output}`).toContain(status);
  return output.split("\n").filter((line) => line.trim() !== "");
}

/** The sum of the values of samples named `name` whose labels include `labels`. */
export function sumParsed(
  families: readonly ParsedFamily[],
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = 0;
  for (const family of families) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (!Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) continue;
      total += typeof sample.value === "number" ? sample.value : Number.NaN;
    }
  }
  return total;
}

/**
 * Checks a text page with promtool and Python's text parser, and an OpenMetrics page with the
 * strict parser; returns both parses. `lint: true` also wants promtool's lint silent.
 */
export function expectValidPages(
  text: string | Buffer,
  openMetrics: string | Buffer,
  options: { lint?: boolean } = {},
): { text: ParsedFamily[]; openMetrics: ParsedFamily[] } {
  if (promtool !== null) {
    const findings = expectPromtoolParses(text);
    if (options.lint) expect(findings, "promtool lint").toEqual([]);
  }
  return {
    text: strictParser ? parseWithPython(text, "text") : [],
    openMetrics: strictParser ? parseWithPython(openMetrics, "openmetrics") : [],
  };
}

let metricFamilyType: protobuf.Type | undefined;

/** A decoded protobuf `MetricFamily` (protobufjs `toObject` with longs as numbers, enums as names). */
export interface DecodedFamily {
  name: string;
  help?: string;
  type: string;
  metric: Record<string, unknown>[];
}

/** Decodes a delimited protobuf page with protobufjs and client_model's metrics.proto. */
export async function decodeProtobufPage(page: Uint8Array): Promise<DecodedFamily[]> {
  metricFamilyType ??= (await protobuf.load(METRICS_PROTO)).lookupType("io.prometheus.client.MetricFamily");
  const reader = protobuf.Reader.create(page);
  const families: DecodedFamily[] = [];
  while (reader.pos < reader.len) {
    const message = metricFamilyType.decodeDelimited(reader);
    families.push(
      metricFamilyType.toObject(message, { longs: Number, enums: String, defaults: false }) as DecodedFamily,
    );
  }
  return families;
}
