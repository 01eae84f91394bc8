import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMA_PATH, reportSchemaText } from '../src/report/schema.js';

/** `npm run schema`: regenerates schema/report.schema.json from the TypeBox model and detector evidence. */
const root = join(fileURLToPath(import.meta.url), '..', '..');
writeFileSync(join(root, SCHEMA_PATH), reportSchemaText());
process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
