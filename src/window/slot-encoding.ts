/**
 * How the slot log's records are encoded (the format: {@link SlotLog}): varints, exact values,
 * bucket masks and the payload of one slot per layout. Decoders return their end offset through
 * module variables instead of allocating.
 */

/**
 * How the numbers of one slot are laid out: `counter` one value (a delta), `gauge` two (last
 * sample, highest sample), `histogram` one per bucket (bucket deltas, most of them zero).
 */
export type SlotLayout = "counter" | "gauge" | "histogram";

/** Longest varint: 2^53 in 7-bit groups. */
export const MAX_VARINT_BYTES = 8;

// The largest integer stored as a varint; larger ones and non-integers are stored as float64.
const MAX_VARINT_INTEGER = 2 ** 52;
/** First byte of a value: float64 follows. */
const FLOAT_TAG = 0x01;
/** First byte of a gauge's `max`: the same as its `last`. */
const SAME_TAG = 0x03;

// Decoders return their end offset through these (no allocation per value); slot-log.ts and
// slot-scan.ts read them as live ES module bindings, which only this module assigns.
export let varintEnd = 0;
export let valueEnd = 0;
/** Bits of the mask `readMask` read last, one byte per bucket. */
export let maskBits = new Uint8Array(64);

const float = new Float64Array(1);
const floatBytes = new Uint8Array(float.buffer);
export let scratchBytes = new Uint8Array(256);
let scratch = new Float64Array(32);

export function scratchValues(width: number): Float64Array {
  if (scratch.length < width) scratch = new Float64Array(width);
  return scratch;
}

export function ensureScratchBytes(length: number): void {
  if (scratchBytes.length < length) {
    const grown = new Uint8Array(length * 2);
    grown.set(scratchBytes);
    scratchBytes = grown;
  }
}

export function readVarint(bytes: Uint8Array, offset: number): number {
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

export function writeVarint(bytes: Uint8Array, offset: number, value: number): number {
  while (value >= 0x80) {
    bytes[offset++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  bytes[offset++] = value;
  return offset;
}

/** Reads one value at `offset` (`previous`: what the "same" byte stands for); sets `valueEnd`. */
export function readValue(bytes: Uint8Array, offset: number, previous: number): number {
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
export function readMask(bytes: Uint8Array, offset: number, width: number): number {
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
export function decodePayload(
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

export function skipPayload(bytes: Uint8Array, offset: number, layout: SlotLayout, width: number): number {
  return decodePayload(bytes, offset, layout, width, scratchValues(width));
}

/** Encodes one payload into the scratch bytes from `at`; returns the end offset there. */
export function encodePayload(layout: SlotLayout, width: number, values: Float64Array, at: number): number {
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
