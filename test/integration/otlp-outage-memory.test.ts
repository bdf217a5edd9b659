import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { startOtlpReceiver } from "../helpers/otlp-receiver.js";

describe("OTLP exporter during a long outage", () => {
  it("keeps the heap flat while exports fail for seconds (bounded span buffer, no metric queue)", async () => {
    const receiver = await startOtlpReceiver();
    const deadUrl = receiver.url;
    await receiver.stop(); // a real port that refuses connections
    const child = spawnSync(
      process.execPath,
      [
        "--expose-gc",
        "--import",
        "tsx",
        new URL("../exporters/otlp/outage-memory-child.ts", import.meta.url).pathname,
        deadUrl,
        "8",
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(child.status, child.stderr).toBe(0);
    const { heapMb, failures, spans } = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}");
    expect(failures).toBeGreaterThan(100); // about 50 failed exports a second: the outage was real
    expect(spans).toBeGreaterThan(10_000); // far more than the 2048 spans the buffer may keep
    expect(heapMb.length).toBeGreaterThanOrEqual(6);
    // After warm-up (first two samples) the heap may wobble but must not climb with time.
    const settled = heapMb.slice(2) as number[];
    expect(Math.max(...settled) - Math.min(...settled)).toBeLessThan(3);
  }, 70_000);
});
