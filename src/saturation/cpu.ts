import { availableParallelism } from "node:os";
import { clampRatio, type SaturationProbe } from "./saturation-probe.js";

/**
 * CPU saturation of the process: CPU time (user + system) over wall time over available cores,
 * since the previous sample (the first sample covers the time since the process started).
 */
export function createCpuProbe(): SaturationProbe {
  const cores = Math.max(1, availableParallelism());
  let lastCpu = process.cpuUsage();
  let lastWallNs = process.hrtime.bigint();
  let first = true;
  return {
    resource: "cpu",
    sample() {
      const cpu = process.cpuUsage();
      const wallNs = process.hrtime.bigint();
      let usedMicros: number;
      let wallMicros: number;
      if (first) {
        first = false;
        usedMicros = cpu.user + cpu.system;
        wallMicros = process.uptime() * 1e6;
      } else {
        usedMicros = cpu.user - lastCpu.user + (cpu.system - lastCpu.system);
        wallMicros = Number(wallNs - lastWallNs) / 1e3;
      }
      lastCpu = cpu;
      lastWallNs = wallNs;
      return wallMicros > 0 ? clampRatio(usedMicros / wallMicros / cores) : undefined;
    },
  };
}
