/** Signed invocation on the compiled server: HMAC over timestamp and body, window and replays. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  callApi,
  deployFixture,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

let server: CompiledServer;
let token: string;
let keyId: string;
let secret: string;
let fullKey: string;

beforeAll(async () => {
  server = await startCompiledServer();
  token = await registerAccount(server.url);
  await deployFixture(server.url, token, { name: 'fn' });

  const created = await callApi(server.url, {
    method: 'POST',
    path: '/api/keys',
    token,
    json: { name: 'webhook', signed: true },
  });
  expect(created.body).toMatchObject({ signed: true, scope: 'invoke' });
  fullKey = created.body.key;
  const match = /^dck_(key_[0-9a-f]{24})_([0-9a-f]{64})$/.exec(fullKey);
  keyId = match?.[1] ?? '';
  secret = match?.[2] ?? '';
});
afterAll(() => server.stop());

const now = () => Math.floor(Date.now() / 1000);

function signatureHeaders(body: string, options: { timestamp?: number; key?: string } = {}) {
  const timestamp = String(options.timestamp ?? now());
  const digest = createHmac('sha256', options.key ?? secret)
    .update(`${timestamp}.${body}`)
    .digest('hex');
  return {
    'x-dartcloud-key': keyId,
    'x-dartcloud-timestamp': timestamp,
    'x-dartcloud-signature': `sha256=${digest}`,
  };
}

function signedInvoke(body: string, headers: Record<string, string>) {
  return callApi(server.url, {
    method: 'POST',
    path: '/api/functions/fn/invoke',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

describe('signed invocation on the compiled server', () => {
  test('a good signature invokes through the API', async () => {
    const body = JSON.stringify({ body: { action: 'echo', n: 1 } });
    const answer = await signedInvoke(body, signatureHeaders(body));
    expect(answer.status).toBe(200);
    expect(answer.body.result.echo).toEqual({ action: 'echo', n: 1 });
  });

  test('a good signature invokes a function URL, with a body and without one', async () => {
    const body = JSON.stringify({ action: 'echo', via: 'url' });
    const post = await callApi(server.url, {
      method: 'POST',
      path: '/functions/fn/hook?x=1',
      body,
      headers: { 'content-type': 'application/json', ...signatureHeaders(body) },
    });
    expect(post.status).toBe(200);
    expect(post.body).toMatchObject({ echo: { via: 'url' }, path: '/hook', query: { x: '1' } });

    const get = await callApi(server.url, { path: '/functions/fn', headers: signatureHeaders('') });
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ method: 'GET', path: '/' });
  });

  test('a signature over another body, or made with another secret, answers 401', async () => {
    const signedFor = JSON.stringify({ body: { amount: 1 } });
    const sent = JSON.stringify({ body: { amount: 1000 } });
    const tampered = await signedInvoke(sent, signatureHeaders(signedFor));
    expect(tampered.status).toBe(401);
    expect(tampered.body).toEqual({
      error: 'Unauthorized',
      details: expect.stringContaining('does not match'),
    });

    const wrongSecret = await signedInvoke(sent, signatureHeaders(sent, { key: 'a'.repeat(64) }));
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.details).toContain('does not match');
  });

  test('a timestamp outside the 300 s window answers 401 either way', async () => {
    const body = JSON.stringify({ body: {} });
    for (const timestamp of [now() - 301, now() + 400]) {
      const answer = await signedInvoke(body, signatureHeaders(body, { timestamp }));
      expect(answer.status).toBe(401);
      expect(answer.body.details).toContain('outside the window of 300 s');
    }
  });

  test('a replayed request answers 401 the second time', async () => {
    const body = JSON.stringify({ body: { once: true } });
    const headers = signatureHeaders(body);
    expect((await signedInvoke(body, headers)).status).toBe(200);
    const replay = await signedInvoke(body, headers);
    expect(replay.status).toBe(401);
    expect(replay.body.details).toContain('already used');
  });

  test('a signed key sent as a bearer token answers 401', async () => {
    const answer = await callApi(server.url, {
      method: 'POST',
      path: '/api/functions/fn/invoke',
      token: fullKey,
      json: { body: {} },
    });
    expect(answer.status).toBe(401);
    expect(answer.body.details).toContain('not accepted as a bearer token');
  });

  test('signature headers on a route other than invoke answer 401', async () => {
    const answer = await callApi(server.url, {
      path: '/api/functions',
      headers: signatureHeaders(''),
    });
    expect(answer.status).toBe(401);
    expect(answer.body.details).toContain('Signed requests are accepted only by');
  });

  test('a signed body over the invoke cap answers 413, and one naming an unknown key 401', async () => {
    const big = 'x'.repeat(6 * 1024 * 1024 + 1);
    const tooLarge = await signedInvoke(big, signatureHeaders(big));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error).toBe('Payload too large');

    const unknown = { ...signatureHeaders(big), 'x-dartcloud-key': `key_${'0'.repeat(24)}` };
    const refused = await signedInvoke(big, unknown);
    expect(refused.status).toBe(401);
    expect(refused.body.details).toContain('no signed key has this id');
  });

  test('missing signature headers are named in the 401', async () => {
    const body = '{}';
    const { 'x-dartcloud-signature': _, ...partial } = signatureHeaders(body);
    const answer = await signedInvoke(body, partial);
    expect(answer.status).toBe(401);
    expect(answer.body.details).toContain('missing x-dartcloud-signature');
  });

  test('the shell example of docs/rest-api.md signs a request the server accepts', async () => {
    const docs = readFileSync(join(import.meta.dir, '../../docs/rest-api.md'), 'utf8');
    const example = /## Signed requests[\s\S]*?```sh\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
    // The example's first line names a placeholder key; the test supplies a real one.
    const script = example.replace(/^KEY=.*\n/, '').replace('/hello/', '/fn/');
    expect(script).toContain('openssl dgst -sha256 -hmac');

    const child = Bun.spawn(['sh', '-c', script], {
      env: { ...process.env, URL: server.url, KEY: fullKey },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const out = await new Response(child.stdout).text();
    const err = await new Response(child.stderr).text();
    expect(await child.exited).toBe(0);
    expect(err).toBe('');
    expect(JSON.parse(out)).toMatchObject({
      status: 'success',
      result: { echo: { name: 'Dart' } },
    });
  });
});
