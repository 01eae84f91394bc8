import { Type, type TSchema } from '@sinclair/typebox';
import { DETECTORS } from '../detectors/index.js';
import { FindingFields, ReportFields } from '../model.js';

/**
 * The report's JSON Schema, generated from the same TypeBox values the model's types come from
 * (src/model.ts) and from each registered detector's evidence schema. `npm run schema` writes it to
 * schema/report.schema.json; a test fails when the committed file differs from this.
 */

export const SCHEMA_PATH = 'schema/report.schema.json';

/** One finding: the common fields, and per detector (by `detectorId`) the evidence that detector declares. */
function findingSchema(): TSchema {
  return Type.Object(
    {
      ...FindingFields,
      detectorId: Type.Union(DETECTORS.map((d) => Type.Literal(d.meta.id))),
      evidence: Type.Object({}, { description: "The detector's evidence; its fields are given per detector below." }),
    },
    {
      additionalProperties: false,
      allOf: DETECTORS.map((d) => ({
        if: { properties: { detectorId: { const: d.meta.id } } },
        then: { properties: { evidence: d.meta.evidence } },
      })),
    },
  );
}

export function reportSchema(): Record<string, unknown> {
  const body = Type.Object({ ...ReportFields, findings: Type.Array(findingSchema()) }, { additionalProperties: false });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://candor.invalid/schema/report-1.json',
    title: 'Candor report',
    description: [
      'The canonical output of a Candor scan. Every other format (terminal, HTML) is rendered from it.',
      'Version 1.x: fields may be added; none is removed or changes meaning without a major version.',
      "Generated from the TypeBox model (src/model.ts) and the detectors' evidence schemas by `npm run schema`:",
      'do not edit by hand.',
    ].join(' '),
    ...body,
  };
}

/** The schema file's exact text (plain JSON: TypeBox's symbol keys do not serialise). */
export function reportSchemaText(): string {
  return `${JSON.stringify(reportSchema(), null, 2)}\n`;
}
