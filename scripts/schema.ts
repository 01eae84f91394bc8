import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATA_FILES, dataSchemaText, type DataFileName } from '../src/data-files.js';
import { SCHEMA_PATH, reportSchemaText } from '../src/report/schema.js';

/**
 * `npm run schema`: regenerates schema/report.schema.json from the TypeBox model and detector evidence,
 * and schema/<name>.schema.json for each data file.
 */
const root = join(fileURLToPath(import.meta.url), '..', '..');
const write = (path: string, text: string) => {
  writeFileSync(join(root, path), text);
  process.stdout.write(`wrote ${path}\n`);
};
write(SCHEMA_PATH, reportSchemaText());
for (const name of Object.keys(DATA_FILES) as DataFileName[]) write(`schema/${name}.schema.json`, dataSchemaText(name));
