import { readFile } from "node:fs/promises";
import { clampRatio, type SaturationProbe } from "./saturation-probe.js";

/** Where Linux reports per-disk I/O counters. */
export const DISKSTATS_PATH = "/proc/diskstats";

/**
 * Disk I/O saturation on Linux: the busiest whole disk's share of wall time spent doing I/O
 * (field 13 of `/proc/diskstats`, "time spent doing I/Os", in ms) since the previous sample.
 * Partitions, loop and RAM devices are skipped. Elsewhere (no `/proc/diskstats`) the probe
 * returns undefined and nothing is recorded: I/O saturation is documented as Linux-only.
 */
export function createIoProbe(path: string = DISKSTATS_PATH): SaturationProbe {
  let last: Map<string, number> | undefined;
  let lastMs = 0;
  let unavailable = false;
  return {
    resource: "io",
    async sample() {
      if (unavailable) return undefined;
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch {
        unavailable = true;
        return undefined;
      }
      const nowMs = performance.now();
      const busy = parseDiskstats(text);
      const previous = last;
      const elapsedMs = nowMs - lastMs;
      last = busy;
      lastMs = nowMs;
      if (previous === undefined || elapsedMs <= 0) return undefined;
      let max = 0;
      for (const [device, ioMs] of busy) {
        const before = previous.get(device);
        if (before !== undefined && ioMs >= before) max = Math.max(max, (ioMs - before) / elapsedMs);
      }
      return clampRatio(max);
    },
  };
}

/** Milliseconds spent doing I/O per whole disk, from the text of `/proc/diskstats`. */
export function parseDiskstats(text: string): Map<string, number> {
  const busy = new Map<string, number>();
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    const device = fields[2];
    const ioMs = Number(fields[12]);
    if (device === undefined || !Number.isFinite(ioMs)) continue;
    if (/^(loop|ram|zram|sr|fd)\d*/.test(device)) continue;
    // Partitions (sda1, nvme0n1p1, vda2, mmcblk0p1) would double-count their disk.
    if (/^(sd|vd|xvd|hd)[a-z]+\d+$/.test(device) || /(nvme\d+n\d+|mmcblk\d+)p\d+$/.test(device)) continue;
    busy.set(device, ioMs);
  }
  return busy;
}
