/** A clock that moves only when told: epoch milliseconds for the window store and alerting. */
export class ManualClock {
  /** @param nowMs the starting time, in epoch milliseconds @default 1767225600000 (2026-01-01) */
  constructor(private nowMs = 1_767_225_600_000) {}

  /** The current time, in epoch milliseconds. */
  now = (): number => this.nowMs;

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError("ManualClock.advance(ms) needs ms >= 0");
    this.nowMs += ms;
  }
}
