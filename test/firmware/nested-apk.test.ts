import { describe, expect, it } from 'vitest';
import { insideNestedApk } from '../../src/firmware/inventory.js';
import { finding, firmware, firmwareInput, preinstalled } from '../fixtures/models.js';

/**
 * An APK stored inside a pre-installed app is analysed, and what it carries (lists, hosts) ships with the
 * app; but its permissions and install paths are the outer app's only when the outer app installs APKs.
 */

const app = preinstalled('com.vendor.gallery');
const inner = `${app.path}!/assets/plugin.apk`;
const at = (path: string) => ({ artefactId: `id:${path}`, location: { path } });

describe('findings of an APK nested in a pre-installed app', () => {
  it('tells nested APK paths from the app’s own parts', () => {
    expect(insideNestedApk(`${app.path}!/classes.dex`, app.path)).toBe(false);
    expect(insideNestedApk(`${app.path}!/assets/words.txt`, app.path)).toBe(false);
    expect(insideNestedApk(inner, app.path)).toBe(true);
    expect(insideNestedApk(`${inner}!/classes.dex`, app.path)).toBe(true);
    expect(insideNestedApk(`${app.path}!/libs/sdk.jar!/a.dex`, app.path)).toBe(true);
    expect(insideNestedApk('other.apk!/x.apk', app.path)).toBe(false);
  });

  it('keeps the nested APK’s lists with the app but not its permissions or install paths', () => {
    const model = firmwareInput(firmware({ apps: [app] }), [
      finding('app/permissions', at(inner)),
      finding('distribution/install-paths', at(`${inner}!/classes.dex`)),
      finding('censorship/keyword-list', at(`${inner}!/assets/words.txt`)),
      finding('network/endpoints', at(`${app.path}!/classes.dex`)),
    ]);
    const ids = (model.appFindings.get(app.artefactId) ?? []).map((f) => f.detectorId).sort();
    expect(ids).toEqual(['censorship/keyword-list', 'network/endpoints']);
  });

  it('gives them to the app when the app itself installs APKs', () => {
    const model = firmwareInput(firmware({ apps: [app] }), [
      finding('distribution/install-paths', at(`${app.path}!/classes.dex`)),
      finding('app/permissions', at(inner)),
    ]);
    const ids = (model.appFindings.get(app.artefactId) ?? []).map((f) => f.detectorId).sort();
    expect(ids).toEqual(['app/permissions', 'distribution/install-paths']);
  });
});
