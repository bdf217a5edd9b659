/** One sample of a Prometheus text page: its metric name and labels, in page order, and value. */
export interface ExpositionSample {
  readonly name: string;
  readonly labels: readonly (readonly [string, string])[];
  readonly value: number;
}

/**
 * The samples of a Prometheus text exposition (format 0.0.4) as this library's serializer writes
 * it: one sample per line, `name{label="value",...} number`, comments skipped. Remote write sends
 * exactly what `/metrics` shows, names and label rules included, by reading the page back instead
 * of naming series a second time.
 *
 * Worked example: `zoran_requests_total{operation="a \"b\"",exchange="none"} 3` gives
 * `{ name: "zoran_requests_total", labels: [["operation", 'a "b"'], ["exchange", "none"]], value: 3 }`.
 */
export function parseExpositionSamples(page: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  for (const line of page.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const sample = parseLine(line);
    if (sample !== undefined) samples.push(sample);
  }
  return samples;
}

function parseLine(line: string): ExpositionSample | undefined {
  const brace = line.indexOf("{");
  const space = line.indexOf(" ");
  if (brace === -1 || (space !== -1 && space < brace)) {
    if (space === -1) return undefined;
    return { name: line.slice(0, space), labels: [], value: parseValue(line.slice(space + 1)) };
  }
  const labels: [string, string][] = [];
  let i = brace + 1;
  while (i < line.length && line[i] !== "}") {
    const eq = line.indexOf("=", i);
    if (eq === -1 || line[eq + 1] !== '"') return undefined;
    const name = line.slice(i, eq);
    let value = "";
    let j = eq + 2;
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === "\\") {
        j++;
        value += line[j] === "n" ? "\n" : line[j];
      } else {
        value += line[j];
      }
    }
    labels.push([name, value]);
    i = line[j + 1] === "," ? j + 2 : j + 1;
  }
  return { name: line.slice(0, brace), labels, value: parseValue(line.slice(i + 2)) };
}

/** A sample value: a number, or `+Inf`, `-Inf`, `NaN`; a trailing timestamp is ignored. */
function parseValue(text: string): number {
  const token = text.trim().split(" ")[0] ?? "";
  if (token === "+Inf") return Number.POSITIVE_INFINITY;
  if (token === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(token);
}
