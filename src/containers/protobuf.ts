import { MalformedInputError } from '../io/errors.js';

/**
 * A minimal protocol-buffers wire-format reader (developers.google.com/protocol-buffers/docs/encoding):
 * enough to walk the OTA payload manifest without a schema compiler. Fields are returned in order; a
 * length that runs past its message is a malformed input, never a read out of bounds.
 */

export type WireValue =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 2; value: Buffer }
  | { field: number; wire: 1 | 5; value: Buffer };

export function readMessage(buf: Buffer): WireValue[] {
  const out: WireValue[] = [];
  let p = 0;
  while (p < buf.length) {
    const [key, afterKey] = varint(buf, p);
    p = afterKey;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new MalformedInputError('protobuf/bad-field', 'field number 0');
    if (wire === 0) {
      const [v, next] = varint(buf, p);
      out.push({ field, wire, value: v });
      p = next;
    } else if (wire === 2) {
      const [len, next] = varint(buf, p);
      if (next + Number(len) > buf.length)
        throw new MalformedInputError('protobuf/truncated', `field ${field} claims ${len} bytes past its message`);
      out.push({ field, wire, value: buf.subarray(next, next + Number(len)) });
      p = next + Number(len);
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (p + n > buf.length)
        throw new MalformedInputError('protobuf/truncated', `field ${field} runs past its message`);
      out.push({ field, wire, value: buf.subarray(p, p + n) });
      p += n;
    } else {
      throw new MalformedInputError('protobuf/bad-wire-type', `field ${field} has wire type ${wire}`);
    }
  }
  return out;
}

function varint(buf: Buffer, p: number): [bigint, number] {
  let v = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    const b = buf[p++];
    if (b === undefined) throw new MalformedInputError('protobuf/truncated', 'varint runs past the message');
    v |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [v, p];
  }
  throw new MalformedInputError('protobuf/bad-varint', 'varint longer than 10 bytes');
}

/** Accessors for a decoded message. */
export class Msg {
  constructor(readonly fields: WireValue[]) {}
  static parse(buf: Buffer): Msg {
    return new Msg(readMessage(buf));
  }
  num(field: number, fallback = 0): number {
    const f = this.fields.find((x) => x.field === field && x.wire === 0);
    if (!f) return fallback;
    const n = Number(f.value);
    if (!Number.isSafeInteger(n))
      throw new MalformedInputError('protobuf/too-large', `field ${field} does not fit a safe integer`);
    return n;
  }
  has(field: number): boolean {
    return this.fields.some((x) => x.field === field);
  }
  str(field: number): string | null {
    const f = this.fields.find((x) => x.field === field && x.wire === 2);
    return f ? (f.value as Buffer).toString('utf8') : null;
  }
  bytes(field: number): Buffer | null {
    const f = this.fields.find((x) => x.field === field && x.wire === 2);
    return f ? (f.value as Buffer) : null;
  }
  msgs(field: number): Msg[] {
    return this.fields.filter((x) => x.field === field && x.wire === 2).map((x) => Msg.parse(x.value as Buffer));
  }
  msg(field: number): Msg | null {
    const b = this.bytes(field);
    return b ? Msg.parse(b) : null;
  }
}
