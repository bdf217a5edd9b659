import { readFileSync } from "node:fs";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, serializeCsv } from "../../../src/exporters/csv/csv-serializer.js";
import { histogramQuantile } from "../../../src/snapshot/histogram-quantile.js";

const estimateQuantile = (
  layout: { boundaries: number[]; counts: number[]; min?: number; max?: number },
  q: number,
) => histogramQuantile(q, layout.boundaries, layout.counts, layout);

import { FORMULA_OPERATION, fixedSnapshot, TRICKY_OPERATION } from "../json/fixed-snapshot.js";
import { GoldenSignalSetup } from "../otlp/golden-signal-setup.js";

type Row = Record<string, string>;
const parseRows = (csv: string): Row[] => parse(csv, { columns: true, record_delimiter: "\r\n" });

describe("serializeCsv", () => {
  it("opens in csv-parse with the documented header and one row per data point", () => {
    const csv = serializeCsv(fixedSnapshot());
    const [header] = parse(csv, { to_line: 1 }) as string[][];
    expect(header).toEqual(CSV_COLUMNS);
    const rows = parseRows(csv);
    expect(rows).toHaveLength(8);
    expect(rows.map((r) => r.metric)).toEqual([
      "zoran.latency",
      "zoran.requests",
      "zoran.requests",
      "zoran.requests",
      "zoran.errors",
      "zoran.tokens",
      "zoran.saturation",
      "zoran.saturation",
    ]);
    expect(rows[0]).toMatchObject({
      timestamp: "2026-01-01T00:01:00.500Z",
      start_timestamp: "2026-01-01T00:00:00.000Z",
      service: "zoran-core",
      signal: "latency",
      type: "histogram",
      unit: "s",
      temporality: "cumulative",
      value: "",
      count: "10",
      sum: "100.5",
      min: "0.05",
      max: "99",
    });
    expect(Number(rows[0]?.p50)).toBeCloseTo(0.04 + 0.04 * (5 / 6), 12);
    expect(rows[4]).toMatchObject({ signal: "error_rate", type: "counter", value: "0.5" });
    expect(rows[6]).toMatchObject({ signal: "saturation", type: "gauge", temporality: "", value: "0.32" });
  });

  it("quotes commas, quotes and newlines per RFC 4180, so attributes come back intact", () => {
    const rows = parseRows(serializeCsv(fixedSnapshot()));
    const tricky = rows.find((r) => r.attributes?.includes("say"));
    expect(JSON.parse(tricky?.attributes ?? "{}")).toEqual({
      exchange: "none",
      operation: TRICKY_OPERATION,
      outcome: "error",
    });
    const service = 'zoran, "core"\r\nsecond line';
    const withBreaks = { ...fixedSnapshot(), resource: resourceFromAttributes({ "service.name": service }) };
    expect(parseRows(serializeCsv(withBreaks)).map((r) => r.service)).toEqual(new Array(8).fill(service));
  });

  it("neutralises formula-looking attribute values and text cells, not numbers", () => {
    const snapshot = {
      ...fixedSnapshot(),
      resource: resourceFromAttributes({ "service.name": "=cmd|' /C calc'!A0" }),
    };
    const rows = parseRows(serializeCsv(snapshot));
    const formula = rows.find((r) => r.attributes?.includes("HYPERLINK"));
    expect(JSON.parse(formula?.attributes ?? "{}").operation).toBe(`'${FORMULA_OPERATION}`);
    expect(JSON.parse(rows[7]?.attributes ?? "{}").resource).toBe("'-1+2");
    for (const row of rows) {
      expect(row.service).toBe("'=cmd|' /C calc'!A0");
      for (const column of ["service", "metric", "attributes", "unit"]) {
        expect(row[column]).not.toMatch(/^[=+\-@\t\r]/);
      }
    }
    expect(rows[7]?.value).toBe("-0.5"); // a number stays a number
  });

  it("leaves the header out on request, for appending", () => {
    const csv = serializeCsv(fixedSnapshot(), { header: false });
    expect(csv.startsWith("2026-01-01T00:01:00.500Z,")).toBe(true);
    expect(csv.split("\r\n").filter((l) => l !== "")).toHaveLength(8);
  });

  it("writes a live snapshot whose counts equal what was recorded", async () => {
    const store = new GoldenSignalSetup();
    for (let i = 0; i < 4; i++) store.recordOperation("summarize", 0.05 * (i + 1));
    const rows = parseRows(serializeCsv(await store.collect()));
    const latency = rows.find((r) => r.metric === "zoran.latency");
    expect(latency).toMatchObject({ count: "4", service: "zoran-test" });
    expect(Number(latency?.sum)).toBeCloseTo(0.5, 12);
    expect(rows.find((r) => r.metric === "zoran.tokens" && r.attributes?.includes("output"))?.value).toBe(
      "100",
    );
    await store.close();
  });

  it("matches the golden file test/fixtures/golden-signals.csv", () => {
    const golden = readFileSync(new URL("../../fixtures/golden-signals.csv", import.meta.url), "utf8");
    expect(serializeCsv(fixedSnapshot())).toBe(golden);
  });
});

describe("estimateQuantile", () => {
  it("interpolates inside the bucket holding the rank, like histogram_quantile()", () => {
    expect(estimateQuantile({ boundaries: [1, 2], counts: [0, 10, 0] }, 0.5)).toBe(1.5);
    expect(estimateQuantile({ boundaries: [1, 2], counts: [10, 0, 0] }, 0.5)).toBe(0.5);
  });

  it("answers the highest finite bound for the overflow bucket, or max when known", () => {
    expect(estimateQuantile({ boundaries: [1, 2], counts: [0, 0, 4] }, 0.99)).toBe(2);
    expect(estimateQuantile({ boundaries: [1, 2], counts: [0, 0, 4], max: 7 }, 0.99)).toBe(7);
  });

  it("stays within the recorded min and max", () => {
    expect(estimateQuantile({ boundaries: [1, 2], counts: [0, 3, 0], min: 1.9, max: 1.95 }, 0.01)).toBe(1.9);
  });

  it("has no answer for an empty histogram", () => {
    expect(estimateQuantile({ boundaries: [1], counts: [0, 0] }, 0.5)).toBeUndefined();
  });
});
