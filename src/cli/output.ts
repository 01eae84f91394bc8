import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Report } from '../model.js';
import { renderHtml } from '../report/html.js';
import { renderJson } from '../report/json.js';
import { renderTerminal } from '../report/terminal.js';
import type { Format } from './options.js';

/** The report format asked for, else the one the output file's extension names, else the terminal's. */
export function pickFormat(format: string | undefined, out: string | undefined): Format {
  if (format) return format as Format;
  const ext = out ? extname(out).toLowerCase() : '';
  if (ext === '.json') return 'json';
  if (ext === '.html' || ext === '.htm') return 'html';
  return 'terminal';
}

export function render(report: Report, format: Format, color: boolean): string {
  if (format === 'json') return renderJson(report);
  if (format === 'html') return renderHtml(report);
  return renderTerminal(report, { color });
}

/** Writes to the file named by --out, else to stdout. */
export function emit(text: string, out: string | undefined): void {
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

/** Colour only on a terminal, never into a file. */
export function colorFor(out: string | undefined): boolean {
  return !out && process.stdout.isTTY === true;
}
