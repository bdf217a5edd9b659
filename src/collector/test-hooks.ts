/**
 * Internal hooks of a collector for the shipped test helpers (`zoran-telemetrie/testing`):
 * under a registered symbol, so every copy of the package agrees on the key and no public
 * option name is taken.
 */
export const TEST_HOOKS = Symbol.for("zoran-telemetrie.test-hooks");

/** What {@link TEST_HOOKS} carries in a collector's options. */
export interface TestHooks {
  /** Epoch milliseconds of the window store and alerting (a manual clock). */
  readonly clock: () => number;
  /** Periodic work (probes, window, alerting) runs only when the test says so. */
  readonly manualScheduler: boolean;
}

/** Key of the collector method that runs every periodic task once, now. */
export const RUN_PERIODIC = Symbol.for("zoran-telemetrie.run-periodic");
