/**
 * The value a test expects to exist (a first finding, an app, a regex group): a missing one fails the test
 * with a message naming it, instead of a TypeError further on.
 */
export function defined<T>(value: T | undefined | null, what = 'value'): T {
  if (value === undefined || value === null) throw new Error(`expected ${what} to exist`);
  return value;
}

/** The first item of a list the test expects to be non-empty. */
export function first<T>(list: readonly T[], what = 'a first item'): T {
  return defined(list[0], what);
}
