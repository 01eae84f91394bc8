import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boundedDecompress } from '../../src/decode/bounded.js';
import { requireTool } from '../helpers.js';

const KEPT = join(import.meta.dirname, '..', 'fixtures', 'fuzz-crashers', 'decode');

function codeOf(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe('zstd on a watched helper thread', () => {
  requireTool('zstd');

  it('decodes what the zstd tool writes, frame after frame, as the tool decodes it', () => {
    const text = Buffer.from(Array.from({ length: 5000 }, (_, i) => `entry ${i} 法轮功`).join('\n'));
    const one = execFileSync('zstd', ['-19', '-q', '-c'], { input: text });
    const two = Buffer.concat([one, execFileSync('zstd', ['-1', '-q', '-c'], { input: text })]);
    expect(boundedDecompress('zstd', one, 1 << 24).equals(text)).toBe(true);
    expect(boundedDecompress('zstd', two, 1 << 24).equals(Buffer.concat([text, text]))).toBe(true);
    expect(codeOf(() => boundedDecompress('zstd', two, text.length + 10))).toBe('limit/decoded-bytes');
  });

  it('ends a frame that would decode forever as limit/zstd-time, and decodes the next input', () => {
    // Found by `npm run fuzz` (decode target): its Huffman weight table gives every FSE state zero bits.
    const hang = readFileSync(join(KEPT, 'fzstd-huffman-zero-bits.bin'));
    expect(codeOf(() => boundedDecompress('zstd', hang, 1 << 24))).toBe('limit/zstd-time');
    const ok = execFileSync('zstd', ['-q', '-c'], { input: 'after the hang' });
    expect(boundedDecompress('zstd', ok, 1 << 20).toString()).toBe('after the hang');
  }, 30_000);
});
