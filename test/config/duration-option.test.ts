import { describe, expect, it } from "vitest";
import { countOption } from "../../src/config/count-option.js";
import {
  durationFrom,
  durationOption,
  envDuration,
  MAX_TIMER_MS,
  parseDuration,
} from "../../src/config/duration-option.js";

/** A diag logger that keeps its warnings. */
function recordingDiag() {
  const warnings: string[] = [];
  const ignore = () => {};
  return {
    warnings,
    diag: {
      warn: (m: string) => void warnings.push(m),
      error: ignore,
      info: ignore,
      debug: ignore,
      verbose: ignore,
    },
  };
}

const spec = { name: "json.intervalMs", defaultMs: 60_000 };

describe("parseDuration", () => {
  it("reads milliseconds and Prometheus syntax, nothing else", () => {
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("0")).toBe(0);
    for (const bad of [
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      "",
      "5 m",
      "-5m",
      "soon",
      "300",
      null,
      {},
      10n,
      Symbol("s"),
    ]) {
      expect(parseDuration(bad), String(typeof bad)).toBeUndefined();
    }
  });
});

describe("durationOption", () => {
  it("takes a usable duration as it is, in whole milliseconds, and the default silently when absent", () => {
    const { diag, warnings } = recordingDiag();
    expect(durationOption(15_000, spec, diag)).toBe(15_000);
    expect(durationOption("2m", spec, diag)).toBe(120_000);
    expect(durationOption(1.6, spec, diag)).toBe(2);
    expect(durationOption(undefined, spec, diag)).toBe(60_000);
    expect(warnings).toEqual([]);
  });

  it("clamps what timers cannot take (past 2^31 - 1 ms Node fires after 1 ms) and says so once", () => {
    const { diag, warnings } = recordingDiag();
    expect(durationOption(2 ** 32, spec, diag)).toBe(MAX_TIMER_MS);
    expect(durationOption(2 ** 32, spec, diag)).toBe(MAX_TIMER_MS);
    expect(durationOption("30d", spec, diag)).toBe(MAX_TIMER_MS);
    expect(durationOption(0.2, spec, diag)).toBe(1);
    expect(durationOption(500, { ...spec, minMs: 1000 }, diag)).toBe(1000);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toBe(
      `zoran-telemetrie: json.intervalMs must be a duration from 1 to ${MAX_TIMER_MS} ms (a number of milliseconds or "30s", "5m", "1h") (got 4294967296); using ${MAX_TIMER_MS} ms.`,
    );
  });

  it("gives the default for a value that is not a duration, reported once per value, never quoting text", () => {
    const { diag, warnings } = recordingDiag();
    for (const bad of [0, -5, Number.NaN, "soon", null, true, {}, [], 10n, Symbol("s"), () => 1]) {
      expect(durationOption(bad, spec, diag)).toBe(60_000);
      expect(durationOption(bad, spec, diag)).toBe(60_000);
    }
    expect(warnings).toHaveLength(11);
    expect(warnings.every((w) => w.includes("json.intervalMs") && w.endsWith("using 60000 ms."))).toBe(true);
    expect(durationOption("jane.doe@example.com is not a duration", spec, diag)).toBe(60_000);
    expect(warnings.at(-1)).toContain("got a string of 38 characters");
  });

  it("never throws, even with a logger that throws", () => {
    const diag = {
      warn() {
        throw new Error("logger throws");
      },
      error() {},
      info() {},
      debug() {},
      verbose() {},
    };
    expect(durationOption(-1, spec, diag)).toBe(60_000);
    expect(durationOption(-1, spec, undefined)).toBe(60_000);
  });
});

describe("durationFrom", () => {
  it("takes the first usable candidate (option, then environment), reporting and skipping bad ones", () => {
    const { diag, warnings } = recordingDiag();
    const env = (text: string | undefined) => [
      { name: "json.intervalMs", value: undefined },
      { name: "OTEL_METRIC_EXPORT_INTERVAL", value: envDuration(text) },
    ];
    expect(durationFrom(env("5000"), { defaultMs: 60_000 }, diag)).toBe(5000);
    expect(durationFrom(env(" 10s "), { defaultMs: 60_000 }, diag)).toBe(10_000);
    expect(durationFrom(env(""), { defaultMs: 60_000 }, diag)).toBe(60_000);
    expect(durationFrom(env(undefined), { defaultMs: 60_000 }, diag)).toBe(60_000);
    expect(warnings).toEqual([]);
    expect(durationFrom(env("soon"), { defaultMs: 60_000 }, diag)).toBe(60_000);
    expect(
      durationFrom(
        [{ name: "json.intervalMs", value: -1 }, ...env("7000").slice(1)],
        { defaultMs: 60_000 },
        diag,
      ),
    ).toBe(7000);
    expect(warnings).toHaveLength(2);
  });
});

describe("countOption", () => {
  it("follows the same policy for whole numbers", () => {
    const { diag, warnings } = recordingDiag();
    const count = { name: "otlp.maxRetainedSpans", defaultValue: 2048, max: 1_000_000 };
    expect(countOption(undefined, count, diag)).toBe(2048);
    expect(countOption(100.7, count, diag)).toBe(100);
    expect(warnings).toEqual([]);
    expect(countOption(0, count, diag)).toBe(2048);
    expect(countOption("10", count, diag)).toBe(2048);
    expect(countOption(1e12, count, diag)).toBe(1_000_000);
    expect(countOption(0, { ...count, min: 0 }, diag)).toBe(0);
    expect(warnings).toHaveLength(3);
  });
});
