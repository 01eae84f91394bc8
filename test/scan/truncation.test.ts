import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { exportLists } from '../../src/report/lists.js';
import { scan } from '../../src/scan/scan.js';
import { CORPUS, corpusFile, requireTool, run, tempDir } from '../helpers.js';

/**
 * Truncation never goes unsaid: every cut of a real file ends with findings or a diagnostic about that
 * file, never an internal error; and each truncation class named in the reliability issue has its own
 * typed diagnostic.
 */

/** Findings and diagnostics that concern `path` (the file itself or anything read out of it). */
function about(report: Report, path: string): { codes: string[]; findings: number } {
  const ids = new Set(
    report.artefacts.filter((a) => a.path === path || a.path.startsWith(`${path}!`)).map((a) => a.id),
  );
  const codes = report.diagnostics
    .filter(
      (d) =>
        d.path === path ||
        d.path.startsWith(`${path}!`) ||
        d.path.startsWith(`${path} `) ||
        (d.artefactId !== undefined && ids.has(d.artefactId)),
    )
    .map((d) => d.code);
  return { codes, findings: report.findings.filter((f) => ids.has(f.artefactId)).length };
}

const REAL = [
  'apk/a2dp.Vol_137.apk',
  'apk/com.teleca.jamendo_35.apk',
  'apk/urzip.apk',
  'apk/janus.apk',
  'apk/multidex.apk',
  'apk/okhttp.d8.038.dex',
  'apk/Test.dex',
  'firmware/avbroot/boot_v2.img',
  'firmware/avbroot/boot_v4.img',
  'firmware/avbroot/vendor_v4.img',
  'firmware/avbroot/vbmeta_root.img',
  'firmware/avbroot/vbmeta_appended_hash_tree.img',
  'firmware/lineageos-sdm845-vbmeta.img',
  'firmware/sparse/extended-headers.img',
  'firmware/sparse/fill-4k-zeros.img',
  'network-captures/ndpi/android.pcap',
  'network-captures/ndpi/doh.pcapng',
  'network-captures/pcapdroid/two_flows.pcap',
  'network-captures/har/mitmproxy-chrome.har',
  'network-captures/har/mitmproxy-charles.har',
];
const FRACTIONS = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999];

describe('truncation', () => {
  it('every cut of twenty real files yields findings or a diagnostic, never an internal error', async () => {
    const dir = tempDir('candor-cuts-');
    const cuts: string[] = [];
    for (const rel of REAL) {
      const bytes = readFileSync(join(CORPUS, rel));
      for (const f of FRACTIONS) {
        const n = Math.max(1, Math.floor(bytes.length * f));
        const p = join(dir, `${basename(rel, extname(rel))}.cut${n}${extname(rel)}`);
        writeFileSync(p, bytes.subarray(0, n));
        cuts.push(p);
      }
    }
    const report = await scan({ inputs: cuts, cwd: dir, jobs: 2 });
    const silent: string[] = [];
    const internal: string[] = [];
    for (const p of new Set(cuts)) {
      const { codes, findings } = about(report, p);
      if (codes.some((c) => c.startsWith('internal/'))) internal.push(`${basename(p)}: ${codes.join(' ')}`);
      else if (codes.length === 0 && findings === 0) silent.push(basename(p));
    }
    expect(internal).toEqual([]);
    expect(silent).toEqual([]);
  }, 600_000);

  it('names each truncation class with its own diagnostic', async () => {
    requireTool('mke2fs');
    requireTool('debugfs');
    const dir = tempDir('candor-trunc-');
    const file = (name: string, bytes: Buffer) => {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      return p;
    };
    const pcap = readFileSync(join(CORPUS, 'network-captures/ndpi/android.pcap'));
    const headerOnly = file('header-only.pcap', pcap.subarray(0, 24));
    const oneByte = file('one-byte.apk', readFileSync(corpusFile('urzip.apk')).subarray(0, 1));
    const boot = readFileSync(join(CORPUS, 'firmware/avbroot/boot_v4.img'));
    const bootCut = file('boot.img', boot.subarray(0, 4096 + 100));
    // An ext4 image made by mke2fs holding a real APK, then cut before its last blocks.
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'app'), { recursive: true });
    copyFileSync(corpusFile('urzip.apk'), join(tree, 'app', 'urzip.apk'));
    const ext4 = join(dir, 'whole.img');
    run('mke2fs', ['-q', '-t', 'ext4', '-b', '4096', '-L', 'system', '-d', tree, ext4, '8M']);
    const ext4Bytes = readFileSync(ext4);
    const ext4Cut = file('system.img', ext4Bytes.subarray(0, ext4Bytes.length - 64 * 4096));
    // The same image with the APK's inode claiming 500 MB (set by debugfs itself).
    const lying = join(dir, 'lying', 'system.img');
    mkdirSync(join(dir, 'lying'));
    copyFileSync(ext4, lying);
    run('debugfs', ['-w', '-R', 'sif /app/urzip.apk size 500000000', lying]);

    const report = await scan({ inputs: [headerOnly, oneByte, bootCut, ext4Cut, lying], cwd: dir, jobs: 2 });
    expect(about(report, headerOnly).codes).toContain('capture/no-packets');
    expect(about(report, oneByte).codes).toContain('input/format-mismatch');
    expect(about(report, bootCut).codes).toContain('bootimg/truncated');
    expect(about(report, ext4Cut).codes).toContain('ext4/truncated');
    expect(about(report, lying).codes).toContain('ext4/size-past-image');
    expect(report.diagnostics.map((d) => d.code).filter((c) => c.startsWith('internal/'))).toEqual([]);
  }, 300_000);

  it('shows NUL and other control characters in text and CSV exports as escapes', () => {
    const term = 'free\u0000tibet\nsplit';
    const report = {
      findings: [
        {
          detectorId: 'censorship/keyword-list',
          fingerprint: 'f1',
          location: { path: 'a.apk\u0000!/x' },
          evidence: { terms: [term, 'plain'], encodings: [], kind: 'political' },
        },
      ],
    } as unknown as Report;
    for (const format of ['txt', 'csv'] as const) {
      const out = exportLists(report, format);
      // eslint-disable-next-line no-control-regex -- no raw control character may remain
      expect(out, format).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
      expect(out, format).toContain('free\\u0000tibet\\u000asplit');
      expect(
        out.split('\n').filter((l) => l.includes('split')),
        format,
      ).toHaveLength(1);
    }
  });
});
