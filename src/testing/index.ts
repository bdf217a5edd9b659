/**
 * `zoran-telemetrie/testing`: helpers for testing an application's own instrumentation with the
 * real collector, without ports or timers.
 */
export type { TestCollector } from "./create-test-collector.js";
export { createTestCollector } from "./create-test-collector.js";
export { ManualClock } from "./manual-clock.js";
