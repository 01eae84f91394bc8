import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../src/capture/analyze-capture.js';
import { analyzeHar } from '../src/capture/har.js';
import { parseHttpResponses } from '../src/formats/net/http.js';
import { FileSource } from '../src/io/byte-source.js';
import { DEFAULT_LIMITS } from '../src/io/limits.js';
import { CORPUS, requireTool } from './helpers.js';

/** An HTTP or HAR body over capture.maxHttpBodyBytes is read up to it, and a limit/* diagnostic says so. */
describe('HTTP body limits', () => {
  requireTool('tshark');

  it('a real capture whose response is longer than the limit gets limit/http-body naming limit and length', () => {
    const file = join(CORPUS, 'network-captures', 'ndpi', 'http.pcapng');
    // tshark gives the response's Content-Length; the limit is set just below it.
    const r = spawnSync('tshark', ['-r', file, '-Y', 'http.response', '-T', 'fields', '-e', 'http.content_length'], {
      encoding: 'utf8',
    });
    const length = Math.max(...r.stdout.split('\n').filter(Boolean).map(Number));
    expect(length).toBeGreaterThan(10);
    const within = analyzeCapture(new FileSource(file), {}, { ...DEFAULT_LIMITS.capture, maxHttpBodyBytes: length });
    expect(within.problems.map((p) => p.code)).not.toContain('limit/http-body');
    const limit = length - 1;
    const cut = analyzeCapture(new FileSource(file), {}, { ...DEFAULT_LIMITS.capture, maxHttpBodyBytes: limit });
    const p = cut.problems.find((x) => x.code === 'limit/http-body');
    expect(p?.message).toContain(`capture.maxHttpBodyBytes ${limit}`);
    expect(p?.message).toContain(`${length} bytes (Content-Length)`);
    // Read up to the limit, not dropped.
    expect(cut.responses.some((x) => Buffer.byteLength(x.text, 'latin1') <= limit && x.text.length > 0)).toBe(true);
  });

  it('a gzip body that decodes past the limit, and a chunked body over it, are each reported', () => {
    const text = Buffer.from('term 法轮功\n'.repeat(400));
    const gz = gzipSync(text);
    const head =
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n' +
      `Content-Length: ${gz.length}\r\n\r\n`;
    const chunk = Buffer.alloc(600, 'a');
    const chunked = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n'),
      ...[1, 2].flatMap(() => [Buffer.from('258\r\n'), chunk, Buffer.from('\r\n')]),
      Buffer.from('0\r\n\r\n'),
    ]);
    const cuts: string[] = [];
    const limit = 1000;
    expect(gz.length).toBeLessThan(limit);
    expect(text.length).toBeGreaterThan(limit);
    const out = parseHttpResponses(Buffer.concat([Buffer.from(head), gz, chunked]), 50, limit, (m) => cuts.push(m));
    expect(cuts).toEqual([
      'a gzip body decodes past the limit and is skipped',
      `a chunked body passes ${limit} bytes; the chunks past the limit are not read`,
    ]);
    expect(out.map((r) => r.text.length)).toEqual([600]);
  });

  it('a HAR body over the limit gets limit/har-body, and its first part is still read', () => {
    const har = readFileSync(join(CORPUS, 'network-captures', 'har', 'mitmproxy-charles.har'), 'utf8');
    const longest = Math.max(
      ...(JSON.parse(har) as { log: { entries: Array<{ response: { content: { text?: string } } }> } }).log.entries.map(
        (e) => e.response.content.text?.length ?? 0,
      ),
    );
    expect(longest).toBeGreaterThan(100);
    expect(analyzeHar(har, {}, longest * 2).problems.map((p) => p.code)).not.toContain('limit/har-body');
    const cut = analyzeHar(har, {}, 50);
    const p = cut.problems.find((x) => x.code === 'limit/har-body');
    expect(p?.message).toMatch(
      /the response body of \d+ characters is read up to the limit capture.maxHttpBodyBytes 50/,
    );
    expect(cut.responses.length).toBeGreaterThan(0);
    expect(cut.responses.every((r) => r.text.length <= 100)).toBe(true);
  });
});
