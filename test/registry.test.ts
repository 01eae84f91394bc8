import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DETECTORS } from '../src/detectors/index.js';
import { VERSION } from '../src/version.js';
import { ROOT } from './helpers.js';

const DETECTOR_DIR = join(ROOT, 'src', 'detectors');

function detectorFiles(): string[] {
  return readdirSync(DETECTOR_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(DETECTOR_DIR, d.name)).map((f) => join(DETECTOR_DIR, d.name, f)))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
}

describe('detector registry', () => {
  it('registers every detector file, under an id equal to its path', () => {
    const ids = DETECTORS.map((d) => d.meta.id).sort();
    const files = detectorFiles()
      .map((f) => relative(DETECTOR_DIR, f).replace(/\.ts$/, ''))
      .sort();
    expect(ids).toEqual(files);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every detector a test beside it with positive and negative cases', () => {
    for (const d of DETECTORS) {
      const test = join(DETECTOR_DIR, `${d.meta.id}.test.ts`);
      expect(existsSync(test), test).toBe(true);
      const text = readFileSync(test, 'utf8');
      // Either a rule table (the tester refuses one without valid and invalid cases) or both describes.
      if (/testDetector\(detector,/.test(text)) continue;
      expect(text, d.meta.id).toMatch(/describe\('positive'/);
      expect(text, d.meta.id).toMatch(/describe\('negative'/);
    }
  });

  it('keeps message templates and metadata complete', () => {
    for (const d of DETECTORS) {
      expect(d.meta.version).toBeGreaterThanOrEqual(1);
      expect(Object.keys(d.meta.messages).length).toBeGreaterThan(0);
      expect(d.meta.description.length).toBeGreaterThan(10);
    }
  });

  it('declares closed evidence and message data that fill every message placeholder', () => {
    for (const d of DETECTORS) {
      expect(d.meta.evidence.additionalProperties, d.meta.id).toBe(false);
      const keys = Object.keys(d.meta.data.properties);
      for (const [id, template] of Object.entries(d.meta.messages)) {
        const placeholders = [...template.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]);
        for (const p of placeholders) expect(keys, `${d.meta.id} message ${id} uses {{${p}}}`).toContain(p);
      }
    }
  });

  it('keeps the version in step with package.json', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe(VERSION);
  });
});
