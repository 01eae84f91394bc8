import { createHash } from 'node:crypto';
import { SEVERITIES, type FirmwareSummary, type Finding, type Report } from '../model.js';
import { listSignalsText } from './list-signals.js';

/**
 * A standalone HTML report: one file, no scripts, no network. Every string from an artefact is escaped,
 * and a Content-Security-Policy allows only the report's own stylesheet (by hash), so even an escaping
 * mistake could not load or run anything.
 */

export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"'`]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

// One array entry per line of the stylesheet; its bytes are hashed into the CSP below.
const STYLE = [
  '',
  'body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif;' +
    'margin:0;color:#1d2330;background:#f6f7f9}',
  'header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:20px}' +
    'header p{margin:4px 0 0;color:#c9cfdb}',
  'main{padding:20px 28px;max-width:1280px}' +
    'section{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:16px 20px;margin:0 0 18px}',
  'h2{font-size:16px;margin:0 0 12px}table{border-collapse:collapse;width:100%}' +
    'th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eceef2;vertical-align:top;word-break:break-word}',
  'th{font-weight:600;background:#fafbfc}' +
    '.sev{display:inline-block;min-width:64px;text-align:center;border-radius:4px;padding:1px 6px;' +
    'font-size:12px;font-weight:600;color:#fff}',
  '.critical{background:#7b1fa2}.high{background:#c62828}.medium{background:#ef6c00}.low{background:#0277bd}' +
    '.info{background:#78909c}',
  'details{border-top:1px solid #eceef2;padding:6px 0}summary{cursor:pointer}' +
    'pre{background:#f3f4f7;padding:10px;border-radius:6px;overflow:auto;max-height:420px;font-size:12px;' +
    'white-space:pre-wrap}',
  '.terms{font-size:15px}.muted{color:#69707d}code{font-size:12px}',
  '',
].join('\n');

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

const CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;

export function renderHtml(report: Report): string {
  const s = report.summary;
  const max = Math.max(1, ...SEVERITIES.map((k) => s.findings[k]));
  // An SVG chart: its sizes are attributes, which the CSP allows, where inline style attributes are not.
  const order = SEVERITIES.slice().reverse();
  const fills: Record<string, string> = {
    critical: '#7b1fa2',
    high: '#c62828',
    medium: '#ef6c00',
    low: '#0277bd',
    info: '#78909c',
  };
  const width = order.length * 80;
  const bars =
    `<svg width="${width}" height="140" viewBox="0 0 ${width} 140" role="img" aria-label="findings by severity">` +
    order
      .map((k, i) => {
        const h = Math.round((s.findings[k] / max) * 90) + 2;
        const x = i * 80 + 40;
        return (
          `<rect x="${i * 80 + 18}" y="${112 - h}" width="44" height="${h}" rx="3" fill="${fills[k]}"/>` +
          `<text x="${x}" y="${106 - h}" text-anchor="middle" font-size="12">${s.findings[k]}</text>` +
          `<text x="${x}" y="130" text-anchor="middle" font-size="12">${k}</text>`
        );
      })
      .join('') +
    '</svg>';
  const lists = report.findings.filter((f) => f.detectorId === 'censorship/keyword-list');
  const others = report.findings.filter((f) => f.detectorId !== 'censorship/keyword-list');
  const inputs = report.scan.inputs.map(escapeHtml).join(', ');
  const scanLine =
    `Scan ${escapeHtml(report.scan.id)} · ${escapeHtml(report.scan.startedAt)} · ` +
    `Candor ${escapeHtml(report.tool.version)} · inputs: ${inputs}`;
  const listSection = lists.length
    ? `<section><h2>Keyword lists (${lists.length})</h2>${lists.map(renderList).join('')}</section>`
    : '';
  const destinations = report.destinations ?? [];
  const destinationSection = destinations.length
    ? `<section><h2>Destinations (${destinations.length})</h2>` +
      `${destinationsChart(report)}${destinationsTable(report)}</section>`
    : '';
  const findings = others.length ? findingsTable(others) : '<p class="muted">None.</p>';
  const artefactRows = report.artefacts
    .map(
      (a) =>
        `<tr><td>${escapeHtml(a.path)}</td><td>${escapeHtml(a.kind)}</td><td>${a.size}</td>` +
        `<td><code>${escapeHtml(a.sha256)}</code></td></tr>`,
    )
    .join('');
  // One array entry per line of the document.
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Candor report ${escapeHtml(report.scan.id)}</title>`,
    `<style>${STYLE}</style></head>`,
    '<body>',
    `<header><h1>Candor audit report</h1><p>${scanLine}</p></header>`,
    '<main>',
    '<section><h2>Summary</h2>',
    `<p>${s.artefacts} artefacts, ${s.apps} apps, ${report.findings.length} findings, ` +
      `${s.diagnostics} diagnostics.</p>`,
    `${bars}</section>`,
    listSection,
    (report.firmware ?? []).map(firmwareSection).join(''),
    destinationSection,
    `<section><h2>Apps (${report.apps.length})</h2>${appsTable(report)}</section>`,
    `<section><h2>Findings (${others.length})</h2>${findings}</section>`,
    `<section><h2>Diagnostics (${report.diagnostics.length})</h2>${diagnosticsTable(report)}</section>`,
    `<section><h2>Artefacts (${report.artefacts.length})</h2>` +
      '<details><summary>Show every artefact with its SHA-256</summary>',
    '<table><tr><th>Path</th><th>Kind</th><th>Size</th><th>SHA-256</th></tr>' +
      `${artefactRows}</table></details></section>`,
    '</main></body></html>',
    '',
  ].join('\n');
}

function sev(f: { severity: string }): string {
  return `<span class="sev ${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</span>`;
}

function renderList(f: Finding<'censorship/keyword-list'>): string {
  // Stored reports may predate a field: read list evidence defensively.
  const e: Partial<typeof f.evidence> = f.evidence;
  const cats = Object.entries(e.categories ?? {})
    .map(([k, v]) => `${escapeHtml(k)} (${v.count})`)
    .join(', ');
  const why = listSignalsText(f);
  const decoding = escapeHtml((e.encodings ?? []).join(' → ') || 'plain');
  return [
    `<details open><summary>${sev(f)} ${escapeHtml(f.message)}</summary>`,
    `<p>Location: <code>${escapeHtml(locationText(f))}</code> · decoding: ${decoding} · categories: ${cats}</p>`,
    why ? `<p>Why: ${escapeHtml(why)}</p>` : '',
    `<p class="terms">${(e.sampleTerms ?? []).map(escapeHtml).join(' · ')}</p>`,
    `<details><summary>All ${e.terms?.length ?? 0} terms</summary>` +
      `<pre>${escapeHtml((e.terms ?? []).join('\n'))}</pre></details></details>`,
  ].join('\n');
}

function locationText(f: Finding): string {
  const l = f.location;
  return [l.path, l.entry, l.className, l.method, l.offset !== undefined ? `@${l.offset}` : undefined]
    .filter((x) => x !== undefined && x !== '')
    .join(' ');
}

const APPS_HEADER =
  '<tr><th>Package</th><th>Label</th><th>Version</th><th>Permissions</th><th>Trackers</th>' +
  '<th>DEX / classes</th><th>Signers</th></tr>';

function appsTable(report: Report): string {
  if (report.apps.length === 0) return '<p class="muted">No apps.</p>';
  const rows = report.apps
    .map((a) => {
      const trackers = a.trackers.map((t) => escapeHtml(t.name)).join(', ') || '<span class="muted">none</span>';
      const signers = a.signers
        .map(
          (s) => `${escapeHtml(s.scheme)} <code>${escapeHtml(s.sha256.slice(0, 16))}…</code> ${escapeHtml(s.subject)}`,
        )
        .join('<br>');
      // Three lines per row, as the report has always had them.
      return (
        `<tr><td>${escapeHtml(a.package ?? '(no manifest)')}<div class="muted">${escapeHtml(a.path)}</div></td>` +
        `<td>${escapeHtml(a.label ?? '')}</td>` +
        `<td>${escapeHtml(a.versionName ?? '')} (${escapeHtml(a.versionCode ?? '-')})</td>\n` +
        `<td>${a.permissions.length}</td><td>${trackers}</td>\n` +
        `<td>${a.dexCount} / ${a.classCount}</td><td>${signers}</td></tr>`
      );
    })
    .join('');
  return `<table>${APPS_HEADER}${rows}</table>`;
}

function findingsTable(findings: Finding[]): string {
  return findings
    .map((f) =>
      [
        `<details><summary>${sev(f)} <code>${escapeHtml(f.detectorId)}</code> ${escapeHtml(f.message)}</summary>`,
        `<p>Location: <code>${escapeHtml(locationText(f))}</code> · confidence ${escapeHtml(f.confidence)} · ` +
          `tags ${f.tags.map(escapeHtml).join(', ')} · fingerprint <code>${escapeHtml(f.fingerprint)}</code></p>`,
        `<pre>${escapeHtml(JSON.stringify(f.evidence, null, 2))}</pre></details>`,
      ].join('\n'),
    )
    .join('');
}

function diagnosticsTable(report: Report): string {
  if (report.diagnostics.length === 0) return '<p class="muted">Everything was read.</p>';
  const rows = report.diagnostics
    .map(
      (d) =>
        `<tr><td>${escapeHtml(d.level)}</td><td><code>${escapeHtml(d.code)}</code></td>` +
        `<td>${escapeHtml(d.path)}</td><td>${escapeHtml(d.message)}</td></tr>`,
    )
    .join('');
  return `<table><tr><th>Level</th><th>Code</th><th>Path</th><th>Message</th></tr>${rows}</table>`;
}

const FIRMWARE_APPS_HEADER =
  '<tr><th>Package</th><th>Version</th><th>Partition / path</th><th>Privileged</th><th>Platform key</th>' +
  '<th>Installs apps</th><th>Granted by firmware</th></tr>';

/** Bytes by destination as horizontal SVG bars (sizes as attributes, allowed by the CSP). */
function firmwareSection(fw: FirmwareSummary): string {
  const p = fw.profile;
  const field = (label: string, v: string | null) => (v ? `<tr><th>${label}</th><td>${escapeHtml(v)}</td></tr>` : '');
  const fields = [
    field('Brand', p.brand),
    field('Model', p.model),
    field('Device', p.device),
    field('Firmware', p.firmwareVersion),
    field('Fingerprint', p.fingerprint),
    field('Android', p.androidVersion),
    field('Security patch', p.securityPatch),
    field('Build', [p.buildType, p.buildTags].filter(Boolean).join(' / ') || null),
    field('Skin', p.skin),
  ];
  const profile = `<table>${fields.join('')}</table>`;
  const region = Object.entries(p.region);
  const regionRows = region.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('');
  const regionTable = region.length
    ? '<h3>Region, locale and carrier properties</h3>' +
      `<table><tr><th>Property</th><th>Value</th></tr>${regionRows}</table>`
    : '';
  // One bar per partition: its share of the pre-installed apps, so vendor-heavy partitions stand out.
  const maxApks = Math.max(1, ...fw.partitions.map((x) => x.apks));
  // The bar scale leaves room after the longest bar for its label.
  const bars = fw.partitions
    .map((x, i) => {
      const w = Math.round((x.apks / maxApks) * 440);
      return (
        `<text x="0" y="${i * 22 + 15}" font-size="12">` +
        `${escapeHtml(x.name)} (${escapeHtml(x.fileSystem ?? 'folder')})</text>` +
        `<rect x="200" y="${i * 22 + 4}" width="${w}" height="14" fill="#0277bd"/>` +
        `<text x="${206 + w}" y="${i * 22 + 15}" font-size="12">${x.apks} ${x.apks === 1 ? 'app' : 'apps'}</text>`
      );
    })
    .join('');
  const chartHeight = fw.partitions.length * 22 + 8;
  const chart = `<svg width="760" height="${chartHeight}" role="img" aria-label="apps by partition">${bars}</svg>`;
  const appRows = fw.apps
    .map((a) => {
      const shared = a.sharedUserId ? `<div class="muted">${escapeHtml(a.sharedUserId)}</div>` : '';
      const granted = a.grantedPermissions.map((g) => escapeHtml(g.replace('android.permission.', ''))).join(', ');
      return (
        `<tr><td>${escapeHtml(a.package ?? '')}${shared}</td><td>${escapeHtml(a.versionName ?? '')}</td>` +
        `<td>${escapeHtml(a.partition)}<div class="muted">${escapeHtml(a.pathInPartition)}</div></td>` +
        `<td>${a.privileged ? 'yes' : ''}</td><td>${a.platformSigned ? 'yes' : ''}</td>` +
        `<td>${a.canInstallPackages ? '<strong>yes</strong>' : ''}</td><td>${granted}</td></tr>`
      );
    })
    .join('');
  const apps = `<table>${FIRMWARE_APPS_HEADER}${appRows}</table>`;
  const bootRows = fw.boot
    .map(
      (b) =>
        `<tr><td>${escapeHtml(b.path)}</td><td>${escapeHtml(b.kind)} header v${b.headerVersion}; ` +
        `cmdline: <code>${escapeHtml(b.cmdline)}</code></td></tr>`,
    )
    .join('');
  const vbmetaRows = fw.vbmeta
    .map(
      (v) =>
        `<tr><td>${escapeHtml(v.path)}</td><td>vbmeta ${escapeHtml(v.algorithm)}, flags ${v.flags}` +
        (v.verificationDisabled ? ' — <strong>verification disabled</strong>' : '') +
        (v.hashtreeDisabled ? ' — <strong>dm-verity disabled</strong>' : '') +
        '</td></tr>',
    )
    .join('');
  const boot =
    fw.boot.length || fw.vbmeta.length
      ? `<h3>Boot and verified boot</h3><table><tr><th>Image</th><th>Details</th></tr>${bootRows}${vbmetaRows}</table>`
      : '';
  return (
    `<section><h2>Firmware: ${escapeHtml(fw.path)}</h2><p class="muted">${escapeHtml(fw.layers.join(' · '))}</p>` +
    `${profile}${regionTable}<h3>Pre-installed apps (${fw.apps.length})</h3>${chart}${apps}${boot}</section>`
  );
}

function destinationsChart(report: Report): string {
  const top = (report.destinations ?? []).slice(0, 15);
  const max = Math.max(1, ...top.map((d) => d.bytesUp + d.bytesDown));
  const rows = top
    .map((d, i) => {
      const up = Math.round((d.bytesUp / max) * 600);
      const down = Math.round((d.bytesDown / max) * 600);
      const y = i * 22 + 4;
      return (
        `<text x="0" y="${i * 22 + 15}" font-size="12">${escapeHtml(d.host.slice(0, 40))}</text>` +
        `<rect x="300" y="${y}" width="${up}" height="14" fill="#c62828"/>` +
        `<rect x="${300 + up}" y="${y}" width="${down}" height="14" fill="#0277bd"/>`
      );
    })
    .join('');
  const legendY = top.length * 22 + 24;
  const legend =
    `<text x="300" y="${legendY}" font-size="12" fill="#c62828">sent</text>` +
    `<text x="350" y="${legendY}" font-size="12" fill="#0277bd">received</text>`;
  const height = top.length * 22 + 30;
  return `<svg width="920" height="${height}" role="img" aria-label="bytes by destination">${rows}${legend}</svg>`;
}

const DESTINATIONS_HEADER =
  '<tr><th>Host</th><th>IPs</th><th>Country</th><th>Sent</th><th>Received</th><th>Connections</th>' +
  '<th>Encrypted</th><th>Period</th><th>Apps / trackers</th></tr>';

function destinationsTable(report: Report): string {
  const rows = (report.destinations ?? [])
    .map((d) => {
      const encryption = d.encryption?.length
        ? `<div class="muted">${d.encryption.map(escapeHtml).join(', ')}</div>`
        : '';
      const trackers = d.trackers?.length ? `<div class="muted">${d.trackers.map(escapeHtml).join(', ')}</div>` : '';
      return (
        `<tr><td>${escapeHtml(d.host)}` +
        `<div class="muted">${escapeHtml(d.protocols.join(', '))} · name from ${escapeHtml(d.nameSource)}</div></td>` +
        `<td>${d.ips.map(escapeHtml).join('<br>')}</td><td>${escapeHtml(d.country ?? 'unknown')}</td>` +
        `<td>${d.bytesUp}</td><td>${d.bytesDown}</td><td>${d.connections}</td>` +
        `<td>${Math.round(d.encryptedShare * 100)}%${encryption}</td>` +
        `<td>${d.periodSeconds ? `${d.periodSeconds} s` : ''}</td>` +
        `<td>${d.apps.map(escapeHtml).join(', ')}${trackers}</td></tr>`
      );
    })
    .join('');
  return `<table>${DESTINATIONS_HEADER}${rows}</table>`;
}
