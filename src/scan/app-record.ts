import { findingsOf, type App, type Finding, type TrackerHit } from '../model.js';
import type { ApkModel } from './apk-model.js';

/** The report's record of an analysed app: its manifest facts, signers, trackers and code counts. */
export function toApp(model: ApkModel, findings: Finding[]): App {
  const m = model.manifest;
  return {
    artefactId: model.artefact.id,
    path: model.artefact.path,
    package: m?.package ?? null,
    versionCode: m?.versionCode ?? null,
    versionName: m?.versionName ?? null,
    label: m?.label ?? null,
    minSdk: m?.minSdk ?? null,
    targetSdk: m?.targetSdk ?? null,
    sharedUserId: m?.sharedUserId ?? null,
    permissions: m?.permissions ?? [],
    declaredPermissions: m?.declaredPermissions ?? [],
    components: m?.components ?? [],
    signers: model.signers,
    signatureSchemes: model.signatureSchemes,
    trackers: trackerHits(model, findings),
    dexCount: model.dexes.length,
    classCount: model.dexes.reduce((n, d) => n + d.dex.classDefs.length, 0),
    methodCount: model.dexes.reduce((n, d) => n + d.dex.methodCount, 0),
    stringCount: model.dexes.reduce((n, d) => n + d.dex.stringCount, 0),
    nativeLibs: model.nativeLibs.map((l) => l.artefact.path.slice(l.artefact.path.lastIndexOf('!/') + 2)),
  };
}

/** The trackers whose code signatures matched in this app (not in apps nested inside it). */
function trackerHits(model: ApkModel, findings: Finding[]): TrackerHit[] {
  return findingsOf(findings, 'trackers/code-signature')
    .filter((f) => f.artefactId === model.artefact.id)
    .map(({ evidence: e }) => ({
      id: e.trackerId,
      name: e.name,
      source: e.source,
      categories: e.categories,
      ...(e.website ? { website: e.website } : {}),
      matchedClasses: e.matchedClasses,
      matchedClassCount: e.matchedClassCount,
    }));
}
