import { formatNumber } from "./format-number.js";
import type { PageBufferPool } from "./page-buffer-pool.js";

/**
 * Appends a page's bytes to one Buffer sized from the previous page of the same format, growing
 * it (by doubling) only when the page grew; the page is handed to the caller as is (no
 * concatenation, no copy). Strings are "byte strings" (every char < 256: ASCII as is, other text
 * as its UTF-8 bytes read as latin1) copied with a `charCodeAt` loop: for the 10-100 byte pieces
 * of a page it beats `Buffer#write` (a C++ call per piece). Profile notes in
 * prometheus-serializer.ts.
 */
export class ExpositionWriter {
  private buffer: Buffer;
  private pos = 0;

  /**
   * `sizeHint`: bytes of the previous page of this format; `pool`: where the route keeps recent
   * page buffers (without one, each page is a fresh Buffer of the caller's own).
   */
  constructor(sizeHint: number, pool?: PageBufferPool) {
    // A first version reused a 1 MiB scratch and copied chunks out: `Buffer.concat` and the chunk
    // copies were 25% of a 10,000-set scrape in the profile.
    const size = sizeHint + (sizeHint >> 4) + 1024;
    this.buffer = pool === undefined ? Buffer.allocUnsafe(size) : pool.acquire(size);
  }

  /** Bytes written so far. */
  get position(): number {
    return this.pos;
  }

  /** Writes a byte string (every char < 256). */
  bytes(text: string): void {
    const length = text.length;
    if (this.pos + length > this.buffer.length) this.grow(length);
    const buffer = this.buffer;
    let pos = this.pos;
    for (let i = 0; i < length; i++) buffer[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** Forgets what was written from `position` on (it must be at most the current position). */
  rewind(position: number): void {
    this.pos = position;
  }

  /** Writes again the `length` bytes written at `start` (grow() keeps offsets). */
  repeat(start: number, length: number): void {
    if (this.pos + length > this.buffer.length) this.grow(length);
    this.buffer.copyWithin(this.pos, start, start + length);
    this.pos += length;
  }

  /** Writes one byte. */
  byte(value: number): void {
    if (this.pos === this.buffer.length) this.grow(1);
    this.buffer[this.pos++] = value;
  }

  /** Writes a sample value as {@link formatNumber} does; safe integers without a string. */
  number(value: number): void {
    if (value >= 0 && value <= Number.MAX_SAFE_INTEGER && Math.floor(value) === value) {
      // Digits of a non-negative safe integer, as String(value) writes them (no exponent below 1e21).
      if (this.pos + 16 > this.buffer.length) this.grow(16);
      const buffer = this.buffer;
      if (value < 10) {
        buffer[this.pos++] = 0x30 + value;
        return;
      }
      let digits = 1;
      for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
      let pos = this.pos + digits;
      this.pos = pos;
      for (let rest = value; digits > 0; digits--) {
        const next = Math.floor(rest / 10);
        buffer[--pos] = 0x30 + (rest - next * 10);
        rest = next;
      }
      return;
    }
    this.bytes(formatNumber(value));
  }

  // ---- protobuf (https://protobuf.dev/programming-guides/encoding/) ----

  /** A base-128 varint of a non-negative integer up to 2^53 (uint32, uint64, int64 >= 0). */
  varint(value: number): void {
    if (this.pos + 10 > this.buffer.length) this.grow(10);
    const buffer = this.buffer;
    let rest = value;
    while (rest >= 0x80) {
      buffer[this.pos++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    buffer[this.pos++] = rest;
  }

  /** A zigzag varint (sint32, sint64) of an integer of magnitude below 2^52. */
  zigzag(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** A little-endian IEEE 754 double (wire type 1). */
  double(value: number): void {
    if (this.pos + 8 > this.buffer.length) this.grow(8);
    this.buffer.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /**
   * Starts a length-delimited field's content; returns a mark for {@link endLength}. One byte is
   * kept for the length, the usual size of a small message's varint.
   */
  beginLength(): number {
    this.byte(0);
    return this.pos;
  }

  /**
   * Writes the length of the content written since `mark` in front of it, moving the content
   * when its varint needs more than the one byte kept (one `copyWithin`, a memmove).
   */
  endLength(mark: number): void {
    const length = this.pos - mark;
    if (length < 0x80) {
      this.buffer[mark - 1] = length;
      return;
    }
    let size = 1;
    for (let rest = length; rest >= 0x80; rest = Math.floor(rest / 0x80)) size++;
    const extra = size - 1;
    if (this.pos + extra > this.buffer.length) this.grow(extra);
    const buffer = this.buffer;
    buffer.copyWithin(mark + extra, mark, this.pos);
    let at = mark - 1;
    let rest = length;
    while (rest >= 0x80) {
      buffer[at++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    buffer[at] = rest;
    this.pos += extra;
  }

  /** The page, as a Buffer of its own (a view of the written bytes). */
  finish(): Buffer {
    return this.buffer.subarray(0, this.pos);
  }

  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.pos + needed + 1024));
    this.buffer.copy(bigger, 0, 0, this.pos);
    this.buffer = bigger;
  }
}
