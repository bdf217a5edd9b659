import {
  decodePayload,
  encodePayload,
  ensureScratchBytes,
  MAX_VARINT_BYTES,
  readVarint,
  type SlotLayout,
  scratchBytes,
  scratchValues,
  skipPayload,
  varintEnd,
  writeVarint,
} from "./slot-encoding.js";
import { addSlotsTo, forEachSlot, gaugeOfSlots, sumSlots } from "./slot-scan.js";

export type { SlotLayout } from "./slot-encoding.js";

/**
 * The slots of one series (or one aggregate) in one tier of the window store, kept as a log of
 * bytes holding only the slots that received something, oldest first. An idle series costs no
 * slot; a busy one costs a few bytes per slot instead of `width * 8` (docs/alerting.md, "The
 * window store").
 *
 * A record is `[epoch gap][payload]`: the gap to the previous record's interval number (a
 * varint, 1 byte for consecutive slots), then the slot's numbers:
 *
 * - counter: `value`
 * - gauge: `last max` (`max` as the one-byte "same as last" when they are equal)
 * - histogram: the bucket mask (7 buckets per byte, low bucket first, high bit = more mask bytes
 *   follow), then one `value` per bucket whose bit is set
 *
 * A `value` is exact: an integer `0 <= n <= 2^52` is the varint of `2n` (1 byte below 64, 2
 * below 8,192: counts per slot are small), anything else is the byte `0x01` and its 8 bytes of
 * float64. So the sums a query makes are the same, bit for bit, as over a dense Float64Array.
 *
 * Example, histogram of 15 buckets, a slot right after the previous one with 3 observations in
 * bucket 4 and 1 in bucket 9: gap `01`, mask `90 02` (bits 4 and 7+2), values `06 02`: 6 bytes,
 * where a dense slot costs 15 * 8 = 120.
 *
 * Every `checkpointEvery` records the interval number and offset of a record are kept, so a
 * query finds the start of its window by a binary search and a scan of fewer records than that. Only the newest
 * record is ever rewritten (ingests of the current interval add to it); records older than the
 * tier's retention are dropped from the front by {@link trimBefore}.
 */
export class SlotLog {
  private bytes: Uint8Array = EMPTY_BYTES;
  /** Offset of the oldest record. */
  private head = 0;
  /** Offset just past the newest record. */
  private tail = 0;
  private records = 0;
  /** Interval number of the oldest and of the newest record. */
  private firstEpoch = 0;
  private lastEpoch = 0;
  /** Offset of the newest record's payload (after its gap). */
  private lastPayload = 0;
  /** `[epoch, offset, epoch, offset, ...]` of every `checkpointEvery`-th record, from `checkpointHead`. */
  private checkpoints: number[] | undefined;
  private checkpointHead = 0;
  /** Records appended since the last checkpoint. */
  private sinceCheckpoint = 0;

  constructor(
    private readonly layout: SlotLayout,
    /** Numbers per slot: 1 (counter), 2 (gauge), buckets (histogram). */
    private readonly width: number,
    /**
     * Records between checkpoints: fewer is a shorter scan to a window's start, more is less
     * memory (16 bytes per checkpoint). @default 16
     */
    private readonly checkpointEvery = 16,
  ) {}

  /** True when no slot is held. */
  get empty(): boolean {
    return this.records === 0;
  }

  /** Bytes held by this log (its buffer and checkpoints), for the memory figures. */
  get retainedBytes(): number {
    return this.bytes.byteLength + (this.checkpoints?.length ?? 0) * 8;
  }

  /**
   * Adds `values` (one per number of the slot) into the slot of interval `epoch`, which is the
   * newest one written or a later one. Zeros are not stored: a slot of zeros is no record.
   */
  add(epoch: number, values: ArrayLike<number>): void {
    if (this.records > 0 && epoch < this.lastEpoch) epoch = this.lastEpoch;
    const width = this.width;
    const scratch = scratchValues(width);
    if (this.records > 0 && epoch === this.lastEpoch) {
      decodePayload(this.bytes, this.lastPayload, this.layout, width, scratch);
      let changed = false;
      for (let i = 0; i < width; i++) {
        const delta = values[i]!;
        if (delta !== 0) {
          scratch[i] = scratch[i]! + delta;
          changed = true;
        }
      }
      if (changed) this.rewriteLast(scratch);
      return;
    }
    let any = false;
    for (let i = 0; i < width; i++) {
      scratch[i] = values[i]!;
      if (scratch[i] !== 0) any = true;
    }
    if (any) this.append(epoch, scratch);
  }

  /**
   * A gauge sample in the slot of interval `epoch` (the newest one written or a later one): the
   * slot's last sample becomes `value`, its highest the larger of the two.
   */
  sample(epoch: number, value: number): void {
    if (this.records > 0 && epoch < this.lastEpoch) epoch = this.lastEpoch;
    const scratch = scratchValues(2);
    if (this.records > 0 && epoch === this.lastEpoch) {
      decodePayload(this.bytes, this.lastPayload, this.layout, 2, scratch);
      scratch[0] = value;
      scratch[1] = Math.max(scratch[1]!, value);
      this.rewriteLast(scratch);
      return;
    }
    scratch[0] = value;
    scratch[1] = value;
    this.append(epoch, scratch);
  }

  /** Sum of the counter values of the slots of intervals `from..to`, oldest first (as a dense ring adds them). */
  sum(from: number, to: number): number {
    if (this.records === 0 || to < from) return 0;
    const offset = this.seek(from);
    return sumSlots(this.bytes, offset, this.tail, this.cursorEpoch, from, to);
  }

  /** Adds the bucket values of the slots of intervals `from..to` into `counts`, oldest first. */
  addTo(from: number, to: number, counts: Float64Array): void {
    if (this.records === 0 || to < from) return;
    const offset = this.seek(from);
    addSlotsTo(this.bytes, offset, this.tail, this.cursorEpoch, this.width, from, to, counts);
  }

  /**
   * The gauge statistic over the slots of intervals `from..to`: `last` the newest slot's last
   * sample, `max` the highest sample; NaN when no slot there holds a sample.
   */
  gauge(statistic: "last" | "max", from: number, to: number): number {
    if (this.records === 0 || to < from) return Number.NaN;
    const offset = this.seek(from);
    return gaugeOfSlots(this.bytes, offset, this.tail, this.cursorEpoch, statistic, from, to);
  }

  /**
   * Calls `visit` with each slot of intervals `from..to`, oldest first, and its numbers (a
   * scratch array, valid during the call only).
   */
  forEach(from: number, to: number, visit: (epoch: number, values: Float64Array) => void): void {
    if (this.records === 0 || to < from) return;
    const offset = this.seek(from);
    forEachSlot(this.bytes, offset, this.tail, this.cursorEpoch, this.layout, this.width, from, to, visit);
  }

  /** Drops the slots of intervals before `epoch` (they left the tier's retention). */
  trimBefore(epoch: number): void {
    if (this.records === 0 || this.firstEpoch >= epoch) return;
    if (this.lastEpoch < epoch) {
      this.clear();
      return;
    }
    const bytes = this.bytes;
    let offset = this.head;
    let current = this.firstEpoch;
    // Skip the head record's gap (it is relative to a record already dropped).
    readVarint(bytes, offset);
    offset = skipPayload(bytes, varintEnd, this.layout, this.width);
    this.records--;
    while (true) {
      const gap = readVarint(bytes, offset);
      const next = current + gap;
      if (next >= epoch) {
        this.head = offset;
        this.firstEpoch = next;
        break;
      }
      current = next;
      offset = skipPayload(bytes, varintEnd, this.layout, this.width);
      this.records--;
    }
    const checkpoints = this.checkpoints;
    if (checkpoints !== undefined) {
      while (this.checkpointHead < checkpoints.length && checkpoints[this.checkpointHead + 1]! < this.head) {
        this.checkpointHead += 2;
      }
      if (this.checkpointHead > 64 && this.checkpointHead * 2 > checkpoints.length) {
        checkpoints.splice(0, this.checkpointHead);
        this.checkpointHead = 0;
      }
    }
  }

  /** Drops every slot and the buffer behind them. */
  clear(): void {
    this.bytes = EMPTY_BYTES;
    this.head = 0;
    this.tail = 0;
    this.records = 0;
    this.checkpoints = undefined;
    this.checkpointHead = 0;
    this.sinceCheckpoint = 0;
  }

  /** Interval number of the record where the last `seek` stopped. */
  private cursorEpoch = 0;

  /**
   * Offset of a record at or before the first record of interval `from` or later, with
   * `cursorEpoch` its interval number; scanning starts there and skips what is before `from`.
   */
  private seek(from: number): number {
    let offset = this.head;
    let epoch = this.firstEpoch;
    const checkpoints = this.checkpoints;
    if (checkpoints !== undefined && from > epoch) {
      // Last checkpoint whose interval is <= from.
      let lo = this.checkpointHead / 2;
      let hi = checkpoints.length / 2 - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (checkpoints[mid * 2]! <= from) {
          epoch = checkpoints[mid * 2]!;
          offset = checkpoints[mid * 2 + 1]!;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
    }
    // The record at `offset` has its interval number here, not from its gap.
    this.cursorEpoch = epoch;
    return offset;
  }

  private append(epoch: number, values: Float64Array): void {
    const gap = this.records === 0 ? 0 : epoch - this.lastEpoch;
    ensureScratchBytes(MAX_VARINT_BYTES);
    const payloadAt = writeVarint(scratchBytes, 0, gap);
    const length = encodePayload(this.layout, this.width, values, payloadAt);
    this.reserve(length);
    const at = this.tail;
    this.bytes.set(scratchBytes.subarray(0, length), at);
    if (this.records === 0) this.firstEpoch = epoch;
    this.records++;
    this.lastEpoch = epoch;
    this.lastPayload = at + payloadAt;
    this.tail = at + length;
    if (++this.sinceCheckpoint >= this.checkpointEvery) {
      this.sinceCheckpoint = 0;
      if (this.checkpoints === undefined) this.checkpoints = [];
      this.checkpoints.push(epoch, at);
    }
  }

  private rewriteLast(values: Float64Array): void {
    const length = encodePayload(this.layout, this.width, values, 0);
    const at = this.lastPayload;
    this.tail = at;
    this.reserve(length);
    // `reserve` may have moved the records: the newest payload starts at the (new) tail.
    this.lastPayload = this.tail;
    this.bytes.set(scratchBytes.subarray(0, length), this.tail);
    this.tail += length;
  }

  /** Makes room for `length` more bytes at the tail, compacting or growing the buffer. */
  private reserve(length: number): void {
    if (this.tail + length <= this.bytes.length) return;
    const live = this.tail - this.head;
    const needed = live + length;
    let capacity = this.bytes.length;
    // Compacting in place while that frees an eighth of the buffer, else a buffer 1/8 larger than
    // the live bytes: a busy log stays about as large as its retention, so doubling would waste
    // up to half of it, and compacting (a copy of a few KB) every few dozen slots costs little.
    if (needed > capacity * 0.875) capacity = Math.max(MIN_CAPACITY, Math.ceil((needed * 1.125) / 16) * 16);
    const shift = this.head;
    if (capacity === this.bytes.length) {
      this.bytes.copyWithin(0, this.head, this.tail);
    } else {
      const grown = new Uint8Array(capacity);
      grown.set(this.bytes.subarray(this.head, this.tail));
      this.bytes = grown;
    }
    this.head = 0;
    this.tail -= shift;
    this.lastPayload -= shift;
    const checkpoints = this.checkpoints;
    if (checkpoints !== undefined) {
      checkpoints.splice(0, this.checkpointHead);
      this.checkpointHead = 0;
      for (let i = 1; i < checkpoints.length; i += 2) checkpoints[i] = checkpoints[i]! - shift;
    }
  }
}

const MIN_CAPACITY = 32;
const EMPTY_BYTES = new Uint8Array(0);
