import { Type } from '@sinclair/typebox';
import { appCodeFacts } from '../../correlate/code-facts.js';
import { loadDataFile } from '../../data-files.js';
import { definedClassNames } from '../../formats/dex-queries.js';
import type { Severity } from '../../model.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';

/**
 * Packers, protectors, obfuscators, anti-analysis checks, compilers and abnormal DEX headers, from DEX
 * and ELF features (APKiD's categories), in TypeScript: YARA cannot read DEX structure.
 */

interface PackerRule {
  id: string;
  name: string;
  category: 'packer' | 'protector';
  libs: string[];
  assets: string[];
  classes: string[];
}

let rules: Array<PackerRule & { libRe: RegExp[]; assetRe: RegExp[] }> | null = null;
function packerRules() {
  if (!rules) {
    rules = loadDataFile('packers').rules.map((r) => ({
      ...r,
      libRe: r.libs.map((x) => new RegExp(x)),
      assetRe: r.assets.map((x) => new RegExp(x)),
    }));
  }
  return rules;
}

const ANTI_VM = new Set([
  'goldfish',
  'ranchu',
  'ro.kernel.qemu',
  '/dev/qemu_pipe',
  '/dev/socket/qemud',
  'generic_x86',
  'vbox86',
  'Genymotion',
  'ro.hardware.virtual_device',
  '/system/lib/libc_malloc_debug_qemu.so',
  'init.goldfish.rc',
  '000000000000000',
  'google_sdk',
  'sdk_gphone',
]);
const ANTI_DEBUG_CALLS = new Set(['Landroid/os/Debug;->isDebuggerConnected', 'Landroid/os/Debug;->waitingForDebugger']);
const SEVERITY: Record<string, Severity> = {
  packer: 'medium',
  protector: 'medium',
  obfuscator: 'low',
  'anti-vm': 'low',
  'anti-debug': 'low',
  compiler: 'info',
  abnormal: 'low',
};

const Evidence = evidence({
  category: Type.String(),
  id: Type.String(),
  name: Type.String(),
  // What identified it; which fields appear depends on the rule (library and asset names, stub classes,
  // name statistics, the compiler marker, header problems, checking strings or methods).
  libraries: Type.Optional(Type.Array(Type.String())),
  assets: Type.Optional(Type.Array(Type.String())),
  /** Stub classes of a packer rule; or, for name statistics, the number of classes. */
  classes: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Integer()])),
  shortNames: Type.Optional(Type.Integer()),
  unicodeNames: Type.Optional(Type.Integer()),
  marker: Type.Optional(Type.String()),
  problems: Type.Optional(Type.Array(Type.String())),
  className: Type.Optional(Type.String()),
  strings: Type.Optional(Type.Array(Type.String())),
  methods: Type.Optional(Type.Array(Type.String())),
});
const Data = messageData({ category: Type.String(), name: Type.String(), path: Type.String() });

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'integrity/packers',
    version: 1,
    input: 'app',
    description:
      'Packers, protectors, obfuscators, anti-VM and anti-debug checks, the compiler that built the DEX, and ' +
      'abnormal DEX headers.',
    severity: 'medium',
    confidence: 'medium',
    tags: ['packer'],
    evidence: Evidence,
    data: Data,
    messages: { identified: '{{category}}: {{name}} in {{path}}' },
  },
  detect(app): Found[] {
    const out: Found[] = [];
    const add = (
      category: string,
      id: string,
      name: string,
      path: string,
      evidence: Record<string, unknown>,
      confidence: 'low' | 'medium' | 'high' = 'high',
    ) =>
      out.push({
        messageId: 'identified',
        data: { category, name, path },
        artefactId: app.artefact.id,
        location: { path },
        severity: SEVERITY[category],
        confidence,
        tags: ['apkid', category],
        identity: `${category}:${id}:${path}`,
        evidence: { category, id, name, ...evidence },
      });
    const libNames = app.nativeLibs.map((l) => l.artefact.path.slice(l.artefact.path.lastIndexOf('/') + 1));
    const assetNames = [
      ...app.texts.map((t) => t.location.path),
      ...app.opaque.filter((o) => o.origin === 'entry').map((o) => o.location.path),
    ].map((p) => p.slice(p.lastIndexOf('/') + 1));
    const classes = app.dexes.flatMap((d) => definedClassNames(d.dex));
    for (const r of packerRules()) {
      const libs = libNames.filter((n) => r.libRe.some((re) => re.test(n)));
      const assets = assetNames.filter((n) => r.assetRe.some((re) => re.test(n)));
      const stubs = classes.filter((c) => r.classes.some((p) => c.startsWith(p))).slice(0, 10);
      if (libs.length + assets.length + stubs.length === 0) continue;
      add(
        r.category,
        r.id,
        r.name,
        app.artefact.path,
        { libraries: libs, assets, classes: stubs },
        libs.length + assets.length + stubs.length >= 2 ? 'high' : 'medium',
      );
    }
    for (const { artefact, dex } of app.dexes) {
      const names = definedClassNames(dex);
      // Minified names (a/b/c): ProGuard or R8. Most ordinary classes have descriptive names.
      const short = names.filter((n) =>
        /^[a-z]{1,2}$/.test(n.slice(n.lastIndexOf('/') + 1).split('$')[0] ?? ''),
      ).length;
      if (names.length >= 20 && short / names.length >= 0.3)
        add(
          'obfuscator',
          'minified-names',
          'ProGuard/R8 name minification',
          artefact.path,
          { shortNames: short, classes: names.length },
          'medium',
        );
      const exotic = names.filter((n) => /[^\x20-\x7e]/.test(n)).length;
      if (names.length >= 10 && exotic / names.length >= 0.1)
        add(
          'obfuscator',
          'unicode-names',
          'non-ASCII class names (DexGuard-style)',
          artefact.path,
          { unicodeNames: exotic, classes: names.length },
          'medium',
        );
      const compiler = compilerOf(dex);
      if (compiler) add('compiler', compiler.id, compiler.name, artefact.path, { marker: compiler.marker });
      const abnormal = abnormalHeader(dex.buf);
      if (abnormal.length) add('abnormal', 'dex-header', 'abnormal DEX header', artefact.path, { problems: abnormal });
    }
    if (app.dexes.length) {
      const facts = appCodeFacts(app);
      const vm = new Set<string>();
      const debug = new Set<string>();
      for (const m of facts.methods) {
        if (m.stringIds.length) {
          const roles = facts.memo('anti-analysis', m, (s) =>
            ANTI_VM.has(s) ? 'vm' : s === 'TracerPid' ? 'tracer' : s === 'ALLATORIxDEMO' ? 'allatori' : null,
          );
          if (roles.some((r) => r !== null)) {
            const texts = facts.memo('text', m, (s) => s);
            roles.forEach((r, i) => {
              const text = texts[i]; // one text per string of m, in the order of roles
              if (r === 'vm' && text !== undefined) vm.add(text);
              else if (r === 'tracer') debug.add(`${m.className}->${m.method} (TracerPid)`);
              else if (r === 'allatori')
                add('obfuscator', 'allatori', 'Allatori', app.artefact.path, { className: m.className });
            });
          }
        }
        if (m.callIds.length && facts.memoCalls('anti-debug', m, (c) => ANTI_DEBUG_CALLS.has(c)).some(Boolean))
          debug.add(`${m.className}->${m.method}`);
      }
      if (vm.size >= 2)
        add(
          'anti-vm',
          'emulator-checks',
          'emulator detection',
          app.artefact.path,
          { strings: [...vm] },
          vm.size >= 3 ? 'high' : 'medium',
        );
      if (debug.size)
        add(
          'anti-debug',
          'debugger-checks',
          'debugger detection',
          app.artefact.path,
          { methods: [...debug].slice(0, 10) },
          'medium',
        );
    }
    return out;
  },
});

/** R8 and D8 leave a `~~R8{...}` / `~~D8{...}` marker string in the DEX they write. */
function compilerOf(dex: {
  stringCount: number;
  string(i: number): string | null;
  stringBytes(i: number): [number, number] | null;
  buf: Buffer;
}): { id: string; name: string; marker: string } | null {
  // Markers sort before most strings ("~" is high ASCII but they are few); scan the pool's tail cheaply.
  for (let i = dex.stringCount - 1; i >= Math.max(0, dex.stringCount - 64); i--) {
    const s = dex.string(i);
    if (!s) continue;
    if (s.startsWith('~~R8{')) return { id: 'r8', name: 'R8', marker: s.slice(0, 200) };
    if (s.startsWith('~~D8{')) return { id: 'd8', name: 'D8', marker: s.slice(0, 200) };
    if (s.startsWith('~~L8{')) return { id: 'l8', name: 'L8', marker: s.slice(0, 200) };
  }
  return null;
}

function abnormalHeader(buf: Buffer): string[] {
  const problems: string[] = [];
  const version = buf.toString('latin1', 4, 7);
  const headerSize = buf.readUInt32LE(36);
  if (version !== '041' && headerSize !== 0x70) problems.push(`header_size ${headerSize}`);
  if (buf.readUInt32LE(44) !== 0 || buf.readUInt32LE(48) !== 0) problems.push('non-empty link section');
  if (buf.readUInt32LE(32) !== buf.length)
    problems.push(`file_size ${buf.readUInt32LE(32)} differs from ${buf.length}`);
  if (buf.readUInt32LE(52) === 0 || buf.readUInt32LE(52) >= buf.length) problems.push('map_off outside the file');
  return problems;
}
