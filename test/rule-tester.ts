import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import type { ContextFor, Detector, DetectorInput, DetectorInputs } from '../src/detectors/define.js';
import { formatMessage } from '../src/detectors/runner.js';
import type { Confidence, Severity } from '../src/model.js';
import { defined } from './defined.js';

/**
 * A detector's cases as a table beside it, in the shape of ESLint's RuleTester: `valid` inputs report
 * nothing, each `invalid` input reports exactly the listed messages (in order) with the given message
 * data, and optionally severity, confidence and evidence fields. Inputs are in-memory models, so a case
 * names only what matters to it. Invalid cases run under describe('positive'), valid under 'negative'.
 */

export interface Expected {
  messageId: string;
  /** Message data the detector must fill (the keys given; others are not checked). */
  data?: Record<string, string | number>;
  severity?: Severity;
  confidence?: Confidence;
  /** Evidence fields to match (a partial object, as toMatchObject reads it). */
  evidence?: Record<string, unknown>;
}

export interface ValidCase<K extends DetectorInput> {
  name: string;
  input: DetectorInputs[K];
}

export type InvalidCase<K extends DetectorInput> = ValidCase<K> & ({ errors: Expected[] } | Expected);

export interface RuleTable<K extends DetectorInput> {
  /** Context for file-level detectors (lexicon, trackers); scan-level detectors need none. */
  ctx?: () => ContextFor<K>;
  valid: Array<ValidCase<K>>;
  invalid: Array<InvalidCase<K>>;
}

export function testDetector<K extends DetectorInput>(detector: Detector<K>, table: RuleTable<K>): void {
  // A table with no positive or no negative case cannot show that the detector tells them apart.
  if (!table.valid.length || !table.invalid.length)
    throw new Error(`${detector.meta.id}: a rule table needs valid and invalid cases`);
  const run = (input: DetectorInputs[K]) => detector.detect(input, table.ctx ? table.ctx() : ({} as ContextFor<K>));

  describe('positive', () => {
    for (const c of table.invalid) {
      it(c.name, () => {
        const expected = 'errors' in c ? c.errors : [c];
        const reports = run(c.input);
        expect(reports.map((r) => r.messageId)).toEqual(expected.map((e) => e.messageId));
        reports.forEach((r, i) => {
          const e = defined(expected[i], `expected report ${i}`);
          const template = defined(detector.meta.messages[r.messageId], `${detector.meta.id}'s message ${r.messageId}`);
          // Every placeholder of the message is filled, and evidence and data are what the detector declares.
          expect(formatMessage(template, r.data)).not.toMatch(/\{\{\w+\}\}/);
          expect([...Value.Errors(detector.meta.evidence, r.evidence)].map((x) => `${x.path}: ${x.message}`)).toEqual(
            [],
          );
          expect([...Value.Errors(detector.meta.data, r.data)].map((x) => `${x.path}: ${x.message}`)).toEqual([]);
          if (e.data) expect(r.data).toMatchObject(e.data);
          if (e.severity) expect(r.severity ?? detector.meta.severity).toBe(e.severity);
          if (e.confidence) expect(r.confidence ?? detector.meta.confidence).toBe(e.confidence);
          if (e.evidence) expect(r.evidence).toMatchObject(e.evidence);
        });
      });
    }
  });

  describe('negative', () => {
    for (const c of table.valid) {
      it(c.name, () => {
        expect(run(c.input)).toEqual([]);
      });
    }
  });
}
