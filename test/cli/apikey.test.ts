import { describe, expect, test } from 'bun:test';
import type { CreatedApiKey } from '../../src/client/types.ts';
import {
  parseLifetimeSeconds,
  renderApiKeyList,
  renderCreatedNote,
} from '../../src/cli/commands/apikey.ts';
import { ValidationError } from '../../src/core/errors.ts';

const created: CreatedApiKey = {
  id: 'key_3f9c2a1b7d4e5f60a1b2c3d4',
  name: 'ci',
  scope: 'invoke',
  signed: false,
  status: 'active',
  created_at: '2026-01-01T00:00:00.000Z',
  expires_at: null,
  last_used_at: null,
  revoked_at: null,
  key: `dck_key_3f9c2a1b7d4e5f60a1b2c3d4_${'a'.repeat(64)}`,
};

describe('apikey command', () => {
  test('--expires takes durations and rounds up to whole seconds', () => {
    expect(parseLifetimeSeconds('30d')).toBe(30 * 86_400);
    expect(parseLifetimeSeconds('1h30m')).toBe(5_400);
    expect(parseLifetimeSeconds('1500ms')).toBe(2);
    expect(() => parseLifetimeSeconds('soon')).toThrow(ValidationError);
  });

  test('an empty list says how to create the first key', () => {
    expect(renderApiKeyList([])).toContain('dart_cloud apikey create');
  });

  test('the list shows never for a key without expiry or use, and no secret', () => {
    const table = renderApiKeyList([created]);
    expect(table).toMatch(/key_3f9c2a1b7d4e5f60a1b2c3d4\s+ci\s+invoke\s+no\s+active/);
    expect(table).toMatch(/never\s+never$/);
    expect(table).not.toContain('a'.repeat(64));
  });

  test('the note on a signed key names its headers and that it is no bearer token', () => {
    const note = renderCreatedNote({ ...created, signed: true });
    expect(note).toContain('X-DartCloud-Key: key_3f9c2a1b7d4e5f60a1b2c3d4');
    expect(note).toContain('refused as a bearer token');
    expect(renderCreatedNote(created)).toContain('never expires');
  });
});
