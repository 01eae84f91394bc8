import { readFileSync } from 'node:fs';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { dataPath } from './data-path.js';
import { MalformedInputError } from './io/errors.js';
import { SeveritySchema } from './model.js';

/**
 * The rule files under data/ and their schemas. Each file is validated when it is loaded: a malformed
 * rule (a typo in a field, a regex that does not compile) stops Candor with the file, the JSON path and
 * what is wrong, instead of silently matching nothing. `npm run schema` also writes each schema to
 * schema/<name>.schema.json for editors.
 */

const Closed = <P extends Record<string, TSchema>>(props: P) => Type.Object(props, { additionalProperties: false });
const Strings = (opts: { minItems?: number } = {}) => Type.Array(Type.String({ minLength: 1 }), opts);
/** Every file says which revision of its rules it is and why it exists. */
const Header = { $schema: Type.Optional(Type.String()), version: Type.Integer({ minimum: 1 }), note: Type.String() };
const Country = Type.String({ pattern: '^[A-Z]{2}$' });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

const PackerExample = Type.Union([
  Closed({ lib: Type.String() }),
  Closed({ asset: Type.String() }),
  Closed({ class: Type.String() }),
]);
const PackersSchema = Closed({
  ...Header,
  rules: Type.Array(
    Closed({
      id: Type.String({ pattern: '^[a-z0-9-]+$' }),
      name: Type.String(),
      category: Type.Union([Type.Literal('packer'), Type.Literal('protector')]),
      /** Regular expressions over native library file names. */
      libs: Strings(),
      /** Regular expressions over asset file names. */
      assets: Strings(),
      /** Prefixes of slash-separated class names. */
      classes: Strings(),
      /** The rule's own test cases: names it must identify, and near misses it must not. */
      examples: Closed({
        match: Type.Array(PackerExample, { minItems: 1 }),
        noMatch: Type.Array(PackerExample, { minItems: 1 }),
      }),
    }),
  ),
});

const StoresSchema = Closed({
  ...Header,
  stores: Type.Array(
    Closed({
      id: Type.String({ pattern: '^[a-z0-9-]+$' }),
      name: Type.String(),
      official: Type.Boolean(),
      curated: Type.Optional(Type.Boolean()),
      schemes: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9+.-]*$' })),
      /** Web hosts, or host and path prefix (`www.amazon.com/gp/mas`). */
      hosts: Type.Array(Type.String({ pattern: '^[a-z0-9.-]+(/[\\w./-]*)?$' })),
      packages: Strings(),
    }),
  ),
});

const PermissionsSchema = Closed({
  ...Header,
  permissions: Type.Record(
    Type.String({ pattern: '^[A-Za-z0-9_.]+$' }),
    Closed({
      protectionLevel: Type.String({ pattern: '^[a-zA-Z0-9|]+$' }),
      severity: SeveritySchema,
      tags: Strings(),
      why: Type.Optional(Type.String()),
    }),
  ),
});

const KnownListsSchema = Closed({
  ...Header,
  lists: Type.Array(
    Closed({
      id: Type.String({ pattern: '^[a-z0-9-]+$' }),
      name: Type.String(),
      vendor: Type.String(),
      kind: Type.String(),
      /** Where the mechanism was documented. */
      source: Type.String({ minLength: 1 }),
      description: Type.String(),
      match: Closed({
        entries: Type.Optional(Strings()),
        strings: Type.Optional(Strings()),
        urls: Type.Optional(Strings()),
        chains: Type.Optional(Type.Array(Strings({ minItems: 1 }))),
      }),
    }),
  ),
});

const GdprSchema = Closed({
  ...Header,
  asOf: Day,
  eu: Type.Array(Country),
  eea: Type.Array(Country),
  adequacy: Type.Array(
    Closed({ country: Country, name: Type.String(), date: Day, scope: Type.String({ minLength: 1 }) }),
  ),
});

const TrackersSchema = Closed({
  ...Header,
  trackers: Type.Array(
    Closed({
      id: Type.String({ pattern: '^[a-z0-9-]+$' }),
      name: Type.String(),
      categories: Strings(),
      website: Type.Optional(Type.String({ pattern: '^https://' })),
      /** Dotted class-name prefixes. */
      code: Strings(),
      /** Host suffixes. */
      hosts: Type.Array(Type.String({ pattern: '^[a-z0-9.-]+$' })),
    }),
  ),
});

export const DATA_FILES = {
  packers: { path: 'packers.json', schema: PackersSchema },
  stores: { path: 'stores.json', schema: StoresSchema },
  permissions: { path: 'permissions.json', schema: PermissionsSchema },
  'known-lists': { path: 'known-lists.json', schema: KnownListsSchema },
  gdpr: { path: 'gdpr.json', schema: GdprSchema },
  trackers: { path: 'trackers/builtin.json', schema: TrackersSchema },
} as const;
export type DataFileName = keyof typeof DATA_FILES;
export type DataFile<N extends DataFileName> = Static<(typeof DATA_FILES)[N]['schema']>;

/** Checks that go beyond the schema: patterns that must compile as regular expressions. */
function semanticProblems(name: DataFileName, data: unknown): string[] {
  if (name !== 'packers') return [];
  const problems: string[] = [];
  (data as DataFile<'packers'>).rules.forEach((r, i) => {
    for (const field of ['libs', 'assets'] as const) {
      r[field].forEach((re, j) => {
        try {
          new RegExp(re);
        } catch (err) {
          problems.push(`/rules/${i}/${field}/${j}: ${(err as Error).message}`);
        }
      });
    }
  });
  return problems;
}

/** Parses and validates the text of data file `name`; throws `data/invalid` naming each problem. */
export function parseDataFile<N extends DataFileName>(
  name: N,
  text: string,
  origin: string = `data/${DATA_FILES[name].path}`,
): DataFile<N> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new MalformedInputError('data/invalid', `${origin}: not JSON: ${(err as Error).message}`);
  }
  const schema = DATA_FILES[name].schema;
  const problems = [...Value.Errors(schema, data)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
  if (!problems.length) problems.push(...semanticProblems(name, data));
  if (problems.length)
    throw new MalformedInputError('data/invalid', `${origin} does not match its schema: ${problems.join('; ')}`);
  return data as DataFile<N>;
}

const cache = new Map<DataFileName, unknown>();
/** Data file `name`, read and validated once per process. */
export function loadDataFile<N extends DataFileName>(name: N): DataFile<N> {
  let d = cache.get(name) as DataFile<N> | undefined;
  if (!d) cache.set(name, (d = parseDataFile(name, readFileSync(dataPath(DATA_FILES[name].path), 'utf8'))));
  return d;
}

/** The JSON Schema text of data file `name`, as schema/<name>.schema.json holds it. */
export function dataSchemaText(name: DataFileName): string {
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', title: `Candor data/${DATA_FILES[name].path}`, ...DATA_FILES[name].schema }, null, 2)}\n`;
}
