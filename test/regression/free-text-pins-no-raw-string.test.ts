import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/**
 * Issue 15, finding 1: "Long free-text names pin their raw string. 300 distinct operation names
 * of 256 KiB without whitespace: heap +75 MB; 2,000 of 1 MiB: +2 GB (rss 2.08 GB). The
 * 128-character label is a slice, and V8 keeps the parent alive through it. Same for resource,
 * series, trace, wrap, exchange operation and model, response model, fetch `operation`. The
 * existing test misses it because its names have a space near the start."
 *
 * Every free-text entry point gets 300 distinct 256 KiB names with no whitespace (75 MiB in all),
 * and 300 names of 100 characters sliced from distinct 256 KiB strings (short enough to be kept
 * as cache keys), in a child process under --expose-gc; the heap after full GCs may grow by what
 * the 300 bounded labels, their series and spans cost, not by the raw names. Measured before the
 * fix: +75 to +77 MB on every long-name path, +75 MB for the sliced names on the operation,
 * resource, series, trace and exchange paths (raw cache keys); after: +0.1 to +2 MB.
 */

/** Growth allowed per path: 300 series of 128-character labels and 300 buffered spans. */
const HEAP_BOUND_MB = 12;

const PATHS = [
  "operation",
  "resource",
  "series",
  "trace",
  "wrap",
  "exchangeOperation",
  "exchangeModel",
  "responseModel",
  "fetchOperation",
];

describe("free text keeps no reference to the caller's raw string", () => {
  it(
    "300 distinct 256 KiB names, or slices of them, leave the heap under the bound on every free-text path",
    {
      timeout: 120_000,
    },
    () => {
      const child = spawnSync(
        process.execPath,
        [
          "--expose-gc",
          "--import",
          "tsx",
          new URL("./free-text-pins-no-raw-string-child.ts", import.meta.url).pathname,
          "300",
        ],
        { encoding: "utf8", timeout: 110_000 },
      );
      if (child.status !== 0) throw new Error(`child failed (${child.status}): ${child.stderr}`);
      const growthMb = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, number>;
      console.info(`[free-text pinning] heap growth per path, MB: ${JSON.stringify(growthMb)}`);
      expect(Object.keys(growthMb).sort()).toEqual(
        PATHS.flatMap((path) => [`${path} long`, `${path} slice`]).sort(),
      );
      // All paths in one assertion, so one run shows every one that pins.
      expect(Object.entries(growthMb).filter(([, mb]) => !(mb < HEAP_BOUND_MB))).toEqual([]);
    },
  );
});
