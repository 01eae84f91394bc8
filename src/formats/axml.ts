import { MalformedInputError } from '../io/errors.js';
import { RES_STRING_POOL_TYPE, StringPool } from './string-pool.js';

/**
 * Android binary XML (AndroidManifest.xml and compiled res/*.xml). Layout from androidfw's ResourceTypes.h.
 * Attribute names are resolved through the resource-id map first, because obfuscators rename the
 * string while the platform only looks at the id.
 */

const RES_XML_TYPE = 0x0003;
const RES_XML_RESOURCE_MAP_TYPE = 0x0180;
const RES_XML_START_NAMESPACE_TYPE = 0x0100;
const RES_XML_END_NAMESPACE_TYPE = 0x0101;
const RES_XML_START_ELEMENT_TYPE = 0x0102;
const RES_XML_END_ELEMENT_TYPE = 0x0103;
const RES_XML_CDATA_TYPE = 0x0104;

export const ANDROID_NS = 'http://schemas.android.com/apk/res/android';

/** Framework attribute ids (frameworks/base/core/res/res/values/public.xml) for names Candor reads. */
export const ANDROID_ATTR_IDS: Record<number, string> = {
  0x01010000: 'theme',
  0x01010001: 'label',
  0x01010002: 'icon',
  0x01010003: 'name',
  0x01010006: 'permission',
  0x01010009: 'protectionLevel',
  0x0101000b: 'sharedUserId',
  0x0101000e: 'enabled',
  0x01010010: 'exported',
  0x01010011: 'process',
  0x01010018: 'authorities',
  0x0101001c: 'priority',
  0x01010026: 'mimeType',
  0x01010027: 'scheme',
  0x01010028: 'host',
  0x01010029: 'port',
  0x0101002a: 'path',
  0x0101002b: 'pathPrefix',
  0x0101002c: 'pathPattern',
  0x01010202: 'targetActivity',
  0x0101020c: 'minSdkVersion',
  0x0101021b: 'versionCode',
  0x0101021c: 'versionName',
  0x01010270: 'targetSdkVersion',
  0x01010271: 'maxSdkVersion',
};

export type AttrValue =
  | { type: 'string'; value: string }
  | { type: 'int'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'reference'; value: number }
  | { type: 'other'; value: number; dataType: number };

export interface XmlAttribute {
  namespace: string | null;
  name: string;
  resourceId: number | null;
  value: AttrValue;
}

export interface XmlElement {
  name: string;
  namespace: string | null;
  attributes: XmlAttribute[];
  children: XmlElement[];
  line: number;
}

export function isBinaryXml(buf: Buffer): boolean {
  return buf.length >= 8 && buf.readUInt16LE(0) === RES_XML_TYPE && buf.readUInt16LE(2) === 8;
}

export interface BinaryXml {
  root: XmlElement | null;
  strings: StringPool | null;
  /** Parsing problems that did not stop the walk. */
  warnings: string[];
}

export function parseBinaryXml(buf: Buffer): BinaryXml {
  if (buf.length < 8 || buf.readUInt16LE(0) !== RES_XML_TYPE) {
    throw new MalformedInputError('axml/bad-magic', 'not an Android binary XML document');
  }
  const headerSize = buf.readUInt16LE(2);
  const declared = buf.readUInt32LE(4);
  const warnings: string[] = [];
  const end = Math.min(declared, buf.length);
  if (declared > buf.length) warnings.push(`document claims ${declared} bytes, only ${buf.length} present`);
  let strings: StringPool | null = null;
  let resourceMap: Uint32Array = new Uint32Array(0);
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const str = (i: number): string | null => (strings && i !== 0xffffffff ? strings.tryGet(i) : null);

  let p = Math.max(8, headerSize);
  while (p + 8 <= end) {
    const type = buf.readUInt16LE(p);
    const chunkHeader = buf.readUInt16LE(p + 2);
    const size = buf.readUInt32LE(p + 4);
    const overruns = size < 8 || p + size > end;
    if (overruns) warnings.push(`chunk 0x${type.toString(16)} at ${p} claims ${size} bytes and runs past the document`);
    if ((overruns && type !== RES_STRING_POOL_TYPE) || chunkHeader < 8 || chunkHeader > size) {
      // A chunk whose sizes cannot be right (a header larger than its chunk, a chunk past the end) says
      // nothing about where the next one starts: read on from the next believable element chunk.
      if (!overruns)
        warnings.push(`chunk 0x${type.toString(16)} at ${p} has a ${chunkHeader}-byte header in a ${size}-byte chunk`);
      const next = nextNodeChunk(buf, p + 4, end);
      if (next === null) break;
      warnings.push(`read on from the element chunk at ${next}`);
      p = next;
      continue;
    }
    try {
      switch (type) {
        case RES_STRING_POOL_TYPE:
          strings = new StringPool(buf, p);
          break;
        case RES_XML_RESOURCE_MAP_TYPE: {
          const n = Math.floor((size - chunkHeader) / 4);
          resourceMap = new Uint32Array(n);
          for (let i = 0; i < n; i++) resourceMap[i] = buf.readUInt32LE(p + chunkHeader + i * 4);
          break;
        }
        case RES_XML_START_ELEMENT_TYPE: {
          const line = buf.readUInt32LE(p + 8);
          const ext = p + chunkHeader;
          if (ext + 20 > p + size)
            throw new MalformedInputError('axml/truncated-element', `element at ${p} is truncated`);
          const nsIdx = buf.readUInt32LE(ext);
          const nameIdx = buf.readUInt32LE(ext + 4);
          const attrStart = buf.readUInt16LE(ext + 8);
          const attrSize = buf.readUInt16LE(ext + 10);
          const attrCount = buf.readUInt16LE(ext + 12);
          const el: XmlElement = {
            name: str(nameIdx) ?? '',
            namespace: str(nsIdx),
            attributes: [],
            children: [],
            line,
          };
          const stride = Math.max(20, attrSize);
          for (let i = 0; i < attrCount; i++) {
            const a = ext + attrStart + i * stride;
            if (a + 20 > p + size) {
              warnings.push(`attribute ${i} of <${el.name}> runs past its element`);
              break;
            }
            el.attributes.push(readAttribute(buf, a, str, resourceMap));
          }
          const parent = stack.at(-1);
          if (parent) parent.children.push(el);
          else if (root === null) root = el;
          if (stack.length < 256) stack.push(el);
          break;
        }
        case RES_XML_END_ELEMENT_TYPE:
          stack.pop();
          break;
        case RES_XML_START_NAMESPACE_TYPE:
        case RES_XML_END_NAMESPACE_TYPE:
        case RES_XML_CDATA_TYPE:
          break;
        default:
          warnings.push(`unknown chunk type 0x${type.toString(16)} at ${p}`);
      }
    } catch (err) {
      // One chunk that cannot be read costs that chunk (an element, the resource map), not the document;
      // without its string pool, though, no name in the document can be read.
      if (type === RES_STRING_POOL_TYPE || (!(err instanceof MalformedInputError) && !(err instanceof RangeError)))
        throw err;
      warnings.push(`chunk 0x${type.toString(16)} at ${p}: ${err.message}`);
    }
    if (size < 8) break;
    p += size;
  }
  return { root, strings, warnings };
}

/** The next offset (4-aligned from `from`) holding a plausible XML node chunk: known type, 16-byte header. */
function nextNodeChunk(buf: Buffer, from: number, end: number): number | null {
  for (let q = from + ((4 - (from % 4)) % 4); q + 16 <= end; q += 4) {
    const type = buf.readUInt16LE(q);
    if (type < RES_XML_START_NAMESPACE_TYPE || type > RES_XML_CDATA_TYPE || buf.readUInt16LE(q + 2) !== 16) continue;
    const size = buf.readUInt32LE(q + 4);
    if (size >= 16 && size % 4 === 0 && q + size <= end) return q;
  }
  return null;
}

function readAttribute(
  buf: Buffer,
  a: number,
  str: (i: number) => string | null,
  resourceMap: Uint32Array,
): XmlAttribute {
  const nsIdx = buf.readUInt32LE(a);
  const nameIdx = buf.readUInt32LE(a + 4);
  const rawIdx = buf.readUInt32LE(a + 8);
  const dataType = buf.readUInt8(a + 15);
  const data = buf.readUInt32LE(a + 16);
  const resourceId = resourceMap[nameIdx] ?? null;
  const known = resourceId !== null ? ANDROID_ATTR_IDS[resourceId] : undefined;
  const namespace = str(nsIdx);
  const name = known ?? str(nameIdx) ?? '';
  let value: AttrValue;
  switch (dataType) {
    case 0x03:
      value = { type: 'string', value: str(data) ?? str(rawIdx) ?? '' };
      break;
    case 0x01:
    case 0x07:
      value = { type: 'reference', value: data };
      break;
    case 0x10:
    case 0x11:
      value = { type: 'int', value: data | 0 };
      break;
    case 0x12:
      value = { type: 'bool', value: data !== 0 };
      break;
    default: {
      const raw = str(rawIdx);
      value = raw !== null ? { type: 'string', value: raw } : { type: 'other', value: data, dataType };
    }
  }
  return { namespace: known ? ANDROID_NS : namespace, name, resourceId, value };
}

export function attr(el: XmlElement, name: string, androidOnly = true): AttrValue | undefined {
  for (const a of el.attributes) {
    if (a.name === name && (!androidOnly || a.namespace === ANDROID_NS)) return a.value;
  }
  return undefined;
}

export function attrString(el: XmlElement, name: string, androidOnly = true): string | undefined {
  const v = attr(el, name, androidOnly);
  if (!v) return undefined;
  return v.type === 'string' ? v.value : String(v.value);
}

/** Renders the tree as XML text, escaped, for text-level detectors and for humans. */
export function toXmlText(el: XmlElement, depth = 0): string {
  const pad = '  '.repeat(depth);
  const attrs = el.attributes
    .map((a) => {
      const value = a.value.type === 'reference' ? `@0x${a.value.value.toString(16)}` : String(a.value.value);
      return ` ${a.namespace === ANDROID_NS ? 'android:' : ''}${a.name}="${escapeXml(value)}"`;
    })
    .join('');
  if (el.children.length === 0) return `${pad}<${el.name}${attrs}/>\n`;
  return `${pad}<${el.name}${attrs}>\n${el.children.map((c) => toXmlText(c, depth + 1)).join('')}${pad}</${el.name}>\n`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
}
