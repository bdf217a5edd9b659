import {
  decodePayload,
  maskBits,
  readMask,
  readValue,
  readVarint,
  type SlotLayout,
  valueEnd,
  varintEnd,
} from "./slot-encoding.js";

// The read side of a slot log: a scan of its records from `offset` (a record whose interval
// number is `epoch`, found by the log's `seek`) up to `tail`, skipping what is before `from`
// and stopping after `to`. Each adds oldest first, as a dense ring adds them.

/** Sum of the counter values of the slots of intervals `from..to`, oldest first (as a dense ring adds them). */
export function sumSlots(
  bytes: Uint8Array,
  offset: number,
  tail: number,
  epoch: number,
  from: number,
  to: number,
): number {
  let sum = 0;
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
export function addSlotsTo(
  bytes: Uint8Array,
  offset: number,
  tail: number,
  epoch: number,
  width: number,
  from: number,
  to: number,
  counts: Float64Array,
): void {
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
export function gaugeOfSlots(
  bytes: Uint8Array,
  offset: number,
  tail: number,
  epoch: number,
  statistic: "last" | "max",
  from: number,
  to: number,
): number {
  let result = Number.NaN;
  let first = true;
  while (offset < tail) {
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
export function forEachSlot(
  bytes: Uint8Array,
  offset: number,
  tail: number,
  epoch: number,
  layout: SlotLayout,
  width: number,
  from: number,
  to: number,
  visit: (epoch: number, values: Float64Array) => void,
): void {
  const values = new Float64Array(width);
  let first = true;
  while (offset < tail) {
    const gap = readVarint(bytes, offset);
    offset = varintEnd;
    if (first) first = false;
    else epoch += gap;
    offset = decodePayload(bytes, offset, layout, width, values);
    if (epoch > to) break;
    if (epoch >= from) visit(epoch, values);
  }
}
