import { parse } from "csv-parse/sync";
import { expect } from "vitest";
import type { TelemetryCollector } from "zoran-telemetrie";
import { parseWithPython, promtool, promtoolCheck, strictParser } from "../helpers/exposition-check.js";

// The shared checkers of every exposition page (test/helpers/exposition-check.ts).
export { promtool, promtoolCheck };

// A sample line: name, optional labels, value, an optional timestamp and (OpenMetrics) an optional
// exemplar `# {trace_id="...",span_id="..."} value timestamp`. Label values may hold any character
// but an unescaped newline, so `.` must match `\r` and `\u2028` too (flag s).
const SAMPLE_LINE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})? \S+(?: -?\d+(?:\.\d+)?)?(?: # \{[^\n]*\} \S+(?: \d+(?:\.\d+)?)?)?$/s;

/** Throws on the first line of a Prometheus text or OpenMetrics body that is not a comment or a sample. */
export function expectSampleLines(text: string): void {
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    if (!SAMPLE_LINE.test(line)) throw new Error(`not a sample line: ${JSON.stringify(line.slice(0, 300))}`);
  }
}

/**
 * Exports `collector` in every format and checks each one is still well-formed after a fuzz run:
 * promtool and Python's text parser accept the text format, the strict OpenMetrics parser
 * (python3-prometheus-client) accepts OpenMetrics, every sample line of both Prometheus formats
 * parses, OpenMetrics ends with `# EOF`, every JSON line parses, the CSV parses with a fixed column
 * count. Returns the text exposition. `promtool: false` skips the (slower) promtool and Python runs.
 */
export async function expectWellFormedExports(
  collector: TelemetryCollector,
  options: { promtool?: boolean } = {},
): Promise<string> {
  const text = await collector.export("prometheus");
  expect(() => expectSampleLines(text)).not.toThrow();
  if (promtool !== null && options.promtool !== false) {
    const { status, output } = promtoolCheck(text);
    // Resource attribute keys are the user's own (options, OTEL_RESOURCE_ATTRIBUTES): promtool's
    // naming lint may dislike them on target_info; anything else it says is a broken exposition.
    const problems = output
      .split("\n")
      .filter((line) => line.trim() !== "" && !/^target_info label names should be written in/.test(line));
    expect(problems, "promtool check metrics").toEqual([]);
    expect([0, 3]).toContain(status);
    if (status === 3) expect(output).toMatch(/target_info label names/);
  }
  const openMetrics = await collector.export("openmetrics");
  expect(openMetrics.endsWith("# EOF\n")).toBe(true);
  // Exactly one `# EOF` line, the last: an injected one in a label value must stay escaped.
  const lines = openMetrics.split("\n");
  expect(lines.indexOf("# EOF")).toBe(lines.length - 2);
  expect(() => expectSampleLines(openMetrics)).not.toThrow();
  if (strictParser && options.promtool !== false) {
    expect(() => parseWithPython(text, "text")).not.toThrow();
    expect(() => parseWithPython(openMetrics, "openmetrics")).not.toThrow();
  }
  for (const line of (await collector.export("json")).split("\n").filter(Boolean)) {
    expect(() => JSON.parse(line)).not.toThrow();
  }
  const rows = parse(await collector.export("csv"), { record_delimiter: "\r\n" }) as string[][];
  const width = rows[0]?.length;
  for (const row of rows) expect(row.length).toBe(width);
  return text;
}
