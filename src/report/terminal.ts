import { SEVERITIES, findingsOf, severityRank, type Finding, type Report, type Severity } from '../model.js';
import { listSignalsText } from './list-signals.js';

/** A short summary for a terminal: counts, apps, the most severe findings, the keyword lists. */

const COLORS: Record<Severity, string> = {
  critical: '\x1b[1;35m',
  high: '\x1b[1;31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  info: '\x1b[2m',
};
const RESET = '\x1b[0m';
const MAX_FINDINGS = 25;

/** Removes terminal control sequences an artefact could carry in a string. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f\x9b]/g, '?');
}

export function renderTerminal(
  report: Report,
  options: { color: boolean; minSeverity?: Severity } = { color: false },
): string {
  const c = (s: Severity, text: string) => (options.color ? `${COLORS[s]}${text}${RESET}` : text);
  const lines: string[] = [];
  const counts = SEVERITIES.slice()
    .reverse()
    .map((s) => c(s, `${report.summary.findings[s]} ${s}`))
    .join(', ');
  lines.push(`Candor ${report.tool.version} scan ${report.scan.id}`);
  const seconds = (report.summary.durationMs / 1000).toFixed(2);
  lines.push(
    `${report.summary.artefacts} artefacts, ${report.summary.apps} apps, ` +
      `${report.summary.diagnostics} diagnostics, ${seconds} s`,
  );
  lines.push(`Findings: ${counts}`);
  if (report.apps.length > 0) {
    lines.push('', 'Apps:');
    for (const a of report.apps.slice(0, 50)) {
      const trackers = a.trackers.length ? `; trackers: ${a.trackers.map((t) => t.name).join(', ')}` : '';
      lines.push(
        `  ${clean(a.package ?? '(no manifest)')} ${clean(a.versionName ?? '')} (${a.versionCode ?? '-'}) ` +
          `${clean(a.label ?? '')} — ${a.dexCount} dex, ${a.classCount} classes, ` +
          `${a.permissions.length} permissions${clean(trackers)}`,
      );
    }
    if (report.apps.length > 50) lines.push(`  … and ${report.apps.length - 50} more`);
  }
  for (const fw of report.firmware ?? []) {
    const p = fw.profile;
    lines.push('', `Firmware ${clean(fw.path)} [${fw.layers.join(', ')}]`);
    const device = [p.brand, p.model, p.device ? `(${p.device})` : null].filter(Boolean).join(' ');
    const skin = p.skin ? ` · ${clean(p.skin)}` : '';
    lines.push(
      `  ${clean(device || 'unknown device')} · Android ${clean(p.androidVersion ?? '?')} · ` +
        `patch ${clean(p.securityPatch ?? '?')} · ${clean(p.buildType ?? '?')}/${clean(p.buildTags ?? '?')}${skin}`,
    );
    if (p.firmwareVersion) lines.push(`  firmware ${clean(p.firmwareVersion)}`);
    const region = Object.entries(p.region).slice(0, 12);
    if (region.length) lines.push(`  region: ${clean(region.map(([k, v]) => `${k}=${v}`).join(', '))}`);
    const partitions = fw.partitions.map((x) => `${clean(x.name)} (${x.fileSystem ?? 'folder'}, ${x.apks} apks)`);
    lines.push(`  partitions: ${partitions.join(', ')}`);
    const flagged = fw.apps.filter((a) => a.canInstallPackages || a.platformSigned || a.privileged);
    const privileged = fw.apps.filter((a) => a.privileged).length;
    const platformSigned = fw.apps.filter((a) => a.platformSigned).length;
    const installers = fw.apps.filter((a) => a.canInstallPackages).length;
    lines.push(
      `  ${fw.apps.length} pre-installed apps, ${privileged} privileged, ${platformSigned} platform-signed, ` +
        `${installers} can install apps`,
    );
    for (const a of flagged.slice(0, 30)) {
      const marks = [
        a.privileged ? 'priv' : '',
        a.platformSigned ? 'platform' : '',
        a.canInstallPackages ? 'INSTALLER' : '',
        a.sharedUserId ? clean(a.sharedUserId) : '',
      ]
        .filter(Boolean)
        .join(' ');
      lines.push(
        `    ${clean(a.package ?? a.pathInPartition)} ${clean(a.versionName ?? '')} [${a.partition}] ${marks}`,
      );
    }
    for (const v of fw.vbmeta)
      if (v.verificationDisabled || v.hashtreeDisabled)
        lines.push(
          `  vbmeta ${clean(v.path.split('!/').pop() ?? v.path)}: flags ${v.flags} ` +
            `(verification ${v.verificationDisabled ? 'DISABLED' : 'on'}, ` +
            `dm-verity ${v.hashtreeDisabled ? 'DISABLED' : 'on'})`,
        );
  }
  if (report.destinations?.length) {
    lines.push('', 'Destinations (captures):');
    lines.push(`  ${'host'.padEnd(40)} ${'up'.padStart(9)} ${'down'.padStart(9)} conns  encrypted  period country`);
    for (const d of report.destinations.slice(0, 20)) {
      const encrypted = `${Math.round(d.encryptedShare * 100)}%`;
      const period = d.periodSeconds ? `${d.periodSeconds}s` : '-';
      const trackers = d.trackers?.length ? ` [${clean(d.trackers.join(', '))}]` : '';
      lines.push(
        `  ${clean(d.host).slice(0, 40).padEnd(40)} ${String(d.bytesUp).padStart(9)} ` +
          `${String(d.bytesDown).padStart(9)} ${String(d.connections).padStart(5)}  ` +
          `${encrypted.padStart(9)}  ${period.padEnd(6)} ${d.country ?? ''}${trackers}`,
      );
    }
    if (report.destinations.length > 20) lines.push(`  … and ${report.destinations.length - 20} more`);
  }
  const lists = findingsOf(report.findings, 'censorship/keyword-list');
  if (lists.length > 0) {
    lines.push('', 'Keyword lists:');
    for (const f of lists.slice(0, 20)) {
      const e: Partial<typeof f.evidence> = f.evidence;
      lines.push(`  ${c(f.severity, f.severity.toUpperCase())} ${clean(f.message)}`);
      if (e.sampleTerms?.length)
        lines.push(
          `      e.g. ${clean(e.sampleTerms.slice(0, 8).join(' | '))}` +
            (e.encodings?.length ? ` [${e.encodings.join(' → ')}]` : ''),
        );
      const why = listSignalsText(f);
      if (why) lines.push(`      why: ${clean(why)}`);
    }
  }
  const min = options.minSeverity ?? 'low';
  const top = report.findings.filter(
    (f: Finding) => severityRank(f.severity) >= severityRank(min) && f.detectorId !== 'censorship/keyword-list',
  );
  if (top.length > 0) {
    lines.push('', `Findings (${min} and above):`);
    for (const f of top.slice(0, MAX_FINDINGS))
      lines.push(
        `  ${c(f.severity, f.severity.toUpperCase().padEnd(8))} ${f.detectorId.padEnd(26)} ${clean(f.message)}`,
      );
    if (top.length > MAX_FINDINGS)
      lines.push(`  … and ${top.length - MAX_FINDINGS} more (see the JSON or HTML report)`);
  }
  const errors = report.diagnostics.filter((d) => d.level === 'error');
  if (errors.length > 0) {
    lines.push('', `Could not read (${errors.length}):`);
    for (const d of errors.slice(0, 10)) lines.push(`  ${clean(d.path)}: ${d.code} ${clean(d.message)}`);
  }
  return lines.join('\n') + '\n';
}
