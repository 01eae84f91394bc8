import type { Static } from '@sinclair/typebox';
import type { REGISTRY } from './index.js';

/**
 * The map from detector id to its evidence type, derived from the registry: each detector declares its
 * evidence as a TypeBox schema in its own file, so the TypeScript type, the report's JSON Schema and
 * the detector's code agree (a renamed field fails the build, and the schema test).
 */

type Registered = (typeof REGISTRY)[number];
export type DetectorId = Registered['meta']['id'];
type DetectorOf<Id extends DetectorId> = Extract<Registered, { meta: { id: Id } }>;
export type EvidenceOf<Id extends DetectorId> = Static<DetectorOf<Id>['meta']['evidence']>;
export type MessageDataOf<Id extends DetectorId> = Static<DetectorOf<Id>['meta']['data']>;
