import type { ByteSource } from '../io/byte-source.js';
import { errorCode, errorMessage, LimitExceededError, MalformedInputError } from '../io/errors.js';
import type { Limits } from '../io/limits.js';
import { InflateBudget } from '../containers/zip.js';
import { sniffLayer } from '../containers/sniff.js';
import { boundedDecompress } from '../decode/bounded.js';
import { lz4FrameDecode } from '../decode/lz4.js';
import { isPropFile, parseProps } from '../formats/buildprop.js';
import type { FirmwareWalk, LayerAt, LayerWalk } from './layer-walk.js';
import { OPENERS } from './openers.js';
import { isPermissionXml, readPermissionXml, type PermissionGrants } from '../formats/privapp.js';

const APK = /\.apk$/i;
/** Partitions that hold no Android file system: firmware of other processors, device trees, splash screens. */
const RAW_PARTITION_NAMES = [
  'bootloader radio modem dtbo dtb dsp xbl xbl_config abl tz hyp keymaster cmnlib cmnlib64 devcfg aop',
  'qupfw uefisecapp imagefv logo splash pvmfw bluetooth featenabler multiimgoem shrm cpucp storsec',
  'engineering_cdt uefi tzsw ldfw gsa pbl bl1 bl2 bl31 abl_.* radio-.* bootloader-.*',
]
  .join(' ')
  .split(' ');
const RAW_PARTITION = new RegExp(`^(${RAW_PARTITION_NAMES.join('|')})(\\.(img|bin|mbn|elf))?$`, 'i');
const LIST_LIKE = /\.(txt|json|conf|cfg|csv|lst|list|ini|properties|xml|dat)$/i;

/**
 * The state of one firmware walk and the generic recursion over its layers: each image is sniffed and
 * handed to the opener of its kind (`openers.ts`), which visits the images inside it the same way.
 */
export class FirmwareWalker implements LayerWalk {
  readonly out: FirmwareWalk;
  readonly zipBudget: InflateBudget;
  private listFiles = 0;

  constructor(
    readonly limits: Limits,
    grants: PermissionGrants,
  ) {
    this.out = {
      partitions: [],
      files: [],
      props: [],
      boot: [],
      vbmeta: [],
      grants,
      problems: [],
      layers: new Set(),
      sources: [],
    };
    const fw = limits.firmware;
    // Partition images inside a firmware zip are larger than any app: their members may each expand to
    // firmware.maxExpandedBytes, all of one image's zips together to firmware.maxInflatedBytes.
    this.zipBudget = new InflateBudget({
      maxEntryBytes: fw.maxExpandedBytes,
      maxTotalInflatedBytes: fw.maxInflatedBytes,
      maxCompressionRatio: limits.zip.maxCompressionRatio,
    });
  }

  visit(img: ByteSource, at: LayerAt): void {
    const fw = this.limits.firmware;
    if (at.layers.length > fw.maxLayers) {
      const message = `more than ${fw.maxLayers} nested layers (limit firmware.maxLayers)`;
      return this.problem(new LimitExceededError('limit/firmware-layers', message), at.path);
    }
    try {
      const kind = sniffLayer(img);
      if (kind) return OPENERS[kind](img, at, this);
      if (RAW_PARTITION.test(at.name)) {
        // Bootloader, modem, device-tree and similar blobs: listed, not opened, not a problem.
        const name = at.name.replace(/\.(img|bin|mbn|elf)$/i, '');
        this.out.partitions.push({
          path: at.path,
          name,
          layers: at.layers,
          size: img.size,
          fileSystem: null,
          files: 0,
          apks: 0,
        });
        return;
      }
      const message = `${at.name}: not a file system, boot, vbmeta, sparse, super or OTA image`;
      this.warn('firmware/unknown-image', message, at.path);
    } catch (err) {
      this.problem(err, at.path);
    }
  }

  problem(err: unknown, path: string, level: 'warning' | 'error' = 'error'): void {
    this.out.problems.push({ level, code: errorCode(err), message: errorMessage(err), path });
  }

  warn(code: string, message: string, path: string): void {
    this.out.problems.push({ level: 'warning', code, message, path });
  }

  fileInTree(p: string, size: number, read: () => Buffer, logicalPath: string, partition: string): void {
    const fw = this.limits.firmware;
    const inPart = p.startsWith('/') ? p : `/${p}`;
    if (APK.test(p)) {
      this.out.files.push({ logicalPath, partition, pathInPartition: inPart, size, kind: 'apk', read });
      return;
    }
    if (size > fw.maxSmallFileBytes) return;
    if (isPropFile(p) || isPermissionXml(inPart)) {
      try {
        const text = read().toString('utf8');
        if (isPropFile(p)) this.out.props.push({ path: logicalPath, partition, props: parseProps(text) });
        else readPermissionXml(text, logicalPath, this.out.grants);
      } catch (err) {
        this.problem(err, logicalPath, 'warning');
      }
      return;
    }
    if (LIST_LIKE.test(p) && size > 0 && size <= fw.maxListFileBytes && this.listFiles < fw.maxListFiles) {
      this.listFiles++;
      this.out.files.push({ logicalPath, partition, pathInPartition: inPart, size, kind: 'text', read });
    }
  }

  expand(src: ByteSource, how: 'br' | 'gz' | 'lz4', path: string): Buffer {
    const max = this.limits.firmware.maxExpandedBytes;
    if (src.size > max)
      throw new LimitExceededError(
        'limit/expanded-bytes',
        `${path} is too large to expand in memory (limit firmware.maxExpandedBytes ${max})`,
      );
    const input = src.read(0, src.size);
    try {
      if (how === 'br') return boundedDecompress('brotli', input, max, 'limit/expanded-bytes');
      if (how === 'gz') return boundedDecompress('gzip', input, max, 'limit/expanded-bytes');
      return lz4FrameDecode(input, max, 'limit/expanded-bytes');
    } catch (err) {
      if (err instanceof MalformedInputError || err instanceof LimitExceededError) throw err;
      throw new MalformedInputError('firmware/bad-compression', `${path}: ${(err as Error).message}`);
    }
  }
}
