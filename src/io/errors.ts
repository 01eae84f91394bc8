/**
 * Named error classes for expected conditions. Parsers throw these; the scan turns them into diagnostics.
 * Anything else that escapes a parser is a bug, and is still caught and reported as `internal/*`.
 */

export class CandorError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input is not what its format says: bad magic, offsets outside the file, impossible counts. */
export class MalformedInputError extends CandorError {}

/** The input is well-formed but exceeds a configured limit (size, ratio, depth, count, time). */
export class LimitExceededError extends CandorError {}

/** This installation lacks an optional capability (a native package absent on this platform). */
export class UnavailableError extends CandorError {}

/** Invariant helper: throws with a reason instead of silently continuing. */
export function invariant(condition: unknown, code: string, message: string): asserts condition {
  if (!condition) throw new MalformedInputError(code, message);
}

export function errorCode(err: unknown): string {
  return err instanceof CandorError ? err.code : 'internal/unexpected';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `list[index]` for a parser of untrusted structure: an index outside the list (a count or offset the input
 * lied about) becomes a typed `code` error instead of `undefined` flowing on.
 */
export function entryAt<T>(list: ArrayLike<T>, index: number, code: string, what: string): T {
  const value = list[index];
  if (value === undefined) throw new MalformedInputError(code, `${what} ${index} is outside its table`);
  return value;
}
