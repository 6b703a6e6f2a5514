/** Identifiers: a short type prefix and 96 random bits, URL-safe and sortable by nothing. */
import { randomBytes } from 'node:crypto';

/** Creates a new id such as `fn_3f9c2a1b7d4e5f60a1b2c3d4`. */
export function createId(prefix: 'usr' | 'fn' | 'dep' | 'exe' | 'key'): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
