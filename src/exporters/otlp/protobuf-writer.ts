/**
 * The protobuf wire format, write side only, as the OTLP metric messages of
 * `otlp-metrics-encoding.ts` need it (https://protobuf.dev/programming-guides/encoding/):
 * varints, zigzag, fixed64, doubles, strings and length-delimited sub-messages. Export cadence,
 * not the hot path: a sub-message is written into its own writer, then copied in with its length.
 */
export class ProtobufWriter {
  private buffer = Buffer.allocUnsafe(256);
  private length = 0;

  /** The bytes written so far (a view). */
  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  /** Field key: number and wire type (0 varint, 1 fixed64, 2 length-delimited). */
  tag(field: number, wireType: 0 | 1 | 2): this {
    return this.varint(field * 8 + wireType);
  }

  /** An unsigned integer up to 2^53 as a varint. */
  varint(value: number): this {
    this.reserve(10);
    let rest = Math.max(0, Math.floor(value));
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
    return this;
  }

  /** A signed 64-bit integer as a varint (`int64`: negatives take ten bytes, two's complement). */
  int64(value: number): this {
    if (value >= 0) return this.varint(value);
    this.reserve(10);
    let rest = BigInt.asUintN(64, BigInt(Math.trunc(value)));
    while (rest >= 0x80n) {
      this.buffer[this.length++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buffer[this.length++] = Number(rest);
    return this;
  }

  /** A signed 32-bit integer, zigzag-encoded (`sint32`). */
  sint32(value: number): this {
    return this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** An unsigned 64-bit integer in 8 little-endian bytes (`fixed64`). */
  fixed64(value: bigint): this {
    this.reserve(8);
    this.buffer.writeBigUInt64LE(BigInt.asUintN(64, value), this.length);
    this.length += 8;
    return this;
  }

  /** An IEEE 754 double in 8 little-endian bytes. */
  double(value: number): this {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
    return this;
  }

  /** Length-delimited raw bytes. */
  bytes(value: Uint8Array): this {
    this.varint(value.length);
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  /** A UTF-8 string, length-delimited. */
  string(value: string): this {
    return this.bytes(Buffer.from(value, "utf8"));
  }

  /** Field `field` as a sub-message written by `write` into a writer of its own. */
  message(field: number, write: (writer: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    write(inner);
    return this.tag(field, 2).bytes(inner.finish());
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }
}
