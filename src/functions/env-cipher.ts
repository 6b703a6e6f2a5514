/**
 * Env var values at rest: AES-256-GCM with a random 96-bit nonce per value, stored as
 * `v1:<nonce base64>:<ciphertext and tag base64>`. The function id and the variable's name are
 * authenticated with it, so a value copied onto another row does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConflictError } from '../core/errors.ts';

const FORMAT = /^v1:([A-Za-z0-9+/]{16}):([A-Za-z0-9+/]+={0,2})$/;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The row a value belongs to; it is bound to the ciphertext. */
export interface EnvValueOwner {
  functionId: string;
  key: string;
}

/** Seals and opens env var values with one key. */
export interface EnvCipher {
  seal(value: string, owner: EnvValueOwner): string;
  /** The plaintext; ConflictError when the value does not decrypt with this key. */
  open(stored: string, owner: EnvValueOwner): string;
  /** Whether a stored value has the sealed format (it may still fail to open). */
  isSealed(stored: string): boolean;
  /** The byte length of a stored value's plaintext, without opening it. */
  measure(stored: string): number;
}

/** Creates the cipher for a 32-byte key. */
export function createEnvCipher(key: Uint8Array): EnvCipher {
  if (key.byteLength !== 32) {
    throw new RangeError(`Expected a 32-byte env key, got ${key.byteLength} bytes`);
  }
  return {
    seal(value, owner) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(associatedData(owner));
      const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      const sealed = Buffer.concat([body, cipher.getAuthTag()]);
      return `v1:${nonce.toString('base64')}:${sealed.toString('base64')}`;
    },
    open(stored, owner) {
      const match = FORMAT.exec(stored);
      const sealed = match ? Buffer.from(match[2] ?? '', 'base64') : Buffer.alloc(0);
      if (!match || sealed.byteLength < TAG_BYTES) throw unreadable(owner);
      try {
        const nonce = Buffer.from(match[1] ?? '', 'base64');
        const decipher = createDecipheriv('aes-256-gcm', key, nonce);
        decipher.setAAD(associatedData(owner));
        decipher.setAuthTag(sealed.subarray(sealed.byteLength - TAG_BYTES));
        const body = sealed.subarray(0, sealed.byteLength - TAG_BYTES);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      } catch {
        throw unreadable(owner);
      }
    },
    isSealed(stored) {
      return FORMAT.test(stored);
    },
    measure(stored) {
      const match = FORMAT.exec(stored);
      if (!match) return Buffer.byteLength(stored);
      return Math.max(0, Buffer.byteLength(match[2] ?? '', 'base64') - TAG_BYTES);
    },
  };
}

function associatedData(owner: EnvValueOwner): Buffer {
  return Buffer.from(`dart_cloud env v1\0${owner.functionId}\0${owner.key}`, 'utf8');
}

function unreadable(owner: EnvValueOwner): ConflictError {
  return new ConflictError(
    `The value of ${owner.key} cannot be decrypted with this server's env key (was env.key in the data directory replaced?); restore the key or set the variable again`,
  );
}
