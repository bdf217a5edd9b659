import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { exportCommand } from "../../src/cli/export-command.js";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { CSV_COLUMNS } from "../../src/exporters/csv/csv-serializer.js";
import { parsePrometheusText } from "../../src/exporters/prometheus/prometheus-text-parser.js";
import { GoldenSignals } from "../../src/signals/golden-signals.js";
import {
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  REQUESTS_METRIC,
} from "../../src/signals/metric-definitions.js";
import { decodeMetricsRequest, type ReceivedPoint } from "../helpers/otlp-receiver.js";

let dir: string;
let collector: TelemetryCollector | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "zoran-export-"));
});
afterEach(async () => {
  await collector?.shutdown();
  collector = undefined;
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

async function runningService(): Promise<TelemetryCollector> {
  const c = new TelemetryCollector({
    serviceName: "zoran-core",
    exporter: "prometheus",
    port: 0,
    saturation: false,
    runtimeMetrics: false,
  });
  await c.start();
  await c.trace(
    "summarize",
    () => {
      c.recordSignal(GoldenSignals.LATENCY, 0.245);
      c.recordSignal(GoldenSignals.TRAFFIC, 300, { kind: "tokens", direction: "input" });
    },
    { exchange: "ai_human" },
  );
  await c.trace("summarize", () => c.recordSignal(GoldenSignals.LATENCY, 3.1), { exchange: "ai_human" });
  c.recordSignal(GoldenSignals.ERROR_RATE, 1, { error_type: "timeout" });
  c.recordSignal(GoldenSignals.SATURATION, 0.42, { resource: "gpu" });
  return c;
}

/** The golden-signal points of a snapshot, without times (the text format has none). */
const golden = (points: ReceivedPoint[]) =>
  points
    .filter((p) => p.scope === "zoran-telemetrie" && p.name.startsWith("zoran."))
    .map(({ name, unit, kind, attributes, value, count, sum, bucketCounts, explicitBounds }) => ({
      name,
      unit,
      kind,
      attributes,
      value,
      count,
      sum,
      bucketCounts,
      explicitBounds,
    }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe("zoran-telemetrie export", () => {
  it("--format json reads the endpoint back into the snapshot the service holds", async () => {
    collector = await runningService();
    const out = join(dir, "snapshot.jsonl");
    expect(await exportCommand(["--format", "json", "--out", out, "--from", collector.url!])).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text.endsWith("\n") && text.indexOf("\n") === text.length - 1).toBe(true);
    const fromEndpoint = decodeMetricsRequest(new TextEncoder().encode(text), "json");
    const direct = decodeMetricsRequest(new TextEncoder().encode(await collector.export("json")), "json");
    expect(golden(direct).length).toBeGreaterThanOrEqual(6);
    expect(golden(fromEndpoint)).toEqual(golden(direct));
    expect(fromEndpoint[0]?.resource["service.name"]).toBe("zoran-core");
    const latency = fromEndpoint.find(
      (p) => p.name === LATENCY_METRIC.name && p.attributes.operation === "summarize",
    );
    expect(latency).toMatchObject({ count: 2, explicitBounds: [...LATENCY_BOUNDS_SECONDS] });
    expect(latency?.sum).toBeCloseTo(3.345, 12);
  });

  it("--format csv writes the documented columns, values equal to those recorded", async () => {
    collector = await runningService();
    const out = join(dir, "snapshot.csv");
    expect(await exportCommand(["--format", "csv", "--out", out, "--from", `${collector.url}/metrics`])).toBe(
      0,
    );
    const text = readFileSync(out, "utf8");
    expect(parse(text, { to_line: 1 })[0]).toEqual(CSV_COLUMNS);
    const rows: Record<string, string>[] = parse(text, { columns: true });
    const requests = rows.filter((r) => r.metric === REQUESTS_METRIC.name);
    expect(
      requests
        .map((r) => [
          JSON.parse(r.attributes ?? "{}").operation,
          JSON.parse(r.attributes ?? "{}").outcome,
          r.value,
        ])
        .sort(),
    ).toEqual([
      ["none", "error", "1"],
      ["summarize", "ok", "2"],
    ]);
    expect(rows.find((r) => r.metric === "zoran.saturation" && r.attributes?.includes("gpu"))?.value).toBe(
      "0.42",
    );
    expect(rows.find((r) => r.metric === "zoran.latency")).toMatchObject({
      count: "2",
      service: "zoran-core",
    });
  });

  it("writes to stdout without --out", async () => {
    collector = await runningService();
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write);
    const code = await exportCommand(["--format", "csv", "--from", collector.url!]);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(written.join("").startsWith("timestamp,start_timestamp,")).toBe(true);
  });

  it("exits 1 when nothing answers, 2 on bad arguments, without throwing", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await exportCommand(["--format", "json", "--from", "http://127.0.0.1:9"])).toBe(1);
    expect(await exportCommand(["--format", "xml"])).toBe(2);
    expect(await exportCommand(["--format", "json", "--from", "not a url"])).toBe(2);
    expect(await exportCommand(["--bogus"])).toBe(2);
    expect(stderr).toHaveBeenCalled();
  });
});

describe("parsePrometheusText", () => {
  it("reads OpenMetrics family names and escaped label values", () => {
    const text = [
      "# TYPE zoran_requests counter",
      'zoran_requests_total{operation="say \\"hi\\"\\nnow",outcome="ok"} 3',
      "# TYPE custom_queue_depth gauge",
      "custom_queue_depth 7",
      "# EOF",
    ].join("\n");
    const snapshot = parsePrometheusText(text, { time: [1, 0] });
    const [known, other] = snapshot.scopeMetrics;
    expect(known?.metrics[0]?.descriptor.name).toBe(REQUESTS_METRIC.name);
    expect(known?.metrics[0]?.dataPoints[0]).toMatchObject({
      attributes: { operation: 'say "hi"\nnow' },
      value: 3,
    });
    expect(other?.metrics[0]).toMatchObject({
      descriptor: { name: "custom_queue_depth" },
      dataPoints: [{ value: 7 }],
    });
  });
});
