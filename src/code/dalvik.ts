/**
 * Instruction-level decoding of Dalvik bytecode (https://source.android.com/docs/core/runtime/dalvik-bytecode
 * and instruction-formats). `walkCode` visits each instruction of one code item with its operands decoded
 * into one reused `Insn` (no allocation per instruction): the value analysis and the call graph read
 * registers, literals, indices and branch targets from it.
 */

/** Instruction formats by opcode, as named in the format table (10x, 12x, 22c, 35c...). */
type Format =
  | '10x'
  | '12x'
  | '11n'
  | '11x'
  | '10t'
  | '20t'
  | '22x'
  | '21t'
  | '21s'
  | '21h'
  | '21c'
  | '23x'
  | '22b'
  | '22t'
  | '22s'
  | '22c'
  | '30t'
  | '32x'
  | '31i'
  | '31t'
  | '31c'
  | '35c'
  | '3rc'
  | '45cc'
  | '4rcc'
  | '51l';

const FORMAT = new Array<Format>(256).fill('10x');
const WIDTH_OF: Record<Format, number> = {
  '10x': 1,
  '12x': 1,
  '11n': 1,
  '11x': 1,
  '10t': 1,
  '20t': 2,
  '22x': 2,
  '21t': 2,
  '21s': 2,
  '21h': 2,
  '21c': 2,
  '23x': 2,
  '22b': 2,
  '22t': 2,
  '22s': 2,
  '22c': 2,
  '30t': 3,
  '32x': 3,
  '31i': 3,
  '31t': 3,
  '31c': 3,
  '35c': 3,
  '3rc': 3,
  '45cc': 4,
  '4rcc': 4,
  '51l': 5,
};
// Instruction formats by opcode range (Dalvik bytecode reference); opcodes not listed are 10x.
const FORMAT_RANGES: Array<[from: number, to: number, format: Format]> = [
  [0x01, 0x01, '12x'],
  [0x02, 0x02, '22x'],
  [0x03, 0x03, '32x'],
  [0x04, 0x04, '12x'],
  [0x05, 0x05, '22x'],
  [0x06, 0x06, '32x'],
  [0x07, 0x07, '12x'],
  [0x08, 0x08, '22x'],
  [0x09, 0x09, '32x'],
  [0x0a, 0x0d, '11x'],
  [0x0f, 0x11, '11x'],
  [0x12, 0x12, '11n'],
  [0x13, 0x13, '21s'],
  [0x14, 0x14, '31i'],
  [0x15, 0x15, '21h'],
  [0x16, 0x16, '21s'],
  [0x17, 0x17, '31i'],
  [0x18, 0x18, '51l'],
  [0x19, 0x19, '21h'],
  [0x1a, 0x1a, '21c'],
  [0x1b, 0x1b, '31c'],
  [0x1c, 0x1c, '21c'],
  [0x1d, 0x1e, '11x'],
  [0x1f, 0x1f, '21c'],
  [0x20, 0x20, '22c'],
  [0x21, 0x21, '12x'],
  [0x22, 0x22, '21c'],
  [0x23, 0x23, '22c'],
  [0x24, 0x24, '35c'],
  [0x25, 0x25, '3rc'],
  [0x26, 0x26, '31t'],
  [0x27, 0x27, '11x'],
  [0x28, 0x28, '10t'],
  [0x29, 0x29, '20t'],
  [0x2a, 0x2a, '30t'],
  [0x2b, 0x2c, '31t'],
  [0x2d, 0x31, '23x'],
  [0x32, 0x37, '22t'],
  [0x38, 0x3d, '21t'],
  [0x44, 0x51, '23x'],
  [0x52, 0x5f, '22c'],
  [0x60, 0x6d, '21c'],
  [0x6e, 0x72, '35c'],
  [0x74, 0x78, '3rc'],
  [0x7b, 0x8f, '12x'],
  [0x90, 0xaf, '23x'],
  [0xb0, 0xcf, '12x'],
  [0xd0, 0xd7, '22s'],
  [0xd8, 0xe2, '22b'],
  [0xfa, 0xfa, '45cc'],
  [0xfb, 0xfb, '4rcc'],
  [0xfc, 0xfc, '35c'],
  [0xfd, 0xfd, '3rc'],
  [0xfe, 0xff, '21c'],
];
for (const [from, to, f] of FORMAT_RANGES) for (let o = from; o <= to; o++) FORMAT[o] = f;

/** One decoded instruction. `regs` holds the argument registers of invoke and filled-new-array. */
export interface Insn {
  pc: number;
  op: number;
  width: number;
  /** vA: destination or first operand. */
  a: number;
  /** vB: second operand (a register, or for 21c/31c the index). */
  b: number;
  /** vC: third operand register (23x, 22x... ), or -1. */
  c: number;
  /** Literal (const*, binop/lit*), sign-extended; wide constants as a JS number (exact up to 2^53). */
  lit: number;
  /** Constant-pool index: string, type, field, method or call site. */
  idx: number;
  /** Proto index of invoke-polymorphic. */
  proto: number;
  /** Branch target (code units from the method start) of goto/if/switch/fill-array-data, or -1. */
  target: number;
  regs: number[];
  nregs: number;
}

export const enum Op {
  MoveResult = 0x0a,
  MoveResultWide = 0x0b,
  MoveResultObject = 0x0c,
  ReturnVoid = 0x0e,
  Return = 0x0f,
  ReturnObject = 0x11,
  ConstString = 0x1a,
  ConstStringJumbo = 0x1b,
  ConstClass = 0x1c,
  CheckCast = 0x1f,
  NewInstance = 0x22,
  NewArray = 0x23,
  FilledNewArray = 0x24,
  FilledNewArrayRange = 0x25,
  FillArrayData = 0x26,
  InvokeVirtual = 0x6e,
  InvokeSuper = 0x6f,
  InvokeDirect = 0x70,
  InvokeStatic = 0x71,
  InvokeInterface = 0x72,
  InvokeVirtualRange = 0x74,
  InvokeSuperRange = 0x75,
  InvokeDirectRange = 0x76,
  InvokeStaticRange = 0x77,
  InvokeInterfaceRange = 0x78,
  InvokePolymorphic = 0xfa,
  InvokePolymorphicRange = 0xfb,
  InvokeCustom = 0xfc,
  InvokeCustomRange = 0xfd,
}

export type InvokeKind = 'virtual' | 'super' | 'direct' | 'static' | 'interface' | 'polymorphic' | 'custom';

const INVOKE_KINDS = ['virtual', 'super', 'direct', 'static', 'interface'] as const;

export function invokeKind(op: number): InvokeKind | null {
  // In range: the op was checked against the five-opcode run just before.
  if (op >= 0x6e && op <= 0x72) return INVOKE_KINDS[op - 0x6e]!;
  if (op >= 0x74 && op <= 0x78) return INVOKE_KINDS[op - 0x74]!;
  if (op === 0xfa || op === 0xfb) return 'polymorphic';
  if (op === 0xfc || op === 0xfd) return 'custom';
  return null;
}

export const isIget = (op: number) => op >= 0x52 && op <= 0x58;
export const isIput = (op: number) => op >= 0x59 && op <= 0x5f;
export const isSget = (op: number) => op >= 0x60 && op <= 0x66;
export const isSput = (op: number) => op >= 0x67 && op <= 0x6d;
export const isIf = (op: number) => op >= 0x32 && op <= 0x3d;
export const isMove = (op: number) => op >= 0x01 && op <= 0x09;
export const isAget = (op: number) => op >= 0x44 && op <= 0x4a;
export const isAput = (op: number) => op >= 0x4b && op <= 0x51;
/** const, const/4, /16, /high16 and the wide forms. */
export const isConstNumber = (op: number) => op >= 0x12 && op <= 0x19;

/** Outcome of a walk: instructions visited and whether the body was cut (bad offsets, truncated code). */
export interface WalkResult {
  units: number;
  truncated: boolean;
}

/**
 * Visits the instructions of the code item at `codeOff` in order. Payload pseudo-instructions (switch
 * tables, array data) are skipped, not visited. Returns false from `visit` to stop early.
 */
export function walkCode(buf: Buffer, codeOff: number, visit: (insn: Insn) => boolean | void): WalkResult {
  if (codeOff + 16 > buf.length) return { units: 0, truncated: true };
  const units = buf.readUInt32LE(codeOff + 12);
  const base = codeOff + 16;
  if (base + units * 2 > buf.length) return { units: 0, truncated: true };
  const insn: Insn = {
    pc: 0,
    op: 0,
    width: 1,
    a: 0,
    b: 0,
    c: -1,
    lit: 0,
    idx: -1,
    proto: -1,
    target: -1,
    regs: [0, 0, 0, 0, 0],
    nregs: 0,
  };
  let pc = 0;
  // In range: p < base + units * 2 <= buf.length (checked above), and FORMAT has an entry for every byte; decode
  // reads at most `width` units from p, and pc + width <= units is checked before it.
  while (pc < units) {
    const p = base + pc * 2;
    const op = buf[p]!;
    if (op === 0x00 && buf[p + 1] !== 0) {
      pc += payloadUnits(buf, p, units - pc);
      continue;
    }
    const fmt = FORMAT[op]!;
    const width = WIDTH_OF[fmt];
    if (pc + width > units) return { units: pc, truncated: true };
    decode(buf, p, op, fmt, insn);
    insn.pc = pc;
    insn.op = op;
    insn.width = width;
    if (insn.target !== -1) insn.target += pc;
    if (visit(insn) === false) return { units: pc, truncated: false };
    pc += width;
  }
  return { units, truncated: false };
}

function decode(buf: Buffer, p: number, op: number, fmt: Format, i: Insn): void {
  const hi = buf[p + 1]!;
  i.c = -1;
  i.lit = 0;
  i.idx = -1;
  i.proto = -1;
  i.target = -1;
  i.nregs = 0;
  switch (fmt) {
    case '10x':
      i.a = 0;
      i.b = 0;
      break;
    case '12x':
      i.a = hi & 0xf;
      i.b = hi >> 4;
      break;
    case '11n':
      i.a = hi & 0xf;
      i.lit = (hi << 24) >> 28;
      break;
    case '11x':
      i.a = hi;
      break;
    case '10t':
      i.target = (hi << 24) >> 24;
      break;
    case '20t':
      i.target = buf.readInt16LE(p + 2);
      break;
    case '30t':
      i.target = buf.readInt32LE(p + 2);
      break;
    case '22x':
      i.a = hi;
      i.b = buf.readUInt16LE(p + 2);
      break;
    case '32x':
      i.a = buf.readUInt16LE(p + 2);
      i.b = buf.readUInt16LE(p + 4);
      break;
    case '21t':
      i.a = hi;
      i.target = buf.readInt16LE(p + 2);
      break;
    case '21s':
      i.a = hi;
      i.lit = buf.readInt16LE(p + 2);
      break;
    case '21h':
      i.a = hi;
      // const/high16 shifts into the top 16 of 32 bits, const-wide/high16 into the top 16 of 64.
      i.lit = op === 0x15 ? buf.readInt16LE(p + 2) << 16 : buf.readInt16LE(p + 2) * 2 ** 48;
      break;
    case '21c':
      i.a = hi;
      i.idx = buf.readUInt16LE(p + 2);
      break;
    case '31c':
      i.a = hi;
      i.idx = buf.readUInt32LE(p + 2);
      break;
    case '31i':
      i.a = hi;
      i.lit = buf.readInt32LE(p + 2);
      break;
    case '31t':
      i.a = hi;
      i.target = buf.readInt32LE(p + 2);
      break;
    case '51l':
      i.a = hi;
      i.lit = Number(buf.readBigInt64LE(p + 2));
      break;
    case '23x':
      i.a = hi;
      i.b = buf[p + 2]!;
      i.c = buf[p + 3]!;
      break;
    case '22b':
      i.a = hi;
      i.b = buf[p + 2]!;
      i.lit = (buf[p + 3]! << 24) >> 24;
      break;
    case '22t':
      i.a = hi & 0xf;
      i.b = hi >> 4;
      i.target = buf.readInt16LE(p + 2);
      break;
    case '22s':
      i.a = hi & 0xf;
      i.b = hi >> 4;
      i.lit = buf.readInt16LE(p + 2);
      break;
    case '22c':
      i.a = hi & 0xf;
      i.b = hi >> 4;
      i.idx = buf.readUInt16LE(p + 2);
      break;
    case '35c':
    case '45cc': {
      const count = hi >> 4;
      const regs = buf.readUInt16LE(p + 4);
      i.idx = buf.readUInt16LE(p + 2);
      i.nregs = Math.min(count, 5);
      i.regs[0] = regs & 0xf;
      i.regs[1] = (regs >> 4) & 0xf;
      i.regs[2] = (regs >> 8) & 0xf;
      i.regs[3] = (regs >> 12) & 0xf;
      i.regs[4] = hi & 0xf;
      if (fmt === '45cc') i.proto = buf.readUInt16LE(p + 6);
      break;
    }
    case '3rc':
    case '4rcc': {
      const first = buf.readUInt16LE(p + 4);
      i.idx = buf.readUInt16LE(p + 2);
      i.nregs = hi;
      if (i.regs.length < hi) i.regs.length = hi;
      for (let k = 0; k < hi; k++) i.regs[k] = first + k;
      if (fmt === '4rcc') i.proto = buf.readUInt16LE(p + 6);
      break;
    }
  }
}

/** Width of a payload pseudo-instruction (packed/sparse switch table, array data). */
function payloadUnits(buf: Buffer, p: number, remaining: number): number {
  const ident = buf[p + 1];
  if (remaining < 2) return remaining;
  const size = buf.readUInt16LE(p + 2);
  let w = 1;
  if (ident === 0x01) w = size * 2 + 4;
  else if (ident === 0x02) w = size * 4 + 2;
  else if (ident === 0x03) {
    if (remaining < 4) return remaining;
    w = 4 + Math.ceil((size * buf.readUInt32LE(p + 4)) / 2);
  }
  return Math.max(1, Math.min(w, remaining));
}

/**
 * Cases of the packed-switch or sparse-switch at `pc` whose payload is at `target` (code units of the
 * code item): each case's key and branch target (made absolute), or null when the payload is not one
 * or does not fit the code item.
 */
export function switchPayload(
  buf: Buffer,
  codeOff: number,
  pc: number,
  target: number,
): { keys: number[]; targets: number[] } | null {
  const units = buf.readUInt32LE(codeOff + 12);
  const q = codeOff + 16 + target * 2;
  if (target < 0 || target + 2 > units) return null;
  const ident = buf.readUInt16LE(q);
  const size = buf.readUInt16LE(q + 2);
  // packed: ident, size, first_key (2 units), targets (2 units each); sparse: ident, size, keys, targets.
  const width = ident === 0x0100 ? 4 + size * 2 : ident === 0x0200 ? 2 + size * 4 : -1;
  if (width < 0 || target + width > units) return null;
  const keys: number[] = [];
  const targets: number[] = [];
  const first = ident === 0x0100 ? buf.readInt32LE(q + 4) : 0;
  const table = ident === 0x0100 ? q + 8 : q + 4 + size * 4;
  for (let k = 0; k < size; k++) {
    keys.push(ident === 0x0100 ? first + k : buf.readInt32LE(q + 4 + k * 4));
    targets.push(pc + buf.readInt32LE(table + k * 4));
  }
  return { keys, targets };
}

/** Elements of the fill-array-data payload at `target` (code units) of the code item, or null. */
export function arrayPayload(buf: Buffer, codeOff: number, target: number): number[] | null {
  const units = buf.readUInt32LE(codeOff + 12);
  const q = codeOff + 16 + target * 2;
  if (target < 0 || target + 4 > units || buf.readUInt16LE(q) !== 0x0300) return null;
  const width = buf.readUInt16LE(q + 2);
  const count = buf.readUInt32LE(q + 4);
  if (![1, 2, 4, 8].includes(width) || q + 8 + width * count > codeOff + 16 + units * 2 || count > 65536) return null;
  const out = new Array<number>(count);
  for (let k = 0; k < count; k++) {
    const e = q + 8 + k * width;
    out[k] =
      width === 1
        ? ((buf[e] ?? 0) << 24) >> 24
        : width === 2
          ? buf.readInt16LE(e)
          : width === 4
            ? buf.readInt32LE(e)
            : Number(buf.readBigInt64LE(e));
  }
  return out;
}

/** Registers a code item declares, and how many hold the incoming arguments (the last ones). */
export function codeRegisters(buf: Buffer, codeOff: number): { registers: number; ins: number } {
  return { registers: buf.readUInt16LE(codeOff), ins: buf.readUInt16LE(codeOff + 2) };
}
