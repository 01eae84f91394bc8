import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/scan/analyze.js';
import { first } from '../defined.js';
import { analyzeContext } from '../helpers.js';

/**
 * Real vendor code: a DEX of Xiaomi's system apps that Debian's androguard package ships as a sample. Its
 * international ad SDK (`com.xiaomi.ad.i18n`) downloads the keywords its ad blocker filters by, the shape
 * the Lithuanian audit described: `MiConfigLoader$2.run` posts the SDK's parameters to
 * `http://globalapi.ad.xiaomi.com/filter/text` through the SDK's own helper (`NetUtil.post` →
 * `NetUtil.request`, where the `URL` is made from a parameter); `handleResponse` (called through the
 * synthetic accessor `access$500`) parses the body into a map and reads `keywords`, `version` and
 * `cacheTime` from it (`status` and `message` when the cache manager validates it), stored through the
 * SDK's preferences helper; a failed response is retried after `RETRY_INTERVAL`, 60 000 ms, by a Handler, at
 * most `RETRY_TIMES_MAX` (3) times within `RETRY_TIME` (30 minutes); the list is pulled again when its cache
 * time (stored, 12 hours by default) has passed; a receiver registered in code for connectivity changes
 * starts the download again.
 * The expected values below were read from the bytecode with baksmali, not from Candor's output.
 */
const DEX = '/usr/share/doc/androguard/examples/tests/dc4b1bb9d58daa82f29e60f79d5662f731a3351f.37.dex';
const SDK = 'Lcom/xiaomi/ad/i18n/internal';

describe('the keyword download of a real Xiaomi ad SDK (androguard sample DEX)', () => {
  it('finds the fetch where the URL is given, its POST through the helper, the keys and the retry', () => {
    expect(existsSync(DEX), `${DEX} (Debian package androguard)`).toBe(true);
    const found = analyzeFile(DEX, 'xiaomi.dex', analyzeContext())
      .findings.filter((x) => x.detectorId === 'censorship/list-refresh')
      .filter((x) => x.evidence.urls.some((u) => u.includes('/filter/text')));
    expect(found).toHaveLength(1);
    const f = first(found);
    expect(f.evidence.fetch).toEqual([
      {
        method: `${SDK}/config/MiConfigLoader$2;->run`,
        url: 'http://globalapi.ad.xiaomi.com/filter/text',
        httpMethod: 'POST',
        params: [],
        headers: [],
        via: `${SDK}/utils/NetUtil;->request`,
      },
    ]);
    expect(f.evidence.responseKeys).toEqual(expect.arrayContaining(['keywords', 'version', 'cacheTime']));
    expect(f.evidence.policy.delaysMs).toContain(60_000);
    // ConfigCacheManager.isRemoteDataValid reads status and message too; MiAdConfigDiskCache keeps the
    // version, cache time and last change through the SDK's SharedPreferenceHelper.save(key, value).
    expect(f.evidence.responseKeys).toEqual(expect.arrayContaining(['status', 'message']));
    expect(f.evidence.storageDetail.preferenceKeys).toEqual(
      expect.arrayContaining(['cacheTime', 'lastmodified', 'version']),
    );
    // MiConfigLoader$3.run retries while mRetryTimes < RETRY_TIMES_MAX (3), read through access$700().
    expect(f.evidence.policy.retryLimits).toEqual([3]);
    // ... and at most within RETRY_TIME, 30 minutes after the last retry (mLastRetryTime + RETRY_TIME against
    // the clock; the log says "can't retry more than 3 times in 30 minutes!").
    expect(f.evidence.policy.retryWindowsMs).toEqual([1_800_000]);
    // ConfigCacheManager.shouldPullNewConfig pulls again once lastModified + getCacheTime() has passed; the cache
    // time is the stored "cacheTime", 12 hours (MiAdConfigDiskCache.DEFAULT_CACHETIME) until a response sets it.
    expect(f.evidence.policy.cacheLifeMs).toEqual([43_200_000]);
    expect(f.evidence.host).toBe('globalapi.ad.xiaomi.com');
    // MiConfigLoader.registerReceiver registers MyReceiverCallback for connectivity changes and the SDK's
    // timer action; its onReceive calls checkConfig → requestConfig, which creates the Runnable
    // MiConfigLoader$2 and hands it to the SDK's ThreadUtils.post (no call edge reaches run()).
    const broadcast = f.evidence.triggers.find((t) => t.kind === 'broadcast');
    expect(broadcast?.actions).toEqual(['android.net.conn.CONNECTIVITY_CHANGE', 'MiAdConfig_Timer_Action']);
    expect(broadcast?.path).toEqual([
      `${SDK}/config/MiConfigLoader$MyReceiverCallback;->onReceive`,
      `call → ${SDK}/config/MiConfigLoader;->checkConfig`,
      `call → ${SDK}/config/MiConfigLoader;->requestConfig`,
      `creates the callback → ${SDK}/config/MiConfigLoader$2;->run`,
    ]);
    expect(f.evidence.onConnectivityChange).toBe(true);
  });

  it('follows the stored list to the ad blocker that matches against it, and rates the mechanism medium', () => {
    // ConfigCacheManager.updateAdConfig writes the keywords to the file MiAdConfigDiskCache.getBlackListFilePath
    // returns ({files dir}/MiAdConfig); MiConfigLoader$1.run reads it back (syncLoadConfig →
    // getBlackListFromFile) and calls the listener AdsBlocker$1.onLoadSuccess, whose Runnable AdsBlocker$1$1
    // parses the text (ConfigParser.analysisJsonArray) and adds each trimmed, lower-cased entry to
    // AdsBlocker.blockedWords; AdsBlocker.isAdsBlocked lower-cases an ad's text and tests it with contains.
    const f = first(
      analyzeFile(DEX, 'xiaomi.dex', analyzeContext())
        .findings.filter((x) => x.detectorId === 'censorship/list-refresh')
        .filter((x) => x.evidence.urls.some((u) => u.includes('/filter/text'))),
    );
    expect(f.evidence.storageDetail.files).toContain('MiAdConfig');
    // getSPHelper → SharedPreferenceHelper.getInstance(ctx, "MiAdConfig") → its constructor's getSharedPreferences.
    expect(f.evidence.storageDetail.preferenceFiles).toEqual(['MiAdConfig']);
    const apply = f.evidence.apply.find((a) => a.method === `${SDK}/utils/AdsBlocker;->isAdsBlocked`);
    expect(apply?.how).toEqual(expect.arrayContaining(['substring', 'case-folding']));
    // It tests the ad's NativeAdItem.getTitle() and getDes() against each word.
    expect(apply?.content).toEqual(['ad or item title', 'ad or item body']);
    expect(apply?.path).toEqual([
      `${SDK}/config/MiConfigLoader$1;->run`,
      `call → ${SDK}/config/MiConfigLoader;->access$200`,
      `call → ${SDK}/config/MiConfigLoader;->onCallback`,
      `virtual → ${SDK}/utils/AdsBlocker$1;->onLoadSuccess`,
      `creates the callback → ${SDK}/utils/AdsBlocker$1$1;->run`,
      `adds to field blockedWords → ${SDK}/utils/AdsBlocker;->isAdsBlocked`,
    ]);
    // A refreshable list whose applying code exists is at least medium (no region switch here).
    expect(f.severity).toBe('medium');
  });

  it("reads MIUI's build flag for international firmware, and reports what it gates at info: no list", () => {
    // The same DEX holds MIUI Security Center (com.miui.*), which tests miui.os.Build.IS_INTERNATIONAL_BUILD
    // in 48 classes. DataUpdateReceiver.onReceive returns on an international build before it starts
    // DataUpdateService, whose adh downloads http://api.sec.miui.com/mdb_pub/mdb_pub.version: the flag
    // decides whether the app connects, and no list code is behind it.
    const region = analyzeFile(DEX, 'xiaomi.dex', analyzeContext()).findings.filter(
      (x) => x.detectorId === 'censorship/region-switch',
    );
    expect(region.every((x) => x.messageId === 'server' && x.severity === 'info')).toBe(true);
    const update = region.find((x) => x.evidence.path?.[0] === 'Lcom/miui/mdb/DataUpdateReceiver;->onReceive');
    expect(update?.evidence.regionRead).toBe('miui.os.Build.IS_INTERNATIONAL_BUILD');
    expect(update?.evidence.path?.at(-1)).toBe('call → Lcom/miui/mdb/DataUpdateService;->adh');
  });

  it('takes the push service host fallbacks beside it for no list', () => {
    // com.xiaomi.push.service.aO downloads host fallbacks from resolver.msg.xiaomi.net into the file
    // XMCloudCfg; com.xiaomi.b.a.boo adds Fallback objects (com.xiaomi.b.e, a parameter of that type) to
    // an ArrayList whose elements' hosts are split at ':'. Records of the app's own class are no word list.
    const refresh = analyzeFile(DEX, 'xiaomi.dex', analyzeContext()).findings.filter(
      (x) => x.detectorId === 'censorship/list-refresh',
    );
    expect(refresh.map((x) => x.evidence.host)).toEqual(['globalapi.ad.xiaomi.com']);
  });
});
