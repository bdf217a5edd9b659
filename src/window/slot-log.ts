/**
 * How the numbers of one slot are laid out: `counter` one value (a delta), `gauge` two (last
 * sample, highest sample), `histogram` one per bucket (bucket deltas, most of them zero).
 */
export type SlotLayout = "counter" | "gauge" | "histogram";

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
    let sum = 0;
    if (this.records === 0 || to < from) return sum;
    const bytes = this.bytes;
    const tail = this.tail;
    let offset = this.seek(from);
    let epoch = this.cursorEpoch;
    let first = true;
    while (offset < tail) {
      // One-byte gaps and one-byte values inline: most slots are consecutive and counts small.
      let gap = bytes[offset]!;
      if (gap < 0x80) offset++;
      else {
        gap = readVarint(bytes, offset);
        offset = varintEnd;
      }
      if (first) first = false;
      else epoch += gap;
      const head = bytes[offset]!;
      let value: number;
      if ((head & 0x81) === 0) {
        value = head >> 1;
        offset++;
      } else {
        value = readValue(bytes, offset, 0);
        offset = valueEnd;
      }
      if (epoch > to) break;
      if (epoch >= from) sum += value;
    }
    return sum;
  }

  /** Adds the bucket values of the slots of intervals `from..to` into `counts`, oldest first. */
  addTo(from: number, to: number, counts: Float64Array): void {
    if (this.records === 0 || to < from) return;
    const bytes = this.bytes;
    const width = this.width;
    const tail = this.tail;
    let offset = this.seek(from);
    let epoch = this.cursorEpoch;
    let first = true;
    while (offset < tail) {
      let gap = bytes[offset]!;
      if (gap < 0x80) offset++;
      else {
        gap = readVarint(bytes, offset);
        offset = varintEnd;
      }
      if (first) first = false;
      else epoch += gap;
      if (epoch > to) break;
      const inside = epoch >= from;
      if (width > 28) {
        offset = readMask(bytes, offset, width);
        for (let b = 0; b < width; b++) {
          if (maskBits[b] === 0) continue;
          const value = readValue(bytes, offset, 0);
          offset = valueEnd;
          if (inside) counts[b] = counts[b]! + value;
        }
        continue;
      }
      // Up to 28 buckets: the mask fits one integer; visit its set bits, lowest first.
      let mask = 0;
      let shift = 0;
      let byte: number;
      do {
        byte = bytes[offset++]!;
        mask |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte >= 0x80);
      while (mask !== 0) {
        const low = mask & -mask;
        mask ^= low;
        const head = bytes[offset]!;
        let value: number;
        if ((head & 0x81) === 0) {
          value = head >> 1;
          offset++;
        } else {
          value = readValue(bytes, offset, 0);
          offset = valueEnd;
        }
        if (inside) {
          const b = 31 - Math.clz32(low);
          counts[b] = counts[b]! + value;
        }
      }
    }
  }

  /**
   * The gauge statistic over the slots of intervals `from..to`: `last` the newest slot's last
   * sample, `max` the highest sample; NaN when no slot there holds a sample.
   */
  gauge(statistic: "last" | "max", from: number, to: number): number {
    let result = Number.NaN;
    if (this.records === 0 || to < from) return result;
    const bytes = this.bytes;
    let offset = this.seek(from);
    let epoch = this.cursorEpoch;
    let first = true;
    while (offset < this.tail) {
      const gap = readVarint(bytes, offset);
      offset = varintEnd;
      if (first) first = false;
      else epoch += gap;
      const last = readValue(bytes, offset, 0);
      const max = readValue(bytes, valueEnd, last);
      offset = valueEnd;
      if (epoch > to) break;
      if (epoch < from) continue;
      const sample = statistic === "last" ? last : max;
      result = statistic === "last" || Number.isNaN(result) ? sample : Math.max(result, sample);
    }
    return result;
  }

  /**
   * Calls `visit` with each slot of intervals `from..to`, oldest first, and its numbers (a
   * scratch array, valid during the call only).
   */
  forEach(from: number, to: number, visit: (epoch: number, values: Float64Array) => void): void {
    if (this.records === 0 || to < from) return;
    const width = this.width;
    const values = new Float64Array(width);
    let offset = this.seek(from);
    let epoch = this.cursorEpoch;
    let first = true;
    while (offset < this.tail) {
      const gap = readVarint(this.bytes, offset);
      offset = varintEnd;
      if (first) first = false;
      else epoch += gap;
      offset = decodePayload(this.bytes, offset, this.layout, width, values);
      if (epoch > to) break;
      if (epoch >= from) visit(epoch, values);
    }
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
/** Longest varint: 2^53 in 7-bit groups. */
const MAX_VARINT_BYTES = 8;
const EMPTY_BYTES = new Uint8Array(0);

// The largest integer stored as a varint; larger ones and non-integers are stored as float64.
const MAX_VARINT_INTEGER = 2 ** 52;
/** First byte of a value: float64 follows. */
const FLOAT_TAG = 0x01;
/** First byte of a gauge's `max`: the same as its `last`. */
const SAME_TAG = 0x03;

// Decoders return their end offset through these (no allocation per value).
let varintEnd = 0;
let valueEnd = 0;
/** Bits of the mask `readMask` read last, one byte per bucket. */
let maskBits = new Uint8Array(64);

const float = new Float64Array(1);
const floatBytes = new Uint8Array(float.buffer);
let scratchBytes = new Uint8Array(256);
let scratch = new Float64Array(32);

function scratchValues(width: number): Float64Array {
  if (scratch.length < width) scratch = new Float64Array(width);
  return scratch;
}

function ensureScratchBytes(length: number): void {
  if (scratchBytes.length < length) {
    const grown = new Uint8Array(length * 2);
    grown.set(scratchBytes);
    scratchBytes = grown;
  }
}

function readVarint(bytes: Uint8Array, offset: number): number {
  let byte = bytes[offset++]!;
  if (byte < 0x80) {
    varintEnd = offset;
    return byte;
  }
  let value = byte & 0x7f;
  let scale = 0x80;
  do {
    byte = bytes[offset++]!;
    value += (byte & 0x7f) * scale;
    scale *= 0x80;
  } while (byte >= 0x80);
  varintEnd = offset;
  return value;
}

function writeVarint(bytes: Uint8Array, offset: number, value: number): number {
  while (value >= 0x80) {
    bytes[offset++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  bytes[offset++] = value;
  return offset;
}

/** Reads one value at `offset` (`previous`: what the "same" byte stands for); sets `valueEnd`. */
function readValue(bytes: Uint8Array, offset: number, previous: number): number {
  const first = bytes[offset]!;
  if ((first & 1) === 0) {
    const value = readVarint(bytes, offset) / 2;
    valueEnd = varintEnd;
    return value;
  }
  if (first === SAME_TAG) {
    valueEnd = offset + 1;
    return previous;
  }
  for (let i = 0; i < 8; i++) floatBytes[i] = bytes[offset + 1 + i]!;
  valueEnd = offset + 9;
  return float[0]!;
}

function writeValue(bytes: Uint8Array, offset: number, value: number): number {
  if (Number.isInteger(value) && value >= 0 && value <= MAX_VARINT_INTEGER && !Object.is(value, -0)) {
    return writeVarint(bytes, offset, value * 2);
  }
  bytes[offset] = FLOAT_TAG;
  float[0] = value;
  for (let i = 0; i < 8; i++) bytes[offset + 1 + i] = floatBytes[i]!;
  return offset + 9;
}

/** Reads a bucket mask into `maskBits` (1 = the bucket has a value); returns the offset after it. */
function readMask(bytes: Uint8Array, offset: number, width: number): number {
  if (maskBits.length < width) maskBits = new Uint8Array(width);
  const bits = maskBits;
  let b = 0;
  let byte: number;
  do {
    byte = bytes[offset++]!;
    for (let i = 0; i < 7 && b < width; i++, b++) bits[b] = (byte >> i) & 1;
  } while (byte >= 0x80);
  for (; b < width; b++) bits[b] = 0;
  return offset;
}

/** Decodes one payload into `out` (width numbers); returns the offset after it. */
function decodePayload(
  bytes: Uint8Array,
  offset: number,
  layout: SlotLayout,
  width: number,
  out: Float64Array,
): number {
  if (layout === "counter") {
    out[0] = readValue(bytes, offset, 0);
    return valueEnd;
  }
  if (layout === "gauge") {
    out[0] = readValue(bytes, offset, 0);
    out[1] = readValue(bytes, valueEnd, out[0]!);
    return valueEnd;
  }
  offset = readMask(bytes, offset, width);
  const bits = maskBits;
  let previous = 0;
  for (let b = 0; b < width; b++) {
    if (bits[b] === 0) {
      out[b] = 0;
      continue;
    }
    previous = readValue(bytes, offset, previous);
    out[b] = previous;
    offset = valueEnd;
  }
  return offset;
}

function skipPayload(bytes: Uint8Array, offset: number, layout: SlotLayout, width: number): number {
  return decodePayload(bytes, offset, layout, width, scratchValues(width));
}

/** Encodes one payload into the scratch bytes from `at`; returns the end offset there. */
function encodePayload(layout: SlotLayout, width: number, values: Float64Array, at: number): number {
  ensureScratchBytes(at + 2 + Math.ceil(width / 7) + width * 9);
  const bytes = scratchBytes;
  if (layout === "counter") return writeValue(bytes, at, values[0]!);
  if (layout === "gauge") {
    const end = writeValue(bytes, at, values[0]!);
    if (Object.is(values[1], values[0])) {
      bytes[end] = SAME_TAG;
      return end + 1;
    }
    return writeValue(bytes, end, values[1]!);
  }
  // The mask, 7 buckets per byte; the high bit says more mask bytes follow.
  let last = -1;
  for (let b = 0; b < width; b++) if (values[b] !== 0) last = b;
  let offset = at;
  for (let start = 0; start === 0 || start <= last; start += 7) {
    let byte = 0;
    for (let i = 0; i < 7 && start + i < width; i++) if (values[start + i] !== 0) byte |= 1 << i;
    if (start + 7 <= last) byte |= 0x80;
    bytes[offset++] = byte;
  }
  for (let b = 0; b <= last; b++) if (values[b] !== 0) offset = writeValue(bytes, offset, values[b]!);
  return offset;
}
