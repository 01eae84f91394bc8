import type { SingleBar } from 'cli-progress';
import type { ProgressEvent } from '../scan/scan.js';

/** A progress bar on stderr for scans of several files; firmware walks are told line by line. */
export async function progressReporter(enabled: boolean): Promise<((e: ProgressEvent) => void) | undefined> {
  if (!enabled) return undefined;
  const { SingleBar: Bar } = await import('cli-progress');
  let bar: SingleBar | null = null;
  let apps = 0;
  return (e) => {
    if (e.type === 'firmware') {
      if (e.phase === 'walk') process.stderr.write(`reading firmware ${e.path}…\n`);
      else process.stderr.write(`${e.path}: ${e.partitions} partition(s), ${e.apps} app(s) to audit\n`);
      return;
    }
    if (e.type === 'start') {
      if (e.files < 2) return;
      bar = new Bar({
        format: 'scanning [{bar}] {value}/{total} files | {apps} apps | {mb} MB | {file}',
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      });
      bar.start(e.files, 0, { mb: '0', file: '', apps: 0 });
      apps = 0;
    } else if (bar) {
      if (/\.apk$/i.test(e.path)) apps++;
      // The partition shows in the path of files read out of a firmware (…!/system!/system/app/X.apk).
      bar.update(e.done, {
        mb: (e.bytes / 1e6).toFixed(1),
        apps,
        file: e.path.length > 56 ? `…${e.path.slice(-55)}` : e.path,
      });
      if (e.done === e.files) bar.stop();
    }
  };
}
