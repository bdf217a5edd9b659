import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TOKENS_METRIC,
} from "zoran-telemetrie";
import { OVERFLOW_METRIC } from "../../src/signals/metric-definitions.js";
import { samplesOf } from "../helpers/prometheus-samples.js";
import { promtool, promtoolCheck } from "./exposition-check.js";

/**
 * A caller (or an attacker reaching one) puts a fresh value in every attribute: 1,000,000
 * distinct operation names on every signal, and 200,000 distinct span names. The store must
 * stay within its cardinality limit (2,000 series per metric by default), its heap must stay
 * within the bound documented in docs/threat-model.md, scrapes must stay bounded, and the
 * overflow series must carry what went past the limit. Runs in a child process under
 * --expose-gc so the heap is measured after full GCs, away from the test runner's own garbage.
 */

interface AttackResult {
  heapBeforeMb: number;
  heapAfterMb: number;
  recordMs: Record<string, number>;
  scrapeMedianMs: number;
  scrapeMaxMs: number;
  text: string;
  warnings: string[];
}

/** Heap growth allowed by the documented bound (docs/threat-model.md): measured 4.5 MB here. */
const HEAP_BOUND_MB = 32;
/** Scrape time allowed at the limit (6 metrics x 2,000 series, ~4 MB of text): measured 362 ms median. */
const SCRAPE_BOUND_MS = 2_000;

function runAttack(mode: "distinct" | "long", count: number): AttackResult {
  const child = spawnSync(
    process.execPath,
    [
      "--expose-gc",
      "--import",
      "tsx",
      new URL("./cardinality-attack-child.ts", import.meta.url).pathname,
      mode,
      String(count),
    ],
    { encoding: "utf8", timeout: 170_000, maxBuffer: 256 * 1024 * 1024 },
  );
  if (child.status !== 0) throw new Error(`attack child failed (${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}") as AttackResult;
}

describe("cardinality attack: 1,000,000 distinct values on every signal", () => {
  let result: AttackResult;
  beforeAll(() => {
    result = runAttack("distinct", 1_000_000);
    const { text: _text, ...figures } = result;
    console.info(`[cardinality attack] ${JSON.stringify(figures)}`);
  }, 180_000);

  it("keeps the heap under the documented bound", () => {
    expect(result.heapAfterMb - result.heapBeforeMb).toBeLessThan(HEAP_BOUND_MB);
  });

  it("keeps every metric at its cardinality limit, the rest in one overflow series", () => {
    for (const name of [
      `${LATENCY_METRIC.promName}_count`,
      REQUESTS_METRIC.promName,
      ERRORS_METRIC.promName,
      TOKENS_METRIC.promName,
      EXCHANGE_SIZE_METRIC.promName,
      SATURATION_METRIC.promName,
    ]) {
      const samples = samplesOf(result.text, name);
      expect(samples.length, name).toBeLessThanOrEqual(2_001);
      const overflow = samples.filter((s) => s.labels.otel_metric_overflow === "true");
      expect(overflow, name).toHaveLength(1);
      // The overflow series carries no other label (`{otel_metric_overflow="true"}`, README).
      expect(Object.keys(overflow[0]!.labels), name).toEqual(["otel_metric_overflow"]);
    }
    // Nothing recorded is lost: every latency observation is in a series or in the overflow.
    const latencyCount = samplesOf(result.text, `${LATENCY_METRIC.promName}_count`).reduce(
      (t, s) => t + s.value,
      0,
    );
    // The warm-up value, 1,000,000 LATENCY values and 200,000 operations of trace().
    expect(latencyCount).toBe(1 + 1_000_000 + 200_000);
  });

  it("counts what went past the limit in zoran_telemetry_overflow_total", () => {
    const overflow = Object.fromEntries(
      samplesOf(result.text, OVERFLOW_METRIC.promName).map((s) => [s.labels.metric, s.value]),
    );
    // 2,000 series per metric, one already taken by the warm-up value "warm".
    expect(overflow[SATURATION_METRIC.promName]).toBe(1_000_000 - 1_999);
    expect(overflow[TOKENS_METRIC.promName]).toBeGreaterThanOrEqual(1_000_000 - 2_000);
    expect(overflow[LATENCY_METRIC.promName]).toBeGreaterThanOrEqual(1_000_000 - 2_000);
  });

  it("keeps scrapes bounded at the limit", () => {
    expect(result.scrapeMedianMs).toBeLessThan(SCRAPE_BOUND_MS);
  });

  it.skipIf(!promtool)("leaves an exposition promtool accepts", () => {
    const { status, output } = promtoolCheck(result.text);
    expect(output.trim()).toBe("");
    expect(status).toBe(0);
  });

  // Regression: the store used to overflow silently, with only the self-metric to tell.
  it("warns once through diag when a metric overflows", () => {
    const overflowWarnings = result.warnings.filter((w) => /overflow|cardinality/i.test(w));
    expect(overflowWarnings.length).toBeGreaterThan(0);
    expect(overflowWarnings.length).toBeLessThanOrEqual(6);
  });
});

describe("cardinality attack: distinct 256 KiB operation names", () => {
  // Regression: SeriesTable and the span-name cache used to keep up to 2 x cardinalityLimit raw
  // strings as cache keys whatever their length (4,000 distinct 64 KiB names pinned 263 MB; this
  // test pinned 150 MB).
  it(
    "does not pin the raw strings: 300 names (75 MiB) leave the heap under the bound",
    { timeout: 180_000 },
    () => {
      const long = runAttack("long", 300);
      console.info(`[long names] heap ${long.heapBeforeMb.toFixed(1)} -> ${long.heapAfterMb.toFixed(1)} MB`);
      expect(long.heapAfterMb - long.heapBeforeMb).toBeLessThan(HEAP_BOUND_MB);
    },
  );
});
