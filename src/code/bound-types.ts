import { classFieldAnnotations, type Annotation } from './annotations.js';
import type { CodeModel } from './model.js';
import { COLLECTION_TYPE } from './semantics.js';

/**
 * The JSON keys of a class a response is bound to. Real SDKs rarely read a response key by key with
 * `JSONObject`; they let Gson, Moshi or Jackson fill a plain class (`Gson.fromJson(body, Cfg.class)`,
 * a Retrofit method returning `Call<Cfg>`), so the response's keys are that class's field names, or the
 * names its fields' annotations give (`@SerializedName("words")`, `@Json(name = "words")`,
 * `@JsonProperty("words")`, `@SerialName("words")`), kept by the obfuscator because the binding needs
 * them. Fields whose type is another app class are followed (a response's `data` object), two levels
 * deep; collection fields are the ones that carry a list.
 */

export interface BoundType {
  cls: string;
  /** The JSON keys the class and the app classes it holds are read from, in field order. */
  keys: string[];
  /** Fields holding a collection or array, `Lcls;->name:type`: where a bound list lands. */
  listFields: string[];
  /** The class and the app classes bound inside it, whose objects carry the response. */
  classes: string[];
}

const NAME_ELEMENTS: Record<string, string[]> = {
  'Lcom/google/gson/annotations/SerializedName;': ['value', 'alternate'],
  'Lcom/squareup/moshi/Json;': ['name'],
  'Lcom/fasterxml/jackson/annotation/JsonProperty;': ['value'],
  'Lkotlinx/serialization/SerialName;': ['value'],
};
const SIGNATURE = 'Ldalvik/annotation/Signature;';
const ACC_STATIC = 0x8;
const ACC_TRANSIENT = 0x80;
const ACC_SYNTHETIC = 0x1000;
const MAX_DEPTH = 2;
const MAX_KEYS = 128;

interface BoundField {
  name: string;
  type: string;
  /** The JSON names its annotations give (empty without one). */
  annotated: string[];
  annotations: Annotation[];
}

const types = new WeakMap<CodeModel, Map<string, BoundType | null>>();
const fieldTables = new WeakMap<CodeModel, Map<string, BoundField[]>>();

/** The JSON binding of an app class, or null when the app does not define it or it binds no key. */
export function boundType(model: CodeModel, cls: string): BoundType | null {
  let known = types.get(model);
  if (!known) types.set(model, (known = new Map<string, BoundType | null>()));
  if (known.has(cls)) return known.get(cls) ?? null;
  const out: BoundType = { cls, keys: [], listFields: [], classes: [] };
  collect(model, cls, 0, new Set(), out);
  const result = out.keys.length ? out : null;
  known.set(cls, result);
  return result;
}

/**
 * The JSON names an app field's annotations give it (`Lq/w/h;->a:Ljava/lang/String;` → `["msg"]`); empty
 * for a field without one, whose own name says nothing once obfuscated.
 */
export function annotatedJsonNames(model: CodeModel, field: string): string[] {
  const arrow = field.indexOf('->');
  const colon = field.indexOf(':', arrow);
  if (arrow < 0 || colon < 0) return [];
  const name = field.slice(arrow + 2, colon);
  return instanceFields(model, field.slice(0, arrow)).find((f) => f.name === name)?.annotated ?? [];
}

/** The fields a binding fills in an app class, each with the JSON keys it is read from. */
export function boundFields(model: CodeModel, cls: string): Array<{ field: string; type: string; keys: string[] }> {
  return instanceFields(model, cls).map((f) => ({
    field: `${cls}->${f.name}:${f.type}`,
    type: f.type,
    keys: f.annotated.length ? f.annotated : [f.name],
  }));
}

/** The instance fields a class defines that a binding fills (not static, transient or synthetic). */
function instanceFields(model: CodeModel, cls: string): BoundField[] {
  let tables = fieldTables.get(model);
  if (!tables) fieldTables.set(model, (tables = new Map<string, BoundField[]>()));
  const hit = tables.get(cls);
  if (hit) return hit;
  const out: BoundField[] = [];
  tables.set(cls, out);
  const where = model.classDef(cls);
  const dex = where ? model.dexes[where.dex] : undefined;
  const members = where ? dex?.members()[where.classDefIdx] : undefined;
  if (!where || !dex || !members) return out;
  const annotations = classFieldAnnotations(dex, where.classDefIdx, model.limits.code.maxAnnotationReads);
  members.fields.forEach((fieldIdx, k) => {
    const flags = members.fieldFlags[k] ?? 0;
    if (k < members.staticFields || flags & (ACC_STATIC | ACC_TRANSIENT | ACC_SYNTHETIC)) return;
    const ref = dex.fieldRef(fieldIdx);
    const name = ref ? dex.string(ref.nameIdx) : null;
    const type = ref ? dex.typeDescriptor(ref.typeIdx) : null;
    if (!name || !type) return;
    const own = annotations.get(fieldIdx) ?? [];
    out.push({ name, type, annotated: annotatedNames(own), annotations: own });
  });
  return out;
}

function collect(model: CodeModel, cls: string, depth: number, seen: Set<string>, out: BoundType): void {
  if (seen.has(cls)) return;
  seen.add(cls);
  const fields = instanceFields(model, cls);
  if (fields.length) out.classes.push(cls);
  for (const f of fields) {
    if (out.keys.length >= MAX_KEYS) return;
    // Without an annotation the binding reads the key named as the field.
    for (const key of f.annotated.length ? f.annotated : [f.name]) if (!out.keys.includes(key)) out.keys.push(key);
    if (COLLECTION_TYPE.test(f.type)) out.listFields.push(`${cls}->${f.name}:${f.type}`);
    if (depth >= MAX_DEPTH) continue;
    // The field's own class, or the app classes its generic signature names (`List<Word>`).
    for (const inner of [f.type, ...genericClasses(f.annotations)]) collect(model, inner, depth + 1, seen, out);
  }
}

function annotatedNames(annotations: Annotation[]): string[] {
  const names: string[] = [];
  for (const a of annotations)
    for (const element of NAME_ELEMENTS[a.type] ?? []) names.push(...(a.values[element] ?? []));
  return names;
}
/** Class descriptors inside a generic `Signature` annotation (`Ljava/util/List<Lr/v/w;>;` → `Lr/v/w;`). */
export function genericClasses(annotations: Annotation[]): string[] {
  const sig = annotations.find((a) => a.type === SIGNATURE)?.values.value?.join('') ?? '';
  return signatureClasses(sig);
}

/** Class descriptors in a generic signature, outer ones first, their type arguments stripped. */
export function signatureClasses(sig: string): string[] {
  const out: string[] = [];
  for (const m of sig.matchAll(/L([^;<>]+)[;<]/g)) if (m[1]) out.push(`L${m[1]};`);
  return out;
}
