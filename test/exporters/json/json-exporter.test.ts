import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createJsonExporter } from "../../../src/exporters/json/json-exporter.js";
import { REQUESTS_METRIC } from "../../../src/signals/metric-definitions.js";
import { decodeMetricsRequest, waitFor } from "../../helpers/otlp-receiver.js";
import { GoldenSignalSetup } from "../otlp/golden-signal-setup.js";

let dir: string;
let store: GoldenSignalSetup;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "zoran-json-"));
  store = new GoldenSignalSetup();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "");
const requestsIn = (line: string) =>
  decodeMetricsRequest(new TextEncoder().encode(line), "json")
    .filter((p) => p.name === REQUESTS_METRIC.name)
    .reduce((total, p) => total + (p.value ?? 0), 0);

describe("createJsonExporter", () => {
  it("appends one parseable snapshot per interval, cumulative values never going down", async () => {
    const path = join(dir, "metrics.jsonl");
    const exporter = createJsonExporter(store.setup, { path, intervalMs: 30 });
    await exporter.start?.();
    // One operation per written line: wait for each line rather than for a fixed time.
    for (let i = 0; i < 5; i++) {
      store.recordOperation("summarize", 0.1);
      const before = existsSync(path) ? lines(path).length : 0;
      await waitFor(() => existsSync(path) && lines(path).length > before, 5_000, `line ${before + 1}`);
    }
    await exporter.shutdown();
    const totals = lines(path).map(requestsIn);
    expect(totals.length).toBeGreaterThanOrEqual(3);
    expect(totals).toEqual([...totals].sort((a, b) => a - b));
    expect(totals.at(-1)).toBe(5); // the final line of shutdown() holds everything
    expect(readFileSync(path, "utf8").endsWith("\n")).toBe(true);
    expect(store.failures).toEqual([]);
  });

  it("writes the snapshot to stdout when no path is given", async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string, cb?: (e?: Error) => void) => {
      written.push(String(chunk));
      cb?.();
      return true;
    }) as typeof process.stdout.write);
    const exporter = createJsonExporter(store.setup, { intervalMs: 60_000 });
    await exporter.start?.();
    store.recordOperation("summarize", 0.1);
    await exporter.forceFlush?.();
    await exporter.shutdown();
    vi.restoreAllMocks();
    expect(written.length).toBe(2);
    expect(written.every((w) => w.endsWith("\n") && w.indexOf("\n") === w.length - 1)).toBe(true);
    expect(requestsIn(written[0]!)).toBe(1);
  });

  it("cuts a half-written last line left by a crash before appending", async () => {
    const path = join(dir, "metrics.jsonl");
    writeFileSync(path, '{"resourceMetrics":[]}\n{"resourceMetrics":[{"reso');
    const exporter = createJsonExporter(store.setup, { path, intervalMs: 60_000 });
    await exporter.start?.();
    store.recordOperation("summarize", 0.1);
    await exporter.forceFlush?.();
    await exporter.shutdown();
    const all = lines(path);
    expect(all).toHaveLength(3);
    for (const line of all) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("reports a full disk (/dev/full, ENOSPC) and keeps the app running", async () => {
    const exporter = createJsonExporter(store.setup, { path: "/dev/full", intervalMs: 60_000 });
    await exporter.start?.();
    store.recordOperation("summarize", 0.1);
    await expect(exporter.forceFlush?.()).resolves.toBeUndefined();
    await expect(exporter.forceFlush?.()).resolves.toBeUndefined();
    await expect(exporter.shutdown()).resolves.toBeUndefined();
    expect(store.failures.length).toBe(3); // two flushes and the final write: each one reported
    expect(store.failures.map((f) => (f.error as NodeJS.ErrnoException).code)).toEqual([
      "ENOSPC",
      "ENOSPC",
      "ENOSPC",
    ]);
  });

  it("reports a read-only directory and keeps the app running (JSON and CSV)", () => {
    const readOnly = join(dir, "read-only");
    mkdirSync(readOnly);
    chmodSync(dir, 0o755);
    chmodSync(readOnly, 0o555);
    // Root writes through directory permissions: run the app as `nobody` then.
    const asRoot = process.getuid?.() === 0;
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", new URL("./unwritable-path-child.ts", import.meta.url).pathname, readOnly],
      { encoding: "utf8", timeout: 30_000, ...(asRoot ? { uid: 65534, gid: 65534 } : {}) },
    );
    expect(child.stderr).not.toMatch(/Error/);
    expect(child.status).toBe(0);
    const result = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}");
    expect(result.stillRunning).toBe(true);
    expect(result.codes).toContain("json:EACCES");
    expect(result.codes).toContain("csv:EACCES");
    expect(existsSync(join(readOnly, "metrics.jsonl"))).toBe(false);
  });

  it("shutdown() resolves, without writing, before start()", async () => {
    const path = join(dir, "never.jsonl");
    const exporter = createJsonExporter(store.setup, { path });
    await exporter.shutdown();
    await exporter.shutdown();
    expect(existsSync(path)).toBe(false);
  });
});
