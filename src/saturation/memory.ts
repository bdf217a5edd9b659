import { totalmem } from "node:os";
import { clampRatio, type SaturationProbe } from "./saturation-probe.js";

/**
 * Memory saturation of the process: resident set size over the cgroup memory limit when the
 * process runs under one (containers), else over the machine's total memory.
 */
export function createMemoryProbe(): SaturationProbe {
  return {
    resource: "memory",
    sample() {
      // process.constrainedMemory() reads the cgroup limit (Node >= 19.6); it returns 0, or a
      // huge number near 2^63, when there is none.
      const constrained = process.constrainedMemory?.() ?? 0;
      const total = totalmem();
      const limit = constrained > 0 && constrained < total ? constrained : total;
      return clampRatio(process.memoryUsage.rss() / limit);
    },
  };
}
