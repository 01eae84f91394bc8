import { Type } from '@sinclair/typebox';
import { appCodeFacts, neighbourhood } from '../../correlate/code-facts.js';
import { methodSignals } from '../../correlate/list-code.js';
import { defineDetector, evidence, messageData, RelatedFinding, type ReportOf } from '../define.js';

/**
 * The switch: region and locale checks that sit in the same code as a keyword list or filter — system
 * properties such as `ro.miui.region`, SIM and network country codes, Locale, hard-coded sets of EU/EEA
 * country codes, and server flags that turn the filter on or off. The evidence behind "off in the EU,
 * switchable remotely".
 */

const REGION_PROPERTY = /^(?:ro\.miui\.region|ro\.miui\.build\.region|ro\.product\.locale\.region|ro\.product\.country\.region|ro\.product\.locale|persist\.sys\.country|persist\.sys\.locale|ro\.boot\.hwc|ro\.boot\.region|ro\.csc\.country_code|ro\.csc\.countryiso_code|ro\.hw\.country|ro\.config\.hw_optb|ro\.oppo\.regionmark|ro\.vendor\.oplus\.regionmark|persist\.sys\.oppo\.region|ro\.build\.version\.ota\.region|ro\.product\.mod_device|gsm\.sim\.operator\.iso-country|gsm\.operator\.iso-country|gsm\.sim\.operator\.numeric|gsm\.operator\.numeric)$/;
const REGION_APIS = [
  'Landroid/os/SystemProperties;->get',
  'Ljava/util/Locale;->getCountry',
  'Ljava/util/Locale;->getDefault',
  'Landroid/telephony/TelephonyManager;->getSimCountryIso',
  'Landroid/telephony/TelephonyManager;->getNetworkCountryIso',
  'Landroid/telephony/TelephonyManager;->getSimOperator',
  'Landroid/telephony/TelephonyManager;->getNetworkOperator',
];
/** EU member states plus the EEA (IS, LI, NO), and GB/UK, which region lists often still carry. */
const EU_EEA = new Set(['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'EL', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO', 'GB', 'UK']);
const MIN_EU_CODES = 5;
const SERVER_FLAG = /^(?:[a-z]+_)?(?:filter|blacklist|keyword|sensitive|censor)[_]?(?:enable|enabled|switch|open|on|status|flag)$|^(?:enable|is|open)_?(?:filter|blacklist|keyword|sensitive)(?:_?switch)?$/i;

type RegionRole = 'property' | 'eu' | 'country' | 'flag' | null;

function regionRole(s: string): RegionRole {
  if (s.length === 2 && /^[A-Za-z]{2}$/.test(s)) return EU_EEA.has(s.toUpperCase()) ? 'eu' : 'country';
  if (REGION_PROPERTY.test(s)) return 'property';
  if (SERVER_FLAG.test(s)) return 'flag';
  return null;
}

interface RegionMethod {
  id: number;
  properties: string[];
  apis: string[];
  euCodes: string[];
  flags: string[];
}

const Evidence = evidence({
  className: Type.String(),
  methods: Type.Array(Type.String()),
  regionProperties: Type.Array(Type.String()),
  euCountryCodes: Type.Array(Type.String()),
  countryApis: Type.Array(Type.String()),
  serverFlags: Type.Array(Type.String()),
  /** List-handling methods near the region check (`Lpkg/Class;->method`). */
  listCode: Type.Array(Type.String()),
  related: Type.Optional(Type.Array(RelatedFinding)),
});
const Data = messageData({ className: Type.String(), what: Type.String() });

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'censorship/region-switch',
    version: 1,
    input: 'app',
    description: 'Region and locale checks (system properties, SIM/network country, EU country sets, server flags) in the same code as a keyword list or its refresh.',
    severity: 'high',
    confidence: 'medium',
    tags: ['censorship', 'region-switch'],
    evidence: Evidence,
    data: Data,
    messages: {
      gated: '{{className}} gates keyword-list code on {{what}}',
    },
  },
  detect(app, ctx): Found[] {
    if (app.dexes.length === 0) return [];
    const facts = appCodeFacts(app);
    // Code that handles a list: fetches, stores or refreshes it, or holds several sensitive terms.
    const listMethods: number[] = [];
    const region: RegionMethod[] = [];
    facts.methods.forEach((m, id) => {
      const s = methodSignals(facts, m, ctx.lexicon);
      if (s.urls.length || s.storage.length || s.keys.length >= 2 || s.lexiconHits >= 3) listMethods.push(id);
      if (!m.stringIds.length && !m.callIds.length) return;
      const roles = facts.memo('region-role', m, regionRole);
      const apis = m.callIds.length ? facts.memoCalls('name', m, (c) => c).filter((c) => REGION_APIS.includes(c)) : [];
      if (!roles.some((r) => r !== null) || (!apis.length && !roles.some((r) => r === 'property' || r === 'flag' || r === 'eu'))) return;
      const strings = facts.memo('text', m, (x) => x);
      const properties = strings.filter((_, i) => roles[i] === 'property');
      const euCodes = [...new Set(strings.filter((_, i) => roles[i] === 'eu').map((x) => x.toUpperCase()))];
      const flags = strings.filter((_, i) => roles[i] === 'flag');
      if (properties.length || euCodes.length >= MIN_EU_CODES || flags.length || (apis.length && roles.some((r) => r === 'eu' || r === 'country'))) {
        region.push({ id, properties, apis, euCodes: euCodes.length >= MIN_EU_CODES ? euCodes : [], flags });
      }
    });
    if (listMethods.length === 0 || region.length === 0) return [];
    const near = neighbourhood(facts, listMethods);
    const byClass = new Map<string, RegionMethod[]>();
    for (const r of region) {
      if (!near.has(r.id)) continue;
      const cls = facts.methods[r.id].className;
      let l = byClass.get(cls);
      if (!l) byClass.set(cls, (l = []));
      l.push(r);
    }
    const out: Found[] = [];
    for (const [className, rs] of byClass) {
      const properties = [...new Set(rs.flatMap((r) => r.properties))];
      const euCodes = [...new Set(rs.flatMap((r) => r.euCodes))].sort();
      const flags = [...new Set(rs.flatMap((r) => r.flags))];
      const apis = [...new Set(rs.flatMap((r) => r.apis))];
      const what = [
        properties.length ? `system properties ${properties.join(', ')}` : '',
        euCodes.length ? `a set of ${euCodes.length} EU/EEA country codes` : '',
        apis.length ? apis.map((a) => a.split('->')[1]).join(', ') : '',
        flags.length ? `server flags ${flags.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      const first = facts.methods[rs[0].id];
      out.push({
        messageId: 'gated',
        data: { className, what },
        artefactId: app.artefact.id,
        location: { path: app.dexes[first.dexIndex].artefact.path, className, method: first.method },
        severity: properties.length || euCodes.length ? 'high' : 'medium',
        confidence: euCodes.length || properties.length ? 'high' : 'medium',
        identity: className,
        evidence: {
          className,
          methods: [...new Set(rs.map((r) => facts.methods[r.id].method))],
          regionProperties: properties,
          euCountryCodes: euCodes,
          countryApis: apis,
          serverFlags: flags,
          listCode: [...new Set(listMethods.filter((id) => near.has(id)).map((id) => `${facts.methods[id].className}->${facts.methods[id].method}`))].slice(0, 20),
          excerpt: properties[0] ?? euCodes.join(',') ?? flags[0],
        },
      });
    }
    return out;
  },
});
