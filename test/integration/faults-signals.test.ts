import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REQUESTS_METRIC } from "../../src/signals/metric-definitions.js";
import { waitFor } from "../helpers/prometheus-server.js";

/**
 * A process signal arrives while the JSON Lines exporter is writing (every 10 ms) and the app is
 * recording: the app's handler calls `shutdown()`, which must finish the write in progress, flush
 * once more, and leave a file of whole lines whose last snapshot holds every operation recorded.
 */
describe("process signals during export", () => {
  const dir = mkdtempSync(join(tmpdir(), "zoran-signals-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} mid-export: whole lines, nothing recorded lost`, async () => {
      const path = join(dir, `${signal}.jsonl`);
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          new URL("../reliability/signal-during-export-child.ts", import.meta.url).pathname,
          path,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      child.stderr.on("data", (chunk) => (err += chunk));
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      try {
        await waitFor("a few snapshots written", 20_000, () => {
          if (child.exitCode !== null) throw new Error(`child exited early: ${err}`);
          return out.includes("ready") && readLines(path).length >= 5;
        });
        child.kill(signal);
        const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))]);
        expect(code, err).toBe(0);
        const { recorded } = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { recorded: number };
        const lines = readFileSync(path, "utf8").split("\n");
        expect(lines.at(-1)).toBe("");
        const snapshots = lines.slice(0, -1).map((line) => JSON.parse(line) as Snapshot);
        expect(requestsIn(snapshots.at(-1)!)).toBe(recorded);
        expect(recorded).toBeGreaterThan(0);
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    }, 40_000);
  }
});

interface Snapshot {
  resourceMetrics: {
    scopeMetrics: {
      metrics: { name: string; sum?: { dataPoints: { asDouble?: number; asInt?: string }[] } }[];
    }[];
  }[];
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

function requestsIn(snapshot: Snapshot): number {
  let total = 0;
  for (const rm of snapshot.resourceMetrics)
    for (const sm of rm.scopeMetrics)
      for (const metric of sm.metrics)
        if (metric.name === REQUESTS_METRIC.name)
          for (const p of metric.sum?.dataPoints ?? []) total += p.asDouble ?? Number(p.asInt ?? 0);
  return total;
}
