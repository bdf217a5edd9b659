import { type EventLoopUtilization, performance } from "node:perf_hooks";
import { clampRatio, type SaturationProbe } from "./saturation-probe.js";

/**
 * Event-loop saturation: the event-loop utilization (share of time the loop was busy, not idle
 * waiting for I/O) since the previous sample, from `performance.eventLoopUtilization()`.
 */
export function createEventLoopProbe(): SaturationProbe {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  let first = true;
  return {
    resource: "event_loop",
    sample() {
      const now = performance.eventLoopUtilization();
      // The first sample covers the process' whole life: a fair start before any delta exists.
      const delta = first ? now : performance.eventLoopUtilization(now, last);
      first = false;
      last = now;
      return clampRatio(delta.utilization);
    },
  };
}
