import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InflateBudget, readEntry, readZipDirectory } from '../../src/containers/zip.js';
import { parseResourceTable, resolveString } from '../../src/formats/arsc.js';
import { attr, parseBinaryXml } from '../../src/formats/axml.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { MalformedInputError } from '../../src/io/errors.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { corpusFile, run } from '../helpers.js';

function entry(apk: string, name: string): Buffer {
  const src = new BufferSource(readFileSync(apk));
  const dir = readZipDirectory(src, DEFAULT_LIMITS);
  return readEntry(src, dir.byName.get(name) as never, new InflateBudget(DEFAULT_LIMITS));
}

describe('binary XML and resources.arsc', () => {
  it('walks the same manifest elements as aapt dump xmltree', () => {
    const apk = corpusFile('a2dp.Vol_137.apk');
    const xml = parseBinaryXml(entry(apk, 'AndroidManifest.xml'));
    const names: string[] = [];
    const walk = (e: NonNullable<typeof xml.root>) => {
      names.push(e.name);
      e.children.forEach(walk);
    };
    walk(xml.root as NonNullable<typeof xml.root>);
    const ref = [...run('aapt', ['dump', 'xmltree', apk, 'AndroidManifest.xml']).matchAll(/^\s*E: ([\w-]+) /gm)].map(
      (m) => m[1],
    );
    expect(names).toEqual(ref);
    expect(xml.warnings).toEqual([]);
  });

  it('resolves the label reference through resources.arsc like aapt', () => {
    const apk = corpusFile('app-prod-debug.apk');
    const table = parseResourceTable(entry(apk, 'resources.arsc'));
    const xml = parseBinaryXml(entry(apk, 'AndroidManifest.xml'));
    const app = xml.root?.children.find((c) => c.name === 'application');
    const label = app && attr(app, 'label');
    expect(label?.type).toBe('reference');
    expect(resolveString(table, (label as { value: number }).value)).toBe(
      /application-label:'(.*)'/.exec(run('aapt', ['dump', 'badging', apk]))?.[1],
    );
  });

  it('warns about a type chunk too short for its header instead of reading past the file', () => {
    // Hand-made table: header (12) + package header (12 + 256 name bytes) + a 12-byte type chunk at the
    // very end, whose fixed 20-byte ResTable_type header would lie past the end of the file.
    const pkg = Buffer.alloc(12 + 256 + 12);
    pkg.writeUInt16LE(0x0200, 0);
    pkg.writeUInt16LE(12 + 256, 2);
    pkg.writeUInt32LE(pkg.length, 4);
    pkg.writeUInt32LE(0x7f, 8);
    const type = pkg.subarray(12 + 256);
    type.writeUInt16LE(0x0201, 0);
    type.writeUInt16LE(8, 2);
    type.writeUInt32LE(12, 4);
    const head = Buffer.alloc(12);
    head.writeUInt16LE(0x0002, 0);
    head.writeUInt16LE(12, 2);
    head.writeUInt32LE(12 + pkg.length, 4);
    const table = parseResourceTable(Buffer.concat([head, pkg]));
    expect(table.packages).toEqual([{ id: 0x7f, name: '' }]);
    expect(table.values.size).toBe(0);
    expect(table.warnings).toEqual([`type chunk at ${12 + 12 + 256} is too short for its header`]);
  });

  it('rejects a string pool that lies about its size or count', () => {
    const manifest = entry(corpusFile('urzip.apk'), 'AndroidManifest.xml');
    const poolAt = manifest.readUInt16LE(2);
    const count = Buffer.from(manifest);
    count.writeUInt32LE(0x00ffffff, poolAt + 8);
    expect(() => parseBinaryXml(count)).toThrow(MalformedInputError);
    const size = Buffer.from(manifest);
    size.writeUInt32LE(0x7fffffff, poolAt + 4);
    expect(() => parseBinaryXml(size)).toThrow(MalformedInputError);
    expect(() => parseBinaryXml(Buffer.from('<?xml version="1.0"?><manifest/>'))).toThrow(MalformedInputError);
  });

  it('keeps parsing when one string offset points outside its pool', () => {
    const manifest = Buffer.from(entry(corpusFile('urzip.apk'), 'AndroidManifest.xml'));
    const poolAt = manifest.readUInt16LE(2);
    const headerSize = manifest.readUInt16LE(poolAt + 2);
    manifest.writeUInt32LE(0x7ffffff0, poolAt + headerSize); // offset of string 0
    const xml = parseBinaryXml(manifest);
    expect(xml.root?.name).toBe('manifest');
    expect(xml.strings?.tryGet(0)).toBeNull();
  });
});
