/** A signal the exit flush can listen to. */
export type ExitSignal = "SIGTERM" | "SIGINT";

/** What a collector hands the exit flush. */
export interface ExitFlushTarget {
  /** Runs when the event loop has emptied: a whole `shutdown()` (final flush, then closed). */
  shutdown(): Promise<void>;
  /** Runs on a signal: pushes what is pending, within the collector's shutdown budget. */
  flush(): Promise<void>;
}

interface Registration {
  readonly target: ExitFlushTarget;
  readonly signals: ReadonlySet<ExitSignal>;
}

/**
 * Every collector with an exit flush, behind one listener per event: each listener can tell the
 * application's own handlers from the collectors' (the one thing the signal logic needs to know).
 */
const registrations = new Set<Registration>();
const signalListeners = new Map<ExitSignal, () => void>();
let beforeExitListener: (() => void) | undefined;

/**
 * Flushes a collector at the end of a process that never called `shutdown()`, where Node allows it:
 *
 * - `beforeExit` (the event loop emptied: a batch job or script that ran to its end): the
 *   collector is shut down, which flushes every exporter once and keeps the loop alive only
 *   for that, within the collector's shutdown budget. Node then emits `beforeExit` again, finds
 *   nothing to do, and exits with the code it would have had.
 * - `SIGTERM` / `SIGINT` (a scheduler stopping the job, Ctrl-C): the collector flushes. Then, when
 *   nothing but the collectors listened to that signal when it arrived, the listener is removed
 *   and the signal raised again, so Node's default applies exactly as without this library: the
 *   process ends by that signal (exit status 128 + its number). When the application had handlers
 *   of its own (`on` or `once`), nothing more happens: its handlers decide, as they did before. A
 *   second signal during the flush ends the wait at once, the same way.
 *
 * Nothing runs on `process.exit()` (no asynchronous work can) or on a crash. The listeners are
 * removed with the last registration and never keep the process alive.
 *
 * @returns the function that unregisters (called by `shutdown()`)
 */
export function registerExitFlush(target: ExitFlushTarget, signals: readonly ExitSignal[]): () => void {
  const registration: Registration = { target, signals: new Set(signals) };
  registrations.add(registration);
  beforeExitListener ??= installBeforeExit();
  for (const signal of registration.signals) if (!signalListeners.has(signal)) installSignal(signal);
  return () => {
    registrations.delete(registration);
    removeUnused();
  };
}

function installBeforeExit(): () => void {
  const listener = () => {
    for (const { target } of [...registrations]) void target.shutdown().catch(() => undefined);
  };
  process.on("beforeExit", listener);
  return listener;
}

function installSignal(signal: ExitSignal): void {
  let flushing = false;
  const listener = () => {
    // Counted before any other listener runs (this one is first: prepended), so an application
    // handler registered with `once()` still counts although it removes itself when it runs.
    const applicationHandlers = process.listenerCount(signal) - 1;
    if (flushing) {
      // A second signal: stop waiting for the flush.
      if (applicationHandlers === 0) reraise(signal, listener);
      return;
    }
    flushing = true;
    const targets = [...registrations].filter((r) => r.signals.has(signal)).map((r) => r.target);
    void Promise.allSettled(targets.map((target) => target.flush())).then(() => {
      flushing = false;
      // With handlers of its own, the application decides how the process ends.
      if (applicationHandlers === 0) reraise(signal, listener);
    });
  };
  signalListeners.set(signal, listener);
  process.prependListener(signal, listener);
}

/**
 * Removes the collectors' listener of `signal` and, when no other listener is there (the
 * application has none), raises the signal again so that Node's default action ends the
 * process. When the application added a handler meanwhile, the listener stays: it decides.
 */
function reraise(signal: ExitSignal, listener: () => void): void {
  if (process.listenerCount(signal) > 1) return;
  process.removeListener(signal, listener);
  signalListeners.delete(signal);
  process.kill(process.pid, signal);
}

function removeUnused(): void {
  if (registrations.size === 0 && beforeExitListener !== undefined) {
    process.removeListener("beforeExit", beforeExitListener);
    beforeExitListener = undefined;
  }
  for (const [signal, listener] of signalListeners) {
    if ([...registrations].some((r) => r.signals.has(signal))) continue;
    process.removeListener(signal, listener);
    signalListeners.delete(signal);
  }
}
