import { createRequire } from 'node:module';
import type { Diagnostic } from '../model.js';
import { UnavailableError } from './errors.js';

/**
 * The native packages Candor can run without. Their prebuilt binaries exist for some platforms only
 * (YARA-X's binding: Linux x64 glibc; @napi-rs/lzma: most), so they are optional dependencies and are
 * loaded here, once, turning absence into an `UnavailableError` with a code a report can carry instead
 * of a crash at import time.
 */

export type NativeCapability = 'yara' | 'lzma';

interface NativePackage {
  specifier: string;
  code: string;
  /** What the user loses, said once in the scan's diagnostics. */
  consequence: string;
}

const PACKAGES: Record<NativeCapability, NativePackage> = {
  yara: {
    specifier: '@litko/yara-x-linux-x64-gnu',
    code: 'unavailable/yara',
    consequence: 'YARA scanning unavailable: the rules given were not run',
  },
  lzma: {
    specifier: '@napi-rs/lzma',
    code: 'unavailable/lzma',
    consequence:
      'LZMA decoding unavailable: xz and .lzma blobs, payload.bin xz operations and EROFS LZMA clusters ' +
      'are not decoded',
  },
};

/** Loads a package by name, as `require` does; tests pass one that fails, to exercise absence. */
export type NativeResolver = (specifier: string) => unknown;

const defaultResolver: NativeResolver = createRequire(import.meta.url);
let resolver: NativeResolver = defaultResolver;
const loaded = new Map<NativeCapability, { module: unknown } | { error: UnavailableError }>();

/** Replaces how native packages are loaded (null: the real `require`) and forgets what was loaded. */
export function useNativeResolver(next: NativeResolver | null): void {
  resolver = next ?? defaultResolver;
  loaded.clear();
}

function attempt(capability: NativeCapability): { module: unknown } | { error: UnavailableError } {
  let state = loaded.get(capability);
  if (!state) {
    const pkg = PACKAGES[capability];
    try {
      state = { module: resolver(pkg.specifier) };
    } catch (err) {
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      const where = `${process.platform}-${process.arch}`;
      state = {
        error: new UnavailableError(pkg.code, `${pkg.consequence} (${pkg.specifier} cannot load on ${where}: ${why})`),
      };
    }
    loaded.set(capability, state);
  }
  return state;
}

/** The package's module; throws `UnavailableError` when it is absent or cannot load here. */
export function loadNative<T>(capability: NativeCapability): T {
  const state = attempt(capability);
  if ('error' in state) throw state.error;
  return state.module as T;
}

export function nativeAvailable(capability: NativeCapability): boolean {
  return 'module' in attempt(capability);
}

/** One scan-level warning per capability the scan needs and this installation lacks. */
export function unavailableDiagnostics(needed: NativeCapability[]): Diagnostic[] {
  return needed.flatMap((c) => {
    const state = attempt(c);
    return 'error' in state
      ? [{ level: 'warning' as const, code: state.error.code, message: state.error.message, path: '' }]
      : [];
  });
}
