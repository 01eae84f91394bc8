import type { ByteSource } from '../io/byte-source.js';
import { MalformedInputError } from '../io/errors.js';
import { MappedSource, type Piece } from './mapped-source.js';

/**
 * Block-based OTAs (Android 5–9 `system.new.dat[.br]` + `system.transfer.list`, versions 1–4): the
 * transfer list's `new` commands say which block ranges take the next bytes of `new.dat`; `zero` and
 * `erase` leave zeros. Diff commands (`move`, `bsdiff`, `imgdiff`) need the previous image and the
 * patch data, so a list containing them is reported as incomplete rather than applied wrongly.
 */

const BLOCK = 4096;
const MAX_BLOCKS = 2 ** 32;

export interface TransferList {
  version: number;
  totalBlocks: number;
  /** Ranges of `new` commands in order: [startBlock, endBlock). */
  newRanges: Array<[number, number]>;
  /** Commands that need the old image or a patch. */
  unsupported: string[];
  /** One past the highest block any command writes. */
  endBlock: number;
}

export function parseTransferList(text: string): TransferList {
  const lines = text.split(/\r?\n/);
  const version = Number(lines[0]);
  if (!Number.isInteger(version) || version < 1 || version > 4)
    throw new MalformedInputError(
      'transfer-list/version',
      `transfer list version "${lines[0]?.slice(0, 20)}" is not 1 to 4`,
    );
  const totalBlocks = Number(lines[1]);
  if (!Number.isSafeInteger(totalBlocks) || totalBlocks < 0)
    throw new MalformedInputError('transfer-list/bad-header', 'second line is not a block count');
  const first = version >= 2 ? 4 : 2;
  const newRanges: Array<[number, number]> = [];
  const unsupported = new Set<string>();
  let endBlock = 0;
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (i < first || !line) continue;
    const [cmd = '', ...args] = line.split(/\s+/);
    if (cmd === 'new' || cmd === 'zero' || cmd === 'erase') {
      const ranges = parseRangeSet(args[0] ?? '', i + 1);
      for (const r of ranges) endBlock = Math.max(endBlock, r[1]);
      if (cmd === 'new') newRanges.push(...ranges);
    } else if (cmd === 'stash' || cmd === 'free') {
      // Stash bookkeeping only matters to diff commands.
    } else if (cmd === 'move' || cmd === 'bsdiff' || cmd === 'imgdiff') {
      unsupported.add(cmd);
    } else {
      throw new MalformedInputError(
        'transfer-list/bad-command',
        `line ${i + 1}: unknown command "${cmd.slice(0, 20)}"`,
      );
    }
  }
  return { version, totalBlocks, newRanges, unsupported: [...unsupported], endBlock };
}

/** A range set is "count,a,b,c,d...": count numbers forming [a,b) [c,d)... pairs. */
export function parseRangeSet(s: string, line: number): Array<[number, number]> {
  const nums = s.split(',').map(Number);
  const count = nums[0] ?? NaN;
  if (
    !Number.isInteger(count) ||
    count % 2 !== 0 ||
    nums.length !== count + 1 ||
    nums.some((n) => !Number.isSafeInteger(n) || n < 0)
  ) {
    throw new MalformedInputError('transfer-list/bad-range', `line ${line}: malformed range set`);
  }
  const out: Array<[number, number]> = [];
  // nums holds 1 + count numbers and count is even: every pair is whole.
  for (let k = 1; k + 1 < nums.length; k += 2) {
    const from = nums[k] ?? 0;
    const to = nums[k + 1] ?? 0;
    if (to <= from || to > MAX_BLOCKS)
      throw new MalformedInputError(
        'transfer-list/bad-range',
        `line ${line}: range ${from}-${to} is empty or too large`,
      );
    out.push([from, to]);
  }
  return out;
}

/**
 * The image a transfer list builds from `newData` (already decompressed when it was `.br`). A list that
 * consumes more data than `new.dat` holds keeps what there is and says so.
 */
export function blockOtaImage(list: TransferList, newData: ByteSource): { image: MappedSource; warnings: string[] } {
  const warnings: string[] = [];
  const pieces: Piece[] = [];
  let consumed = 0;
  for (const [a, b] of list.newRanges) {
    const bytes = (b - a) * BLOCK;
    if (consumed + bytes > newData.size) {
      warnings.push(`new.dat holds ${newData.size} bytes; the transfer list asks for more (stopped at block ${a})`);
      const rest = newData.size - consumed;
      if (rest > 0) pieces.push({ at: a * BLOCK, length: rest, kind: 'source', source: newData, offset: consumed });
      break;
    }
    pieces.push({ at: a * BLOCK, length: bytes, kind: 'source', source: newData, offset: consumed });
    consumed += bytes;
  }
  if (consumed < newData.size && warnings.length === 0)
    warnings.push(`new.dat has ${newData.size - consumed} bytes the transfer list never uses`);
  if (list.unsupported.length)
    warnings.push(
      `the transfer list also patches blocks (${list.unsupported.join(', ')}); ` +
        'those blocks need the previous image and read as zeros',
    );
  const size = Math.max(list.endBlock, list.totalBlocks) * BLOCK;
  return { image: new MappedSource(size, pieces), warnings };
}
