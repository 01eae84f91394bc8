import { readFileSync } from 'node:fs';
import { dataPath } from '../data-path.js';
import { normalizeTerm } from './normalize.js';

/** The vendor's own brand terms for an app package (data/vendor-brands.json): its own name is no competitor. */

interface Vendor {
  name: string;
  packages: string[];
  terms: string[];
}

let vendors: Array<Vendor & { normalized: Set<string> }> | null = null;

function load(): Array<Vendor & { normalized: Set<string> }> {
  const file = JSON.parse(readFileSync(dataPath('vendor-brands.json'), 'utf8')) as { vendors: Vendor[] };
  return file.vendors.map((v) => ({ ...v, normalized: new Set(v.terms.map(normalizeTerm)) }));
}

const EMPTY: ReadonlySet<string> = new Set();

export function ownBrandTerms(appPackage: string | undefined): ReadonlySet<string> {
  if (!appPackage) return EMPTY;
  vendors ??= load();
  const v = vendors.find((x) =>
    x.packages.some((p) => appPackage === p.replace(/\.$/, '') || appPackage.startsWith(p)),
  );
  return v ? v.normalized : EMPTY;
}
