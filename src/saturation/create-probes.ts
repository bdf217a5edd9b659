import { PROBE_RESOURCES, type ProbeResource } from "../signals/label-values.js";
import { createCpuProbe } from "./cpu.js";
import { createEventLoopProbe } from "./event-loop.js";
import { createIoProbe } from "./io.js";
import { createMemoryProbe } from "./memory.js";
import type { SaturationProbe } from "./saturation-probe.js";

const PROBE_FACTORIES: Readonly<Record<ProbeResource, () => SaturationProbe>> = {
  cpu: createCpuProbe,
  memory: createMemoryProbe,
  event_loop: createEventLoopProbe,
  io: createIoProbe,
};

/** The probes for `resources` (every automatic one by default); names outside the set are skipped. */
export function createProbes(resources: readonly unknown[] = PROBE_RESOURCES): SaturationProbe[] {
  return resources
    .filter((resource): resource is ProbeResource =>
      (PROBE_RESOURCES as readonly unknown[]).includes(resource),
    )
    .map((resource) => PROBE_FACTORIES[resource]());
}

/** `true` when `name` is one of the automatic probes' resources. */
export function isProbeResource(name: unknown): name is ProbeResource {
  return (PROBE_RESOURCES as readonly unknown[]).includes(name);
}
