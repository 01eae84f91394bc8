import { loadDataFile } from '../data-files.js';

/**
 * The GDPR's view of a destination country (data/gdpr.json): inside the EU/EEA, under a full or partial
 * adequacy decision, or none. The transfer and firmware-endpoint detectors both ask here.
 */

interface GdprData {
  version: number;
  asOf: string;
  eu: string[];
  eea: string[];
  adequacy: Array<{ country: string; name: string; date: string; scope: string }>;
}

let data: GdprData | null = null;
export function gdprData(): GdprData {
  if (!data) data = loadDataFile('gdpr');
  return data;
}

type Adequacy = GdprData['adequacy'][number];

/**
 * Whether data sent to a country leaves the GDPR's protection: null inside the EU/EEA or under a full
 * adequacy decision; otherwise the partial decision that applies (US, Canada, Japan cover only some
 * recipients: say so rather than clear them), or none.
 */
export function transferRestriction(country: string): { adequacy: Adequacy | null } | null {
  const g = gdprData();
  if (g.eu.includes(country) || g.eea.includes(country)) return null;
  const adequacy = g.adequacy.find((a) => a.country === country) ?? null;
  if (adequacy && adequacy.scope === 'full') return null;
  return { adequacy };
}

/** How a restriction reads in a finding's message. */
export function restrictionText(r: { adequacy: Adequacy | null }): string {
  return r.adequacy ? `adequacy decision covers only ${r.adequacy.scope}` : 'no EU adequacy decision';
}
