import { defined, first } from '../../../test/defined.js';
import { describe, expect, it } from 'vitest';
import detector from './system-keyword-list.js';
import { testDetector } from '../../../test/rule-tester.js';
import { analyzeContext, corpusFile } from '../../../test/helpers.js';
import { finding, firmware, firmwareInput, preinstalled } from '../../../test/fixtures/models.js';
import { analyzeFile } from '../../scan/analyze.js';
import type { PreinstalledApp, Severity } from '../../model.js';
import type { ListKind } from '../../lexicon/classify.js';

const browser = preinstalled('com.vendor.browser');
/** A keyword-list finding inside `app`'s assets, with the evidence fields the detector writes. */
const list = (app: PreinstalledApp, severity: Severity, kind: ListKind, termCount: number, related: string[] = []) =>
  finding('censorship/keyword-list', {
    artefactId: `${app.artefactId}:asset`,
    location: { path: `${app.path}!/assets/${kind}.txt` },
    severity,
    confidence: 'medium',
    evidence: {
      kind,
      termCount,
      related: related.map((fingerprint) => ({ detectorId: 'censorship/list-refresh', fingerprint, why: 'same app' })),
    },
    fingerprint: `fp-${kind}-${severity}`,
  });
const refresh = finding('censorship/list-refresh', {
  artefactId: browser.artefactId,
  location: { path: `${browser.path}!/classes.dex`, className: 'Lcom/vendor/Words;', method: 'update' },
  severity: 'medium',
  evidence: {
    appliedBy: ['Lcom/vendor/ChatFilter;->check'],
    related: [{ detectorId: 'censorship/keyword-list', fingerprint: 'fp-political-high', why: 'same app' }],
  },
  fingerprint: 'fp-refresh',
});

testDetector(detector, {
  valid: [
    {
      name: 'an app whose only list finding is info',
      input: firmwareInput(firmware({ apps: [browser] }), [list(browser, 'info', 'unknown', 40)]),
    },
    {
      name: 'a list in an app outside the firmware',
      input: firmwareInput(firmware({ apps: [browser] }), [
        finding('censorship/keyword-list', { location: { path: 'other.apk!/a.txt' }, severity: 'high' }),
      ]),
    },
  ],
  invalid: [
    {
      name: 'a low content filter stays low',
      input: firmwareInput(firmware({ apps: [browser] }), [list(browser, 'low', 'content-filter', 300)]),
      messageId: 'system-keyword-list',
      data: {
        label: 'com.vendor.browser',
        partition: 'system',
        count: 1,
        top: 'content-filter list assets/content-filter.txt (300 terms)',
      },
      severity: 'low',
      confidence: 'medium',
      evidence: {
        related: ['fp-content-filter-low'],
        lists: [
          {
            kind: 'content-filter',
            termCount: 300,
            severity: 'low',
            path: `${browser.path}!/assets/content-filter.txt`,
          },
        ],
      },
    },
    {
      name: "the code the list's own evidence names as applying it",
      input: firmwareInput(firmware({ apps: [browser] }), [
        finding('censorship/keyword-list', {
          artefactId: browser.artefactId,
          location: { path: `${browser.path}!/assets/w.txt` },
          severity: 'medium',
          evidence: { kind: 'unknown', termCount: 90, applyingCode: ['Lcom/vendor/Chat;->mask'] },
        }),
      ]),
      messageId: 'system-keyword-list',
      data: { top: 'unknown list assets/w.txt (90 terms), applied by Lcom/vendor/Chat;->mask' },
      severity: 'medium',
      evidence: { lists: [{ applyingCode: ['Lcom/vendor/Chat;->mask'] }] },
    },
    {
      name: 'a medium list of unknown purpose stays medium',
      input: firmwareInput(firmware({ apps: [browser] }), [list(browser, 'medium', 'unknown', 80)]),
      messageId: 'system-keyword-list',
      severity: 'medium',
    },
    {
      name: 'several parts: the highest severity, naming the list and the code that applies it',
      input: firmwareInput(firmware({ apps: [browser] }), [
        list(browser, 'low', 'content-filter', 300),
        list(browser, 'high', 'political', 120, ['fp-refresh']),
        refresh,
      ]),
      messageId: 'system-keyword-list',
      data: {
        count: 3,
        coverage: ' covering 420 listed terms',
        top: 'political list assets/political.txt (120 terms), applied by Lcom/vendor/ChatFilter;->check',
      },
      severity: 'high',
      evidence: { detectors: ['censorship/keyword-list', 'censorship/list-refresh'] },
    },
  ],
});

describe('roll-up over real apps', () => {
  // Real corpus apps placed in a system partition; their own findings carry no list above info.
  const real = ['com.teleca.jamendo_35.apk', 'org.dyndns.fules.ck_20.apk'].map((name) => {
    const path = `fw.zip!/system/app/${name}`;
    const r = analyzeFile(corpusFile(name), path, analyzeContext());
    const scanned = first(r.apps, `the app of ${name}`);
    const app = preinstalled(scanned.package ?? name, {
      artefactId: scanned.artefactId,
      path,
      pathInPartition: `/system/app/${name}`,
    });
    return { app, findings: r.findings };
  });
  const apps = real.map((r) => r.app);
  const own = real.flatMap((r) => r.findings);

  it('reports nothing for real apps without lists above info', () => {
    expect(own.some((f) => f.detectorId.startsWith('censorship/') && f.severity !== 'info')).toBe(false);
    expect(detector.detect(firmwareInput(firmware({ apps }), own), {})).toEqual([]);
  });

  it('keeps a low and a medium keyword list at their own severity, per app, never high', () => {
    const [jamendo, ck] = [defined(apps[0], 'jamendo'), defined(apps[1], 'ck')];
    const reports = detector.detect(
      firmwareInput(firmware({ apps }), [
        ...own,
        list(jamendo, 'low', 'content-filter', 300),
        list(ck, 'medium', 'unknown', 60),
      ]),
      {},
    );
    expect(reports.map((r) => [r.data.label, r.severity])).toEqual([
      [jamendo.package, 'low'],
      [ck.package, 'medium'],
    ]);
    expect(defined(reports[1], 'a second report').data.top).toBe(`unknown list assets/unknown.txt (60 terms)`);
  });
});
