import type { Finding } from '../model.js';

/**
 * One line saying why Candor calls something a keyword list, for readers of the terminal and HTML
 * reports: the content signal as a chance against benign vocabulary, the names, the code that uses it.
 */

interface GroupEvidence {
  entries: number;
  distinctTerms: number;
  ratio: number;
  log10p: number;
}

interface ListSignalsEvidence {
  carriedBy?: string[];
  signals?: {
    content?: Record<string, GroupEvidence>;
    names?: string[];
    use?: { methods: string[]; operations: string[]; filters: boolean } | null;
    imported?: Array<{ name: string; shared: number }>;
  };
}

export function listSignalsText(f: Finding): string | null {
  const e = f.evidence as ListSignalsEvidence;
  if (!e.signals) return null;
  const parts: string[] = [];
  const content = e.signals.content;
  if (content && e.carriedBy?.includes('content')) {
    const best = ['political', 'filter', 'services', 'brands', 'any']
      .map((g) => [g, content[g]] as const)
      .filter((x): x is readonly [string, GroupEvidence] => x[1] !== undefined && x[1].entries > 0)
      .sort((a, b) => a[1].log10p - b[1].log10p)[0];
    if (best) {
      const [g, ev] = best;
      parts.push(
        `content: ${ev.entries} ${g} entries, ${ev.ratio}× what benign vocabulary shows ` +
          `(chance 1e${Math.round(ev.log10p)})`,
      );
    }
  }
  if (e.signals.names?.length) parts.push(`name: ${e.signals.names.join(', ')}`);
  const use = e.signals.use;
  if (use?.filters) parts.push(`used by ${use.methods.slice(0, 2).join(', ')} (${use.operations.join(', ')})`);
  if (e.carriedBy?.includes('hidden')) parts.push('hidden under an encoding');
  for (const m of e.signals.imported ?? []) parts.push(`shares ${m.shared} entries with imported list ${m.name}`);
  return parts.length ? parts.join('; ') : null;
}
