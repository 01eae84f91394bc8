import type { Report } from '../model.js';

/** The canonical report as JSON; every other format is rendered from the same object. */
export function renderJson(report: Report, pretty = true): string {
  return JSON.stringify(report, null, pretty ? 2 : undefined) + '\n';
}
