import { describe, expect, test } from 'bun:test';
import { resolveClientAddress } from '../../src/server/client-address.ts';

const peer = { requestIP: () => ({ address: '127.0.0.1' }) };
const request = (forwarded?: string) =>
  new Request('http://localhost/', {
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  });

describe('client address', () => {
  test('without trustProxy the peer is the client, whatever X-Forwarded-For says', () => {
    const address = resolveClientAddress({
      request: request('203.0.113.9'),
      server: peer,
      trustProxy: false,
    });
    expect(address).toBe('127.0.0.1');
  });

  test('with trustProxy the last forwarded address is the client', () => {
    const cases: [forwarded: string, client: string][] = [
      ['203.0.113.9', '203.0.113.9'],
      ['198.51.100.1, 203.0.113.9', '203.0.113.9'],
      ['spoofed,203.0.113.9 ', '203.0.113.9'],
      ['2001:db8::1', '2001:db8::1'],
    ];
    for (const [forwarded, expected] of cases) {
      const address = resolveClientAddress({
        request: request(forwarded),
        server: peer,
        trustProxy: true,
      });
      expect({ forwarded, address }).toEqual({ forwarded, address: expected });
    }
  });

  test('with trustProxy a missing or garbled header falls back to the peer', () => {
    for (const forwarded of [undefined, '', 'not-an-ip', '203.0.113.9, ', '1.2.3.4:80']) {
      const address = resolveClientAddress({
        request: request(forwarded),
        server: peer,
        trustProxy: true,
      });
      expect({ forwarded, address }).toEqual({ forwarded, address: '127.0.0.1' });
    }
  });

  test('with no server (in-process requests) the address is local', () => {
    expect(resolveClientAddress({ request: request(), server: null, trustProxy: false })).toBe(
      'local',
    );
  });
});
