import { describe, expect, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { signToken, verifyToken } from '../../src/server/token.ts';

const secret = 'a'.repeat(64);
const now = 1_700_000_000_000;
const claims = { sub: 'usr_1', jti: 'jti-1', iat: now / 1000, exp: now / 1000 + 60 };

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with any header and payload, signed with HMAC-`hash` under `key`. */
function forge(options: {
  header: unknown;
  payload: unknown;
  key?: string;
  hash?: string;
}): string {
  const input = `${b64(options.header)}.${b64(options.payload)}`;
  const mac = createHmac(options.hash ?? 'sha256', options.key ?? secret)
    .update(input)
    .digest('base64url');
  return `${input}.${mac}`;
}

const verify = (token: string, at = now) => verifyToken({ secret, token, now: at });

describe('session tokens', () => {
  test('a signed token verifies and gives its claims back', () => {
    const token = signToken({ secret, claims });
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    expect(verify(token)).toEqual({ ok: true, claims });
  });

  test('a token at or past its expiry is expired, not invalid', () => {
    const token = signToken({ secret, claims });
    expect(verify(token, claims.exp * 1000)).toEqual({ ok: false, reason: 'expired' });
    expect(verify(token, claims.exp * 1000 - 1).ok).toBe(true);
  });

  test('a token naming any algorithm but HS256 is invalid, even with a valid HMAC', () => {
    for (const [alg, hash] of [
      ['HS512', 'sha512'],
      ['HS384', 'sha384'],
      ['RS256', 'sha256'],
      ['hs256', 'sha256'],
      ['none', 'sha256'],
    ] as const) {
      expect(verify(forge({ header: { alg, typ: 'JWT' }, payload: claims, hash }))).toEqual({
        ok: false,
        reason: 'invalid',
      });
    }
    const unsigned = `${b64({ alg: 'none' })}.${b64(claims)}.`;
    expect(verify(unsigned).ok).toBe(false);
    expect(verify(forge({ header: { typ: 'JWT' }, payload: claims })).ok).toBe(false);
  });

  test('a wrong key, a changed payload or a truncated signature is invalid', () => {
    const header = { alg: 'HS256', typ: 'JWT' };
    expect(verify(forge({ header, payload: claims, key: 'b'.repeat(64) })).ok).toBe(false);
    const [h, , s] = signToken({ secret, claims }).split('.');
    expect(verify(`${h}.${b64({ ...claims, sub: 'usr_2' })}.${s}`).ok).toBe(false);
    expect(verify(`${h}.${b64(claims)}.${s!.slice(0, 20)}`).ok).toBe(false);
  });

  test('an expired token with a bad signature is invalid, so expiry leaks nothing', () => {
    const old = { ...claims, exp: 1 };
    expect(verify(forge({ header: { alg: 'HS256' }, payload: old, key: 'wrong' }))).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect(verify(forge({ header: { alg: 'HS256' }, payload: old })).ok).toBe(false);
  });

  test('missing or wrong-typed claims are invalid even when signed', () => {
    const header = { alg: 'HS256', typ: 'JWT' };
    const { exp: _exp, ...withoutExp } = claims;
    for (const payload of [
      withoutExp,
      { ...claims, exp: '9999999999' },
      { ...claims, sub: 42 },
      { ...claims, jti: '' },
      [claims],
      'text',
    ]) {
      expect(verify(forge({ header, payload }))).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(verify(forge({ header: { ...header, typ: 'JWE' }, payload: claims })).ok).toBe(false);
    expect(verify(forge({ header: { ...header, crit: ['b64'] }, payload: claims })).ok).toBe(false);
  });

  test('malformed tokens are invalid without throwing', () => {
    for (const token of [
      '',
      'abc',
      'a.b',
      'a.b.c.d',
      '..',
      'a+b.c/d.e=f',
      `${b64({ alg: 'HS256' })}.!!!.abc`,
      `${Buffer.from('{not json').toString('base64url')}.${b64(claims)}.abc`,
    ]) {
      expect(verify(token)).toEqual({ ok: false, reason: 'invalid' });
    }
  });
});
