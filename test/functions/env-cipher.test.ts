import { describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { ConflictError } from '../../src/core/errors.ts';
import { createEnvCipher } from '../../src/functions/env-cipher.ts';

const owner = { functionId: 'fn_1', key: 'API_TOKEN' };

describe('env cipher', () => {
  test('a sealed value has the v1 format, hides the plaintext and opens again', () => {
    const cipher = createEnvCipher(randomBytes(32));
    const sealed = cipher.seal('s3cret-value', owner);
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]+={0,2}$/);
    expect(sealed).not.toContain('s3cret');
    expect(cipher.isSealed(sealed)).toBe(true);
    expect(cipher.open(sealed, owner)).toBe('s3cret-value');
    expect(cipher.open(cipher.seal('', owner), owner)).toBe('');
    expect(cipher.open(cipher.seal('ünï ☃', owner), owner)).toBe('ünï ☃');
  });

  test('each seal uses a fresh nonce, so equal values look different', () => {
    const cipher = createEnvCipher(randomBytes(32));
    const seals = new Set(Array.from({ length: 50 }, () => cipher.seal('same', owner)));
    expect(seals.size).toBe(50);
    const nonces = new Set([...seals].map((sealed) => sealed.split(':')[1]));
    expect(nonces.size).toBe(50);
  });

  test('a value does not open with another key, on another row or after tampering', () => {
    const cipher = createEnvCipher(randomBytes(32));
    const sealed = cipher.seal('value', owner);
    expect(() => createEnvCipher(randomBytes(32)).open(sealed, owner)).toThrow(ConflictError);
    expect(() => cipher.open(sealed, { ...owner, key: 'OTHER' })).toThrow(ConflictError);
    expect(() => cipher.open(sealed, { ...owner, functionId: 'fn_2' })).toThrow(ConflictError);
    const [v, nonce, body] = sealed.split(':') as [string, string, string];
    const flipped = Buffer.from(body, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => cipher.open(`${v}:${nonce}:${flipped.toString('base64')}`, owner)).toThrow(
      'cannot be decrypted',
    );
    expect(() => cipher.open('plain text', owner)).toThrow(ConflictError);
    expect(() => cipher.open('v1:AAAAAAAAAAAAAAAA:AAAA', owner)).toThrow(ConflictError);
  });

  test('plaintext is not mistaken for a sealed value', () => {
    const cipher = createEnvCipher(randomBytes(32));
    const plains = ['', 'v1:', 'v1:abc:def', 'postgres://u:p@h/db', 'v2:AAAAAAAAAAAAAAAA:AAAA'];
    for (const plain of plains) {
      expect(cipher.isSealed(plain)).toBe(false);
    }
  });

  test('a key that is not 32 bytes is refused', () => {
    expect(() => createEnvCipher(randomBytes(16))).toThrow('32-byte');
  });
});

describe('env cipher sizes', () => {
  test('measure answers the plaintext byte length of sealed and plain values alike', () => {
    const cipher = createEnvCipher(randomBytes(32));
    for (const value of ['', 'a', 'ünï ☃', 'x'.repeat(32 * 1024)]) {
      expect(cipher.measure(cipher.seal(value, owner))).toBe(Buffer.byteLength(value));
      expect(cipher.measure(value)).toBe(Buffer.byteLength(value));
    }
  });
});
