import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createCpuProbe } from "../../src/saturation/cpu.js";
import { createEventLoopProbe } from "../../src/saturation/event-loop.js";
import { createIoProbe, parseDiskstats } from "../../src/saturation/io.js";
import { createMemoryProbe } from "../../src/saturation/memory.js";

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

describe("saturation probes", () => {
  it("cpu: reads process CPU time over wall time over cores, since the previous sample", async () => {
    const { availableParallelism } = await import("node:os");
    const probe = createCpuProbe();
    probe.sample();
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    busy(200);
    const value = (await probe.sample())!;
    const used = process.cpuUsage(cpuBefore);
    const expected =
      (used.user + used.system) / 1000 / (performance.now() - wallBefore) / availableParallelism();
    // Same interval, measured independently: equal within the few microseconds between the reads.
    expect(value).toBeCloseTo(expected, 1);
    expect(value).toBeGreaterThan(0);
    expect(value).toBeLessThanOrEqual(1);
  });

  it("memory: resident memory over the limit is a ratio in (0, 1)", async () => {
    const value = (await createMemoryProbe().sample())!;
    expect(value).toBeGreaterThan(0);
    expect(value).toBeLessThan(1);
  });

  it("event loop: a loop blocked since the previous sample reads as nearly fully used", async () => {
    const probe = createEventLoopProbe();
    probe.sample();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const waited = (await probe.sample())!;
    busy(100);
    const blocked = (await probe.sample())!;
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(waited).toBeLessThanOrEqual(1);
    // 100 ms of synchronous work between two samples: no idle time in between.
    expect(blocked).toBeGreaterThan(0.9);
  });

  it("io: reads the busy-time delta of whole disks, skipping partitions and loop devices", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zoran-io-"));
    const file = join(dir, "diskstats");
    const line = (device: string, ioMs: number) => `   8       0 ${device} 1 2 3 4 5 6 7 8 9 ${ioMs} 11`;
    writeFileSync(file, [line("sda", 1000), line("sda1", 1000), line("loop0", 0)].join("\n"));
    expect([
      ...parseDiskstats(
        [line("sda", 5), line("sda1", 5), line("loop0", 5), line("nvme0n1p2", 5)].join("\n"),
      ).keys(),
    ]).toEqual(["sda"]);
    const probe = createIoProbe(file);
    expect(await probe.sample()).toBeUndefined();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
    writeFileSync(file, [line("sda", 1050), line("sda1", 9999), line("loop0", 9999)].join("\n"));
    const value = (await probe.sample())!;
    const elapsed = performance.now() - started;
    expect(value).toBeCloseTo(50 / elapsed, 1);
    expect(await createIoProbe(join(dir, "missing")).sample()).toBeUndefined();
  });
});
