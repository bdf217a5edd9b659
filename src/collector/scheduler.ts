/**
 * The collector's one scheduler: every periodic task (saturation probes, window ticks) runs on
 * it, with `unref()`ed timers (the collector never keeps a process alive), no overlap (a tick
 * that finds the previous run still busy is skipped: a slow collection must not pile up), and one
 * `stop()` for all of them.
 */
export class Scheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly tasks: (() => Promise<void>)[] = [];

  /** @param manual no timers: tasks run only through {@link runAll} (a test's manual clock). */
  constructor(private readonly manual = false) {}

  /** Runs `task` now, then every `intervalMs`; resolves when the first run has finished. */
  async every(intervalMs: number, task: () => Promise<void> | void): Promise<void> {
    let busy = false;
    const run = async () => {
      if (busy) return;
      busy = true;
      try {
        await task();
      } catch {
        // Each task reports its own failures; a timer callback must never reject unhandled.
      } finally {
        busy = false;
      }
    };
    this.tasks.push(run);
    await run();
    if (this.manual) return;
    const timer = setInterval(() => void run(), intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  /** Runs every task once, now, in the order they were scheduled (tests' manual clock). */
  async runAll(): Promise<void> {
    for (const task of this.tasks) await task();
  }

  /** Clears every timer; tasks already running finish on their own. */
  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
  }
}
