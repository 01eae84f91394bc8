import { expect } from 'vitest';

/** `expect.stringContaining`, typed: vitest declares its asymmetric matchers as returning `any`. */
export function textContaining(part: string): unknown {
  return expect.stringContaining(part);
}
