/**
 * Protobuf wire primitives (proto3), written for the few messages of `tinker_public.proto`.
 * The writer works on a buffer sized in advance (every message computes its exact length first), so
 * encoding allocates the body once and copies `bytes` fields with one `set()` each: a tensor's
 * numbers are never visited one by one.
 */

/** Wire types used by tinker_public.proto. */
export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;
export const WT_I32 = 5;

/** Bytes a varint of the non-negative integer `n` (< 2^53) takes. */
export function varintSize(n: number): number {
  if (n < 0) return 10; // negative int32/int64: sign-extended to 64 bits
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  let v = Math.floor(n / 0x10000000);
  while (v > 0) {
    size++;
    v = Math.floor(v / 0x80);
  }
  return size;
}

/** Bytes of a tag for `field` (field numbers here are all < 16, but stay general). */
export function tagSize(field: number): number {
  return varintSize(field << 3);
}

/** Bytes of a length-delimited field holding `len` bytes. */
export function lenFieldSize(field: number, len: number): number {
  return tagSize(field) + varintSize(len) + len;
}

const utf8 = new TextEncoder();

/** UTF-8 length of a string without encoding it (Buffer.byteLength is native and exact). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** Sequential writer into a buffer of known size. */
export class Writer {
  readonly buf: Uint8Array;
  private readonly view: DataView;
  pos = 0;

  constructor(size: number) {
    // Not zero-filled: every encoder writes each byte and checks it filled the buffer exactly.
    const raw = Buffer.allocUnsafeSlow(size);
    this.buf = new Uint8Array(raw.buffer, raw.byteOffset, size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  varint(n: number): void {
    const buf = this.buf;
    if (n < 0) {
      // Two's complement over 64 bits, as protobuf writes negative int32/int64.
      let lo = n | 0;
      let hi = Math.floor(n / 0x100000000) | 0;
      for (let i = 0; i < 9; i++) {
        buf[this.pos++] = (lo & 0x7f) | 0x80;
        lo = (lo >>> 7) | (hi << 25);
        hi >>>= 7;
      }
      buf[this.pos++] = 1;
      return;
    }
    while (n >= 0x80000000) {
      buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    while (n >= 0x80) {
      buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[this.pos++] = n;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** A length-delimited field from raw bytes. */
  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WT_LEN);
    this.varint(bytes.byteLength);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
  }

  stringField(field: number, s: string, byteLength: number): void {
    this.tag(field, WT_LEN);
    this.varint(byteLength);
    const { written } = utf8.encodeInto(s, this.buf.subarray(this.pos, this.pos + byteLength));
    this.pos += written;
  }

  doubleField(field: number, v: number): void {
    this.tag(field, WT_I64);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  varintField(field: number, v: number): void {
    this.tag(field, WT_VARINT);
    this.varint(v);
  }

  /** Header of a nested message or packed field; the caller writes `len` bytes next. */
  lenHeader(field: number, len: number): void {
    this.tag(field, WT_LEN);
    this.varint(len);
  }
}

/** Raised when bytes are not a valid message of the expected type. */
export class ProtoDecodeError extends Error {
  override readonly name = "ProtoDecodeError";
  readonly code = "proto_decode_error";
}

/** Sequential reader; `bytes()` returns views into the input (no copy). */
export class Reader {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.byteLength,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a JS number (exact below 2^53; 64-bit negatives come back negative). */
  varint(): number {
    let lo = 0;
    let shift = 0;
    let b: number;
    const buf = this.buf;
    // First 28 bits with int arithmetic.
    do {
      if (this.pos >= this.end) throw new ProtoDecodeError("truncated varint");
      b = buf[this.pos++] as number;
      lo |= (b & 0x7f) << shift;
      shift += 7;
    } while (b >= 0x80 && shift < 28);
    if (b < 0x80) return lo;
    let hi = 0;
    let mul = 1;
    // Remaining bits (up to 64) as a float multiplier on top of the low 28 bits.
    let i = 0;
    do {
      if (this.pos >= this.end || i >= 6) throw new ProtoDecodeError("bad varint");
      b = buf[this.pos++] as number;
      hi += (b & 0x7f) * mul;
      mul *= 128;
      i++;
    } while (b >= 0x80);
    if (i < 6) return hi * 0x10000000 + lo;
    // A 10-byte varint is a negative int64 (two's complement): redo it exactly with BigInt.
    let big = 0n;
    for (let k = this.pos - 1; k >= this.pos - 10; k--) big = (big << 7n) | BigInt((buf[k] as number) & 0x7f);
    return Number(BigInt.asIntN(64, big));
  }

  /** A varint read as int32 (protobuf truncates to the low 32 bits). */
  int32(): number {
    const v = this.varint();
    return v >= 0 && v < 0x80000000 ? v : Number(BigInt.asIntN(32, BigInt(v)));
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new ProtoDecodeError("truncated double");
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** The payload of a length-delimited field, as a view. */
  bytes(): Uint8Array {
    const len = this.varint();
    if (len < 0 || this.pos + len > this.end) throw new ProtoDecodeError("truncated length-delimited field");
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    return Buffer.from(this.bytes()).toString("utf8");
  }

  /** A nested reader over a length-delimited field. */
  sub(): Reader {
    const len = this.varint();
    if (len < 0 || this.pos + len > this.end) throw new ProtoDecodeError("truncated sub-message");
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  /** Skips a field of `wireType` (unknown fields are ignored, as proto3 parsers do). */
  skip(wireType: number): void {
    switch (wireType) {
      case WT_VARINT:
        this.varint();
        return;
      case WT_I64:
        this.pos += 8;
        break;
      case WT_LEN:
        this.bytes();
        return;
      case WT_I32:
        this.pos += 4;
        break;
      default:
        throw new ProtoDecodeError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new ProtoDecodeError("truncated field");
  }

  /** Packed or unpacked repeated int64 (both are valid on the wire); returns the grown list. */
  repeatedInt64(wireType: number, list: number[] | undefined): number[] {
    const into = list ?? [];
    if (wireType === WT_LEN) {
      const r = this.sub();
      while (!r.done) into.push(r.varint());
    } else if (wireType === WT_VARINT) {
      into.push(this.varint());
    } else {
      throw new ProtoDecodeError(`bad wire type ${wireType} for repeated int64`);
    }
    return into;
  }
}

/** `list` with `v` appended (a new list when absent): repeated fields appear only when on the wire. */
export function appended<T>(list: T[] | undefined, v: T): T[] {
  if (list === undefined) return [v];
  list.push(v);
  return list;
}

/** `map` with `key` set (a new map when absent). A repeated key keeps the last value, as protobuf does. */
export function withEntry<V>(map: Record<string, V> | undefined, key: string, v: V): Record<string, V> {
  const m = map ?? {};
  m[key] = v;
  return m;
}
