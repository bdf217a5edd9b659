// Run by test/regression/default-service-name-has-no-path.test.ts with `argv0` set to a path under
// a home directory (as nvm, volta or asdf start node). Prints the `target_info` line of /metrics.
import { TelemetryCollector } from "../../src/index.js";

const collector = new TelemetryCollector({
  exporter: "none",
  saturation: false,
  runtimeMetrics: false,
  window: false,
  ...(process.argv[2] === undefined ? {} : { serviceName: process.argv[2] }),
});
const text = await collector.export("prometheus");
await collector.shutdown();
console.log(text.split("\n").find((line) => line.startsWith("target_info{")) ?? "");
