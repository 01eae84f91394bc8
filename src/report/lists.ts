import { findingsOf, type Finding, type Report } from '../model.js';

/**
 * `candor lists export`: every term of every keyword list of a report, with where it was found and how it was
 * hidden.
 */

// Reports read back from JSON may come from older versions: list fields are read defensively.
function listFindings(report: Report): Array<Finding<'censorship/keyword-list'>> {
  return findingsOf(report.findings, 'censorship/keyword-list');
}

function where(f: Finding): string {
  const l = f.location;
  return [l.path, l.className, l.method].filter(Boolean).join(' ');
}

/**
 * Control characters (NUL, line breaks, escapes, C1) shown as `\u00XX`: a term is recovered from someone
 * else's bytes, and raw, it would split a line of the text export or reach a terminal or spreadsheet.
 */
function printable(v: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return v.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Neutralises a CSV cell: quotes, and a leading quote for values a spreadsheet would run as a formula. */
function csvCell(v: string): string {
  const p = printable(v);
  const safe = /^[=+\-@\t\r]/.test(p) ? `'${p}` : p;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function exportLists(report: Report, format: 'txt' | 'json' | 'csv'): string {
  const lists = listFindings(report);
  if (format === 'json') {
    return (
      JSON.stringify(
        lists.map((f) => {
          const e = f.evidence;
          return {
            fingerprint: f.fingerprint,
            location: f.location,
            kind: e.kind,
            encodings: e.encodings ?? [],
            termCount: e.termCount,
            terms: e.terms ?? [],
          };
        }),
        null,
        2,
      ) + '\n'
    );
  }
  if (format === 'csv') {
    const rows = ['list,location,encodings,term'];
    for (const f of lists) {
      const e = f.evidence;
      for (const t of e.terms ?? [])
        rows.push([f.fingerprint, where(f), (e.encodings ?? []).join('>'), t].map(csvCell).join(','));
    }
    return rows.join('\n') + '\n';
  }
  return lists
    .map((f) => {
      const e = f.evidence;
      const encodings = (e.encodings ?? []).join(' -> ') || 'plain';
      const heading = `# ${printable(where(f))} [${encodings}] ${e.kind ?? ''} ${e.terms?.length ?? 0} terms`;
      return `${heading}\n${(e.terms ?? []).map(printable).join('\n')}\n`;
    })
    .join('\n');
}
