import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { UnauthorizedError } from '../../src/core/errors.ts';
import { registerAccount } from '../../src/functions/accounts.ts';
import {
  deriveSigningMaster,
  parseApiKey,
  signRequestBody,
} from '../../src/functions/api-key-secrets.ts';
import { createApiKey, revokeApiKey } from '../../src/functions/api-keys.ts';
import {
  SIGNATURE_WINDOW_SECONDS,
  verifySignedRequest,
  type SignatureFields,
} from '../../src/functions/signed-requests.ts';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

const master = deriveSigningMaster('server-secret-0123456789abcdef0123456789abcdef');
const body = new TextEncoder().encode('{"body":{"action":"echo"}}');

let t: TestApp;
let ownerId: string;
let clock: number;
beforeEach(async () => {
  t = await createTestApp();
  clock = Date.UTC(2026, 0, 1);
  t.services.now = () => clock;
  const account = await registerAccount(t.services, {
    email: 'a@example.com',
    password: 'correct-horse',
  });
  ownerId = account.id;
});
afterEach(() => t.close());

function createKey(input: Record<string, unknown> = { signed: true }) {
  const created = createApiKey(t.services, { ownerId, input, signingMaster: master });
  const parts = parseApiKey(created.key);
  if (!parts) throw new Error(`not a key: ${created.key}`);
  return parts;
}

function sign(options: { secret: string; id: string; timestamp?: number; bytes?: Uint8Array }) {
  const timestamp = String(options.timestamp ?? Math.floor(clock / 1000));
  const bytes = options.bytes ?? body;
  const signature = signRequestBody({ secret: options.secret, timestamp, body: bytes });
  return { key: options.id, timestamp, signature: `sha256=${signature}` };
}

function verify(fields: SignatureFields, bytes = body) {
  return verifySignedRequest(t.services, {
    fields,
    readBody: async () => bytes,
    signingMaster: master,
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  return (error as Error).message;
}

describe('signed requests', () => {
  test('a good signature is accepted and answers the key that made it', async () => {
    const key = createKey();
    const row = await verify(sign(key));
    expect(row).toMatchObject({ id: key.id, signed: true, scope: 'invoke', ownerId });
  });

  test('the same signature a second time is refused as a replay', async () => {
    const key = createKey();
    const fields = sign(key);
    await verify(fields);
    expect(await refusal(verify(fields))).toContain('already used');
  });

  test('a replay is still refused after a minute, while the timestamp is in the window', async () => {
    const key = createKey();
    const fields = sign(key);
    await verify(fields);
    clock += 60_000;
    expect(await refusal(verify(fields))).toContain('already used');
  });

  test('a signature over other body bytes does not match', async () => {
    const key = createKey();
    const fields = sign(key);
    const other = new TextEncoder().encode('{"body":{"action":"echo"} }');
    expect(await refusal(verify(fields, other))).toContain('does not match');
  });

  test('a signature made with another secret does not match', async () => {
    const key = createKey();
    const fields = sign({ id: key.id, secret: 'f'.repeat(64) });
    expect(await refusal(verify(fields))).toContain('does not match');
  });

  test('timestamps beyond the window either way are refused, and its edges accepted', async () => {
    const key = createKey();
    const now = Math.floor(clock / 1000);
    const late = sign({ ...key, timestamp: now - SIGNATURE_WINDOW_SECONDS - 1 });
    const early = sign({ ...key, timestamp: now + SIGNATURE_WINDOW_SECONDS + 1 });
    expect(await refusal(verify(late))).toContain('outside the window of 300 s');
    expect(await refusal(verify(early))).toContain('outside the window');

    await verify(sign({ ...key, timestamp: now - SIGNATURE_WINDOW_SECONDS }));
    await verify(sign({ ...key, timestamp: now + SIGNATURE_WINDOW_SECONDS }));
  });

  test('a missing header is named, and malformed ones are refused', async () => {
    const key = createKey();
    const fields = sign(key);
    const missing = await refusal(verify({ ...fields, timestamp: undefined }));
    expect(missing).toContain('missing x-dartcloud-timestamp');

    expect(await refusal(verify({ ...fields, signature: fields.signature.slice(7) }))).toContain(
      'sha256=<64 hex digits>',
    );
    expect(await refusal(verify({ ...fields, timestamp: '1e9' }))).toContain('whole seconds');
    expect(await refusal(verify({ ...fields, key: 'dck_nope' }))).toContain('key id');
  });

  test('an unknown key is refused before the body is read', async () => {
    let read = false;
    const fields = sign({ id: `key_${'0'.repeat(24)}`, secret: 'a'.repeat(64) });
    const message = await refusal(
      verifySignedRequest(t.services, {
        fields,
        readBody: async () => {
          read = true;
          return body;
        },
        signingMaster: master,
      }),
    );
    expect(message).toContain('no signed key has this id');
    expect(read).toBe(false);
  });

  test('a bearer key cannot sign requests', async () => {
    const key = createKey({ scope: 'invoke' });
    expect(await refusal(verify(sign(key)))).toContain('no signed key has this id');
  });

  test('a revoked or expired signed key is refused with what happened to it', async () => {
    const revoked = createKey();
    revokeApiKey(t.services, { ownerId, id: revoked.id });
    expect(await refusal(verify(sign(revoked)))).toContain('API key revoked');

    const expiring = createKey({ signed: true, expires_in: 60 });
    clock += 61_000;
    expect(await refusal(verify(sign(expiring)))).toContain('API key expired at');
  });

  test('a signed key stops working when the server secret changes', async () => {
    const key = createKey();
    const message = await refusal(
      verifySignedRequest(t.services, {
        fields: sign(key),
        readBody: async () => body,
        signingMaster: deriveSigningMaster('another-server-secret-0123456789abcdef01234'),
      }),
    );
    expect(message).toContain('another server secret');
  });
});
