import { LimitExceededError, MalformedInputError, entryAt } from '../io/errors.js';
import type { Limits } from '../io/limits.js';
import { decodeMutf8, mutf8End } from './mutf8.js';

/**
 * DEX parser (https://source.android.com/docs/core/runtime/dex-format), versions 035-041, read straight
 * from the buffer. Strings are decoded on demand. `buildXrefs()` walks every code item once and records
 * which method uses which strings, methods, fields and types: the index later detectors query
 * ("which code loads this URL", "what else does the method holding this list call").
 */

const HEADER_SIZE = 0x70;
const ENDIAN_CONSTANT = 0x12345678;
const NO_INDEX = 0xffffffff;
const MAX_PARAMETERS = 255;

export interface ClassDef {
  classIdx: number;
  accessFlags: number;
  superclassIdx: number;
  sourceFileIdx: number;
  classDataOff: number;
  staticValuesOff: number;
}

export interface CodeBody {
  methodIdx: number;
  classDefIdx: number;
  codeOff: number;
  insnsSize: number;
}

/** Compressed sparse rows: edges of body `b` are `targets[start[b]..start[b+1])`. */
export interface EdgeList {
  start: Uint32Array;
  targets: Uint32Array;
  /** Code-unit offset of the instruction that made each edge (for evidence). */
  pcs: Uint32Array;
}

/** Body `b`'s row of an edge list, as views of its targets and pcs (empty for a body the list lacks). */
export function edgeRow(list: EdgeList, body: number): { targets: Uint32Array; pcs: Uint32Array } {
  const from = list.start[body] ?? 0;
  const to = list.start[body + 1] ?? from;
  return { targets: list.targets.subarray(from, to), pcs: list.pcs.subarray(from, to) };
}

/** A `fill-array-data` payload: a static array initialiser (`new byte[]{...}`), located in the file. */
export interface ArrayPayload {
  body: number;
  elementWidth: number;
  count: number;
  /** File offset of the first element. */
  offset: number;
}

/** A numeric literal loaded by code (const, const-wide...), kept when large enough to be an interval or a code. */
export interface NumberLiteral {
  body: number;
  value: number;
}

export interface DexXrefs {
  bodies: CodeBody[];
  arrays: ArrayPayload[];
  numbers: NumberLiteral[];
  strings: EdgeList;
  methods: EdgeList;
  fields: EdgeList;
  types: EdgeList;
  /** Method bodies that could not be walked (bad offsets, truncated code). */
  badBodies: number;
}

export interface ClassMembers {
  /** Static fields first (their count is `staticFields`), then instance fields. */
  fields: number[];
  /** Access flags of each field, in the order of `fields`. */
  fieldFlags: number[];
  staticFields: number;
  methods: Array<{ methodIdx: number; codeOff: number }>;
}

export class DexFile {
  readonly version: string;
  readonly stringCount: number;
  readonly typeCount: number;
  readonly protoCount: number;
  readonly fieldCount: number;
  readonly methodCount: number;
  readonly classDefs: ClassDef[];
  readonly warnings: string[] = [];
  private readonly stringIdsOff: number;
  private readonly typeIdsOff: number;
  private readonly protoIdsOff: number;
  private readonly fieldIdsOff: number;
  private readonly methodIdsOff: number;
  private readonly stringCache: Array<string | undefined>;
  /** String data ranges found so far (-1 not yet, -2 unreadable), and the bytes left to search for them. */
  private readonly stringStarts: Uint32Array;
  private readonly stringEnds: Int32Array;
  private stringScanBudget: number;
  private xrefCache: DexXrefs | null = null;
  /** The header's data section, where class_data and code items must lie (whole file when it is implausible). */
  private readonly dataStart: number;
  private readonly dataEnd: number;
  private membersCache: ClassMembers[] | null = null;

  constructor(
    readonly buf: Buffer,
    limits: Limits,
  ) {
    if (buf.length < HEADER_SIZE)
      throw new MalformedInputError('dex/truncated-header', `${buf.length} bytes is shorter than a DEX header`);
    if (buf.toString('latin1', 0, 4) !== 'dex\n' || buf[7] !== 0)
      throw new MalformedInputError('dex/bad-magic', 'not a DEX file');
    this.version = buf.toString('latin1', 4, 7);
    if (!/^0(3[5-9]|4[01])$/.test(this.version))
      this.warnings.push(`unknown DEX version ${JSON.stringify(this.version)}`);
    const endian = buf.readUInt32LE(40);
    if (endian !== ENDIAN_CONSTANT)
      throw new MalformedInputError('dex/bad-endian', `endian tag 0x${endian.toString(16)} is not supported`);
    const fileSize = buf.readUInt32LE(32);
    if (fileSize > buf.length)
      this.warnings.push(`header declares ${fileSize} bytes, ${buf.length} present (truncated)`);
    const section = (countAt: number, offAt: number, stride: number, what: string): [number, number] => {
      const count = buf.readUInt32LE(countAt);
      const off = buf.readUInt32LE(offAt);
      if (count > 0 && (off > buf.length || count * stride > buf.length - off)) {
        throw new MalformedInputError(
          'dex/bad-section',
          `${what}: ${count} items at ${off} run past the ${buf.length}-byte file`,
        );
      }
      return [count, off];
    };
    [this.stringCount, this.stringIdsOff] = section(56, 60, 4, 'string_ids');
    if (this.stringCount > limits.dex.maxStrings) {
      throw new LimitExceededError(
        'limit/dex-strings',
        `${this.stringCount} strings exceed the limit dex.maxStrings ${limits.dex.maxStrings}`,
      );
    }
    [this.typeCount, this.typeIdsOff] = section(64, 68, 4, 'type_ids');
    [this.protoCount, this.protoIdsOff] = section(72, 76, 12, 'proto_ids');
    [this.fieldCount, this.fieldIdsOff] = section(80, 84, 8, 'field_ids');
    [this.methodCount, this.methodIdsOff] = section(88, 92, 8, 'method_ids');
    const [classCount, classOff] = section(96, 100, 32, 'class_defs');
    const dataSize = buf.readUInt32LE(104);
    const dataOff = buf.readUInt32LE(108);
    const plausible = dataOff >= HEADER_SIZE && dataSize > 0 && dataOff + dataSize <= buf.length;
    this.dataStart = plausible ? dataOff : 0;
    this.dataEnd = plausible ? dataOff + dataSize : buf.length;
    this.stringCache = new Array<string | undefined>(this.stringCount);
    this.stringStarts = new Uint32Array(this.stringCount);
    this.stringEnds = new Int32Array(this.stringCount).fill(-1);
    this.stringScanBudget = 2 * buf.length;
    this.classDefs = new Array<ClassDef>(classCount);
    for (let i = 0; i < classCount; i++) {
      const p = classOff + i * 32;
      this.classDefs[i] = {
        classIdx: buf.readUInt32LE(p),
        accessFlags: buf.readUInt32LE(p + 4),
        superclassIdx: buf.readUInt32LE(p + 8),
        sourceFileIdx: buf.readUInt32LE(p + 16),
        classDataOff: buf.readUInt32LE(p + 24),
        staticValuesOff: buf.readUInt32LE(p + 28),
      };
    }
  }

  /**
   * Byte range of string `i`'s MUTF-8 data, without decoding it. The search for its NUL stops at three
   * bytes per declared UTF-16 unit (the most MUTF-8 needs), and ranges are computed once per index under a
   * budget of twice the file, so strings whose offsets or lengths lie cannot make lookups cost more than
   * the file's size.
   */
  stringBytes(i: number): [number, number] | null {
    if (i < 0 || i >= this.stringCount) return null;
    const known = this.stringEnds[i];
    if (known !== undefined && known >= 0) return [this.stringStarts[i] as number, known];
    if (known === -2) return null;
    const off = this.buf.readUInt32LE(this.stringIdsOff + i * 4);
    if (off >= this.buf.length) return this.noString(i);
    let p = off;
    let units = 0;
    let shift = 0;
    for (let k = 0; k < 5 && p < this.buf.length; k++) {
      const b = this.buf[p++] as number;
      units += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    const limit = Math.min(this.buf.length, p + units * 3);
    if (limit - p > this.stringScanBudget) {
      if (this.stringScanBudget >= 0)
        this.warnings.push('string data read adds up to twice the file: remaining strings not read');
      this.stringScanBudget = -1;
      return this.noString(i);
    }
    this.stringScanBudget -= limit - p;
    const end = mutf8End(this.buf, p, limit);
    this.stringStarts[i] = p;
    this.stringEnds[i] = end;
    return [p, end];
  }

  private noString(i: number): null {
    this.stringEnds[i] = -2;
    return null;
  }

  string(i: number): string | null {
    if (i < 0 || i >= this.stringCount) return null;
    const hit = this.stringCache[i];
    if (hit !== undefined) return hit;
    const r = this.stringBytes(i);
    const s = r ? decodeMutf8(this.buf, r[0], r[1]) : null;
    if (s !== null) this.stringCache[i] = s;
    return s;
  }

  typeDescriptor(typeIdx: number): string | null {
    if (typeIdx < 0 || typeIdx >= this.typeCount) return null;
    return this.string(this.buf.readUInt32LE(this.typeIdsOff + typeIdx * 4));
  }

  /** `Lcom/example/Foo;` for class def `i`. */
  classDescriptor(classDefIdx: number): string {
    const { classIdx } = entryAt(this.classDefs, classDefIdx, 'dex/bad-class-index', 'class def');
    return this.typeDescriptor(classIdx) ?? `<bad type ${classIdx}>`;
  }

  methodRef(methodIdx: number): { classIdx: number; protoIdx: number; nameIdx: number } | null {
    if (methodIdx < 0 || methodIdx >= this.methodCount) return null;
    const p = this.methodIdsOff + methodIdx * 8;
    return {
      classIdx: this.buf.readUInt16LE(p),
      protoIdx: this.buf.readUInt16LE(p + 2),
      nameIdx: this.buf.readUInt32LE(p + 4),
    };
  }

  fieldRef(fieldIdx: number): { classIdx: number; typeIdx: number; nameIdx: number } | null {
    if (fieldIdx < 0 || fieldIdx >= this.fieldCount) return null;
    const p = this.fieldIdsOff + fieldIdx * 8;
    return {
      classIdx: this.buf.readUInt16LE(p),
      typeIdx: this.buf.readUInt16LE(p + 2),
      nameIdx: this.buf.readUInt32LE(p + 4),
    };
  }

  /** `Lcom/example/Foo;->bar(ILjava/lang/String;)V` */
  methodSignature(methodIdx: number): string {
    const m = this.methodRef(methodIdx);
    if (!m) return `<bad method ${methodIdx}>`;
    const owner = this.typeDescriptor(m.classIdx) ?? '?';
    return `${owner}->${this.string(m.nameIdx) ?? '?'}${this.protoDescriptor(m.protoIdx)}`;
  }

  /** Class and bare method name, for compact evidence. */
  methodOwnerAndName(methodIdx: number): { className: string; method: string } {
    const m = this.methodRef(methodIdx);
    if (!m) return { className: '?', method: '?' };
    return { className: this.typeDescriptor(m.classIdx) ?? '?', method: this.string(m.nameIdx) ?? '?' };
  }

  fieldSignature(fieldIdx: number): string {
    const f = this.fieldRef(fieldIdx);
    if (!f) return `<bad field ${fieldIdx}>`;
    const owner = this.typeDescriptor(f.classIdx) ?? '?';
    return `${owner}->${this.string(f.nameIdx) ?? '?'}:${this.typeDescriptor(f.typeIdx) ?? '?'}`;
  }

  protoDescriptor(protoIdx: number): string {
    if (protoIdx < 0 || protoIdx >= this.protoCount) return '(?)?';
    const p = this.protoIdsOff + protoIdx * 12;
    const ret = this.typeDescriptor(this.buf.readUInt32LE(p + 4)) ?? '?';
    const paramsOff = this.buf.readUInt32LE(p + 8);
    let params = '';
    if (paramsOff !== 0 && paramsOff + 4 <= this.buf.length) {
      // A method takes at most 255 parameter slots: a longer type_list is damage, not a signature.
      const n = Math.min(this.buf.readUInt32LE(paramsOff), MAX_PARAMETERS);
      for (let i = 0; i < n && paramsOff + 4 + i * 2 + 2 <= this.buf.length; i++) {
        params += this.typeDescriptor(this.buf.readUInt16LE(paramsOff + 4 + i * 2)) ?? '?';
      }
    }
    return `(${params})${ret}`;
  }

  /** Types a class implements (its `interfaces_off` type_list). */
  interfaces(classDefIdx: number): number[] {
    const p = this.buf.readUInt32LE(this.classOffset(classDefIdx) + 12);
    if (p === 0 || p + 4 > this.buf.length) return [];
    // Interface indices are type indices, so no class implements more interfaces than the file has types.
    const n = Math.min(this.buf.readUInt32LE(p), this.typeCount, 65535);
    const out: number[] = [];
    for (let i = 0; i < n && p + 4 + i * 2 + 2 <= this.buf.length; i++) out.push(this.buf.readUInt16LE(p + 4 + i * 2));
    return out;
  }

  private classOffset(classDefIdx: number): number {
    return this.buf.readUInt32LE(100) + classDefIdx * 32;
  }

  /**
   * Fields and methods each class defines (from class_data items), computed once. Work is bounded by the
   * file: each encoded member takes at least two (field) or three (method) bytes after its class_data
   * offset, a class_data offset shared with an earlier class is not decoded again, and once the class_data
   * items read add up to more bytes than the file holds (they never overlap in a real DEX) decoding stops.
   */
  members(): ClassMembers[] {
    if (this.membersCache) return this.membersCache;
    const buf = this.buf;
    const out: ClassMembers[] = [];
    const seen = new Set<number>();
    let consumed = 0;
    let stopped = false;
    for (const [c, { classDataOff: off }] of this.classDefs.entries()) {
      const m: ClassMembers = { fields: [], fieldFlags: [], staticFields: 0, methods: [] };
      out.push(m);
      if (off === 0 || stopped) continue;
      if (off < this.dataStart || off >= this.dataEnd) {
        this.warnings.push(`class ${c}: class_data_off ${off} outside the data section`);
        continue;
      }
      if (seen.has(off)) {
        this.warnings.push(`class ${c}: class_data_off ${off} shared with an earlier class, not decoded again`);
        continue;
      }
      seen.add(off);
      const r = new Uleb(buf, off);
      try {
        const sf = r.next();
        const inf = r.next();
        const dm = r.next();
        const vm = r.next();
        if ((sf + inf) * 2 + (dm + vm) * 3 > buf.length - r.pos) {
          throw new MalformedInputError('dex/bad-class-data', 'member counts exceed the bytes after the class data');
        }
        m.staticFields = sf;
        for (const count of [sf, inf]) {
          let fieldIdx = 0;
          for (let i = 0; i < count; i++) {
            fieldIdx += r.next();
            const flags = r.next();
            if (fieldIdx < this.fieldCount) {
              m.fields.push(fieldIdx);
              m.fieldFlags.push(flags);
            }
          }
        }
        for (const count of [dm, vm]) {
          let methodIdx = 0;
          for (let i = 0; i < count; i++) {
            methodIdx += r.next();
            r.next(); // access flags
            const codeOff = r.next();
            if (methodIdx < this.methodCount) m.methods.push({ methodIdx, codeOff });
          }
        }
      } catch (err) {
        this.warnings.push(`class ${c}: ${(err as Error).message}`);
      }
      consumed += r.pos - off;
      if (consumed > buf.length) {
        this.warnings.push(
          `class_data items add up to more than the ${buf.length}-byte file: later classes not decoded`,
        );
        stopped = true;
      }
    }
    this.membersCache = out;
    return out;
  }

  /**
   * Every code body, with the class that defines it. A code item is listed once however many methods
   * claim its offset (a real DEX gives each method its own), so its instructions are walked once.
   */
  codeBodies(): CodeBody[] {
    const out: CodeBody[] = [];
    const members = this.members();
    const seen = new Set<number>();
    let shared = 0;
    for (const [c, { methods }] of members.entries()) {
      for (const { methodIdx, codeOff } of methods) {
        if (codeOff === 0) continue;
        if (codeOff < this.dataStart || codeOff + 16 > this.dataEnd) {
          this.warnings.push(`method ${methodIdx}: code_off ${codeOff} outside the data section`);
          continue;
        }
        if (seen.has(codeOff)) {
          shared++;
          continue;
        }
        seen.add(codeOff);
        out.push({ methodIdx, classDefIdx: c, codeOff, insnsSize: this.buf.readUInt32LE(codeOff + 12) });
      }
    }
    if (shared > 0)
      this.warnings.push(`${shared} methods share a code item with another method; each item is read once`);
    return out;
  }

  xrefs(): DexXrefs {
    if (!this.xrefCache) this.xrefCache = buildXrefs(this);
    return this.xrefCache;
  }
}

class Uleb {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
  ) {}
  next(): number {
    let result = 0;
    let shift = 0;
    for (let k = 0; k < 5; k++) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new MalformedInputError('dex/truncated-uleb128', 'uleb128 runs past the file');
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
    throw new MalformedInputError('dex/bad-uleb128', 'uleb128 longer than 5 bytes');
  }
}

/** [first opcode, last opcode, width] of every instruction wider than one code unit (Dalvik bytecode formats). */
const WIDE_OPCODES: readonly (readonly [number, number, number])[] = [
  [0x02, 0x02, 2],
  [0x03, 0x03, 3],
  [0x05, 0x05, 2],
  [0x06, 0x06, 3],
  [0x08, 0x08, 2],
  [0x09, 0x09, 3],
  [0x13, 0x13, 2],
  [0x14, 0x14, 3],
  [0x15, 0x16, 2],
  [0x17, 0x17, 3],
  [0x18, 0x18, 5],
  [0x19, 0x19, 2],
  [0x1a, 0x1a, 2],
  [0x1b, 0x1b, 3],
  [0x1c, 0x1c, 2],
  [0x1f, 0x20, 2],
  [0x22, 0x23, 2],
  [0x24, 0x26, 3],
  [0x29, 0x29, 2],
  [0x2a, 0x2c, 3],
  [0x2d, 0x3d, 2],
  [0x44, 0x6d, 2],
  [0x6e, 0x72, 3],
  [0x74, 0x78, 3],
  [0x90, 0xaf, 2],
  [0xd0, 0xe2, 2],
  [0xfa, 0xfb, 4],
  [0xfc, 0xfd, 3],
  [0xfe, 0xff, 2],
];
/** Instruction width in code units by opcode; 0 marks `nop`, which may start a payload. */
const WIDTH = new Uint8Array(256).fill(1);
for (const [from, to, w] of WIDE_OPCODES) WIDTH.fill(w, from, to + 1);

class Vec {
  data = new Uint32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  finish(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

class EdgeBuilder {
  start = new Vec();
  targets = new Vec();
  pcs = new Vec();
  open(): void {
    this.start.push(this.targets.length);
  }
  add(target: number, pc: number): void {
    this.targets.push(target);
    this.pcs.push(pc);
  }
  finish(): EdgeList {
    this.start.push(this.targets.length);
    return { start: this.start.finish(), targets: this.targets.finish(), pcs: this.pcs.finish() };
  }
}

function buildXrefs(dex: DexFile): DexXrefs {
  const buf = dex.buf;
  const bodies = dex.codeBodies();
  const strings = new EdgeBuilder();
  const methods = new EdgeBuilder();
  const fields = new EdgeBuilder();
  const types = new EdgeBuilder();
  const arrays: ArrayPayload[] = [];
  const numbers: NumberLiteral[] = [];
  const literal = (body: number, value: number) => {
    if (value >= MIN_INDEXED_LITERAL) numbers.push({ body, value });
  };
  let badBodies = 0;
  // Code items never overlap in a real DEX, so all instructions together fit in the file; overlapping
  // items claiming the whole file would otherwise be walked again and again.
  let unitBudget = Math.floor(buf.length / 2);
  let overBudget = 0;
  // An index loop (not entries()): this is the hottest loop of a scan.
  for (let bi = 0; bi < bodies.length; bi++) {
    const body = bodies[bi];
    if (!body) continue;
    strings.open();
    methods.open();
    fields.open();
    types.open();
    const insns = body.codeOff + 16;
    const units = body.insnsSize;
    if (insns + units * 2 > buf.length) {
      badBodies++;
      continue;
    }
    if (units > unitBudget) {
      overBudget++;
      continue;
    }
    unitBudget -= units;
    let pc = 0;
    while (pc < units) {
      const p = insns + pc * 2;
      // In range: p < insns + units * 2 <= buf.length (checked above), and WIDTH has an entry for every byte.
      const op = buf[p]!;
      let width = WIDTH[op]!;
      if (op === 0x00) {
        width = payloadWidth(buf, p, units - pc);
      } else if (pc + width <= units) {
        switch (op) {
          case 0x1a:
            strings.add(buf.readUInt16LE(p + 2), pc);
            break;
          case 0x1b:
            strings.add(buf.readUInt32LE(p + 2), pc);
            break;
          case 0x13:
          case 0x16:
            literal(bi, buf.readInt16LE(p + 2));
            break;
          case 0x14:
          case 0x17:
            literal(bi, buf.readInt32LE(p + 2));
            break;
          case 0x15:
            literal(bi, buf.readInt16LE(p + 2) * 65536);
            break;
          case 0x18:
            literal(bi, Number(buf.readBigInt64LE(p + 2)));
            break;
          case 0x26: {
            // fill-array-data: payload at a signed code-unit offset from this instruction.
            const target = pc + buf.readInt32LE(p + 2);
            const q = insns + target * 2;
            if (target >= 0 && target + 4 <= units && buf.readUInt16LE(q) === 0x0300) {
              const elementWidth = buf.readUInt16LE(q + 2);
              const count = buf.readUInt32LE(q + 4);
              if (q + 8 + elementWidth * count <= insns + units * 2)
                arrays.push({ body: bi, elementWidth, count, offset: q + 8 });
            }
            break;
          }
          case 0x1c:
          case 0x1f:
          case 0x20:
          case 0x22:
          case 0x23:
          case 0x24:
          case 0x25:
            types.add(buf.readUInt16LE(p + 2), pc);
            break;
          default:
            if (op >= 0x52 && op <= 0x6d) fields.add(buf.readUInt16LE(p + 2), pc);
            else if ((op >= 0x6e && op <= 0x72) || (op >= 0x74 && op <= 0x78) || op === 0xfa || op === 0xfb)
              methods.add(buf.readUInt16LE(p + 2), pc);
        }
      }
      pc += width;
    }
  }
  if (overBudget > 0)
    dex.warnings.push(`${overBudget} code items overlap others past the file's size and were not walked`);
  return {
    bodies,
    arrays,
    numbers,
    strings: strings.finish(),
    methods: methods.finish(),
    fields: fields.finish(),
    types: types.finish(),
    badBodies,
  };
}

/** Literals below this are loop bounds, flags and sizes; intervals and country codes are larger. */
const MIN_INDEXED_LITERAL = 600;

/** Width of a `nop` or of the switch/array payload pseudo-instruction that starts with it. */
function payloadWidth(buf: Buffer, p: number, remaining: number): number {
  const ident = buf[p + 1];
  if (ident === 0 || remaining < 2) return 1;
  const size = buf.readUInt16LE(p + 2);
  let w: number;
  if (ident === 0x01)
    w = size * 2 + 4; // packed-switch-payload
  else if (ident === 0x02)
    w = size * 4 + 2; // sparse-switch-payload
  else if (ident === 0x03) {
    if (remaining < 4) return remaining;
    const elementWidth = size;
    const count = buf.readUInt32LE(p + 4);
    w = 4 + Math.ceil((elementWidth * count) / 2); // fill-array-data-payload
  } else return 1;
  return Math.max(1, Math.min(w, remaining));
}

export { NO_INDEX };

/** `Lcom/foo/Bar;` -> `com.foo.Bar` */
export function descriptorToClassName(desc: string): string {
  if (desc.startsWith('L') && desc.endsWith(';')) return desc.slice(1, -1).replace(/\//g, '.');
  return desc;
}
