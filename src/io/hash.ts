import { createHash } from 'node:crypto';

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function shortHash(text: string, length = 16): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
