import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { ConflictError, UnauthorizedError } from '../../src/core/errors.ts';
import { apiKeys, users } from '../../src/db/schema.ts';
import { registerAccount } from '../../src/functions/accounts.ts';
import {
  deriveSigningMaster,
  parseApiKey,
  renderApiKey,
} from '../../src/functions/api-key-secrets.ts';
import {
  createApiKey,
  listApiKeys,
  MAX_API_KEYS_PER_ACCOUNT,
  verifyBearerKey,
} from '../../src/functions/api-keys.ts';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

const signingMaster = deriveSigningMaster('server-secret-0123456789abcdef0123456789abcdef');

let t: TestApp;
let ownerId: string;
beforeEach(async () => {
  t = await createTestApp();
  const account = await registerAccount(t.services, {
    email: 'a@example.com',
    password: 'correct-horse',
  });
  ownerId = account.id;
});
afterEach(() => t.close());

const create = (input: Record<string, unknown> = {}) =>
  createApiKey(t.services, { ownerId, input, signingMaster });

describe('API key text', () => {
  test('a rendered key parses back into its id and secret', () => {
    const parts = { id: `key_${'ab'.repeat(12)}`, secret: 'c'.repeat(64) };
    expect(parseApiKey(renderApiKey(parts))).toEqual(parts);
  });

  test('text that is not exactly a key does not parse', () => {
    const good = renderApiKey({ id: `key_${'ab'.repeat(12)}`, secret: 'c'.repeat(64) });
    for (const bad of [`${good}0`, good.toUpperCase(), ` ${good}`, 'dck_', good.slice(0, -1)]) {
      expect(parseApiKey(bad)).toBeNull();
    }
  });
});

describe('API keys', () => {
  test('a bearer key verifies, and a second key has another secret', () => {
    const first = create({ scope: 'full' });
    const second = create();
    const verified = verifyBearerKey(t.services, first.key);
    expect(verified).toMatchObject({ id: first.row.id, scope: 'full' });
    expect(parseApiKey(first.key)?.secret).not.toBe(parseApiKey(second.key)?.secret);
  });

  test('a key verifies only with its exact secret', () => {
    const { key } = create();
    const flipped = key.slice(0, -1) + (key.endsWith('0') ? '1' : '0');
    expect(() => verifyBearerKey(t.services, flipped)).toThrow(UnauthorizedError);
  });

  test('the default scope is invoke, and no expiry', () => {
    expect(create().row).toMatchObject({ scope: 'invoke', expiresAt: null, signed: false });
  });

  test('an account holds at most 100 keys that are not revoked', () => {
    for (let n = 0; n < MAX_API_KEYS_PER_ACCOUNT; n++) create();
    expect(() => create()).toThrow(ConflictError);
  });

  test('deleting an account deletes its keys', () => {
    create();
    create({ signed: true });
    expect(listApiKeys(t.services, ownerId)).toHaveLength(2);
    t.services.db.delete(users).where(eq(users.id, ownerId)).run();
    expect(t.services.db.select().from(apiKeys).all()).toEqual([]);
  });
});
