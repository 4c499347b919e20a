// A minimal protocol-buffers writer: the few wire types TensorFlow's SavedModel messages use (varint,
// 32-bit float, length-delimited), nothing else. One growing buffer for the whole message: a nested message
// is written in place after room for its length, and the length is filled in (and the message moved down by
// the bytes it did not need) when it ends, so encoding allocates almost nothing but the buffer itself.
//
// Own code rather than the google-protobuf classes tfjs-node ships: `nasfpn build --emit saved-model` then
// runs without tfjs-node, and a graph of thousands of nodes encodes in milliseconds.

const VARINT = 0;
const FIXED32 = 5;
const LENGTH_DELIMITED = 2;
/** Room left for a nested message's length: a varint of up to 2^35 − 1. */
const LENGTH_ROOM = 5;

const encoder = new TextEncoder();
/** A float32's little-endian bytes (every platform Node runs on is little-endian). */
const FLOAT = new Float32Array(1);
const FLOAT_BYTES = new Uint8Array(FLOAT.buffer);

export class Writer {
  private buffer = new Uint8Array(1 << 16);
  private position = 0;
  private readonly open: number[] = [];

  /** An unsigned or signed integer field (int32, int64, enum, bool as 0/1); negative values take 10 bytes. */
  varint(field: number, value: number | boolean): this {
    this.tag(field, VARINT);
    this.rawVarint(typeof value === 'boolean' ? (value ? 1 : 0) : value);
    return this;
  }

  /** Writes the field only when it differs from proto3's default (0, false). */
  varintIfSet(field: number, value: number | boolean): this {
    return value === 0 || value === false ? this : this.varint(field, value);
  }

  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    this.reserve(4);
    FLOAT[0] = value;
    this.buffer.set(FLOAT_BYTES, this.position);
    this.position += 4;
    return this;
  }

  string(field: number, value: string): this {
    if (!isAscii(value)) return this.bytes(field, encoder.encode(value));
    // ASCII (every name in a graph): one byte a character, written in place.
    this.tag(field, LENGTH_DELIMITED);
    this.rawVarint(value.length);
    this.reserve(value.length);
    for (let i = 0; i < value.length; i++) this.buffer[this.position++] = value.charCodeAt(i);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.rawVarint(value.byteLength);
    this.reserve(value.byteLength);
    this.buffer.set(value, this.position);
    this.position += value.byteLength;
    return this;
  }

  /** A nested message, whose fields `write` writes. */
  message(field: number, write: (w: this) => void): this {
    this.tag(field, LENGTH_DELIMITED);
    this.reserve(LENGTH_ROOM);
    this.open.push(this.position);
    this.position += LENGTH_ROOM;
    write(this);
    this.close();
    return this;
  }

  /** A packed repeated varint field (repeated int32/int64/enum), written only when non-empty. */
  packedVarints(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    return this.message(field, (w) => {
      for (const v of values) w.rawVarint(v);
    });
  }

  /** A map<string, V> field: one entry message {1: key, 2: value} per pair, in the order given. */
  map<T>(field: number, entries: Iterable<[string, T]>, writeValue: (w: this, value: T) => void): this {
    for (const [key, value] of entries) this.message(field, (w) => w.string(1, key).message(2, (v) => writeValue(v, value)));
    return this;
  }

  /** The encoded message (a copy, the writer's buffer is left behind). */
  toBytes(): Uint8Array {
    if (this.open.length) throw new Error('internal error: protobuf message not closed');
    return this.buffer.slice(0, this.position);
  }

  private close(): void {
    const start = this.open.pop()!;
    const content = start + LENGTH_ROOM;
    const length = this.position - content;
    const size = varintSize(length);
    const at = this.position;
    this.position = start;
    this.rawVarint(length);
    if (size < LENGTH_ROOM) this.buffer.copyWithin(start + size, content, at);
    this.position = at - (LENGTH_ROOM - size);
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: ${value} is not a safe integer`);
    this.reserve(10);
    if (value >= 0) {
      let v = value;
      while (v >= 0x80) {
        this.buffer[this.position++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      this.buffer[this.position++] = v;
    } else {
      // Two's complement on 64 bits, as protobuf writes a negative int32/int64: always 10 bytes.
      let v = BigInt.asUintN(64, BigInt(value));
      for (let i = 0; i < 9; i++) {
        this.buffer[this.position++] = Number(v & 0x7fn) | 0x80;
        v >>= 7n;
      }
      this.buffer[this.position++] = Number(v);
    }
  }

  private reserve(bytes: number): void {
    if (this.position + bytes <= this.buffer.byteLength) return;
    const grown = new Uint8Array(Math.max(2 * this.buffer.byteLength, this.position + bytes));
    grown.set(this.buffer.subarray(0, this.position));
    this.buffer = grown;
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Bytes of a non-negative varint. */
function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}
