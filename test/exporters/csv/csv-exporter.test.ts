import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCsvExporter } from "../../../src/exporters/csv/csv-exporter.js";
import { CSV_COLUMNS } from "../../../src/exporters/csv/csv-serializer.js";
import { waitFor } from "../../helpers/otlp-receiver.js";
import { GoldenSignalSetup } from "../otlp/golden-signal-setup.js";

let dir: string;
let store: GoldenSignalSetup;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "zoran-csv-"));
  store = new GoldenSignalSetup();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const readRows = (path: string): Record<string, string>[] =>
  parse(readFileSync(path, "utf8"), { columns: true });

describe("createCsvExporter", () => {
  it("appends rows every interval under a single header", async () => {
    const path = join(dir, "metrics.csv");
    const exporter = createCsvExporter(store.setup, { path, intervalMs: 30 });
    await exporter.start?.();
    store.recordOperation("summarize", 0.1);
    await waitFor(() => existsSync(path) && readRows(path).length >= 14, 5_000, "two snapshots");
    store.recordOperation("summarize", 0.1);
    await exporter.shutdown();
    const text = readFileSync(path, "utf8");
    expect(text.split("\r\n")[0]).toBe(CSV_COLUMNS.join(","));
    expect(text.split("timestamp,start_timestamp").length - 1).toBe(1);
    const requests = readRows(path).filter((r) => r.metric === "zoran.requests");
    expect(requests.at(-1)?.value).toBe("2"); // the final write of shutdown() has the last value
    expect(store.failures).toEqual([]);
  });

  it("rotates past maxBytes, keeps maxFiles old files, each one a whole CSV with its header", async () => {
    const path = join(dir, "metrics.csv");
    const exporter = createCsvExporter(store.setup, {
      path,
      intervalMs: 60_000,
      maxBytes: 4_000,
      maxFiles: 2,
    });
    await exporter.start?.();
    store.recordOperation("summarize", 0.1);
    for (let i = 0; i < 12; i++) await exporter.forceFlush?.();
    await exporter.shutdown();
    // Plus the hidden commit file of the current one (see WholeSnapshotAppender).
    expect(readdirSync(dir).sort()).toEqual([
      ".metrics.csv.committed",
      "metrics.csv",
      "metrics.csv.1",
      "metrics.csv.2",
    ]);
    for (const file of ["metrics.csv", "metrics.csv.1", "metrics.csv.2"]) {
      const text = readFileSync(join(dir, file), "utf8");
      expect(text.startsWith("timestamp,")).toBe(true);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4_000);
      expect(readRows(join(dir, file)).length % 6).toBe(0); // whole snapshots of 6 data points
    }
    expect(store.failures).toEqual([]);
  });

  it("reports a full disk (/dev/full, ENOSPC) and keeps the app running", async () => {
    const exporter = createCsvExporter(store.setup, { path: "/dev/full", intervalMs: 60_000 });
    await exporter.start?.();
    store.recordOperation("summarize", 0.1);
    await expect(exporter.forceFlush?.()).resolves.toBeUndefined();
    await expect(exporter.shutdown()).resolves.toBeUndefined();
    expect(store.failures.map((f) => [f.exporter, (f.error as NodeJS.ErrnoException).code])).toEqual([
      ["csv", "ENOSPC"],
      ["csv", "ENOSPC"],
    ]);
  });
});
