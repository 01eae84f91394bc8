// Run after `tsc` by `npm run build` and `prepare`: stamps dist/ with the sha256 of the compiled code,
// which the result cache keys on (src/scan/analyzer-identity.ts), using that module's own hashing.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const { writeBuildStamp } = await import('../dist/scan/analyzer-identity.js');
const stamp = writeBuildStamp(dist);
process.stdout.write(`dist/ build hash ${stamp.sha256.slice(0, 16)} over ${stamp.files} files\n`);
