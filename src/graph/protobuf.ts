// A minimal protocol-buffers writer: the few wire types TensorFlow's SavedModel messages use (varint,
// 32-bit float, length-delimited), nothing else. Messages are built as lists of byte chunks with their total
// length, so nesting a large message (a GraphDef holding a model's weights as constants) adds a small header
// rather than copying the payload at every level; `bytes()` joins the chunks once at the end.
//
// Own code rather than the google-protobuf classes tfjs-node ships: `nasfpn build --emit saved-model` then
// runs without tfjs-node, and these messages are written field by field from the .proto definitions.

const VARINT = 0;
const FIXED32 = 5;
const LENGTH_DELIMITED = 2;

const encoder = new TextEncoder();

export class Message {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

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
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, encoder.encode(value));
  }

  stringIfSet(field: number, value: string): this {
    return value === '' ? this : this.string(field, value);
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.rawVarint(value.byteLength);
    this.push(value);
    return this;
  }

  /** A nested message. */
  message(field: number, value: Message): this {
    this.tag(field, LENGTH_DELIMITED);
    this.rawVarint(value.length);
    for (const chunk of value.chunks) this.push(chunk);
    return this;
  }

  /** A packed repeated varint field (repeated int32/int64/enum), written only when non-empty. */
  packedVarints(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const packed = new Message();
    for (const v of values) packed.rawVarint(v);
    return this.message(field, packed);
  }

  /** A packed repeated float field, written only when non-empty. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const bytes = new Uint8Array(4 * values.length);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
    return this.bytes(field, bytes);
  }

  /** A map<string, V> field: one entry message {1: key, 2: value} per pair, in the order given. */
  map(field: number, entries: Iterable<[string, Message]>): this {
    for (const [key, value] of entries) this.message(field, new Message().string(1, key).message(2, value));
    return this;
  }

  /** map<string, string>. */
  stringMap(field: number, entries: Iterable<[string, string]>): this {
    for (const [key, value] of entries) this.message(field, new Message().string(1, key).string(2, value));
    return this;
  }

  get byteLength(): number {
    return this.length;
  }

  /** The encoded message as one buffer. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: ${value} is not a safe integer`);
    const out: number[] = [];
    if (value >= 0) {
      let v = value;
      while (v >= 0x80) {
        out.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      out.push(v);
    } else {
      // Two's complement on 64 bits, as protobuf writes a negative int32/int64: always 10 bytes.
      let v = BigInt.asUintN(64, BigInt(value));
      for (let i = 0; i < 9; i++) {
        out.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      out.push(Number(v));
    }
    this.push(Uint8Array.from(out));
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.byteLength;
  }
}
