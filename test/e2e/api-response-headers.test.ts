/** A function's response headers on the compiled server: bad ones refused, text typed. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  callApi,
  deployFixture,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

let server: CompiledServer;
let token: string;

beforeAll(async () => {
  server = await startCompiledServer();
  token = await registerAccount(server.url);
  await deployFixture(server.url, token, { name: 'fn' });
}, 30_000);
afterAll(() => server.stop());

const respond = (headers: Record<string, string>, body = 'hi') => ({
  action: 'respond',
  status: 200,
  headers,
  body,
});

const BAD_HEADERS: [string, Record<string, string>, string][] = [
  ['a space in a name', { 'x bad': '1' }, '"x bad"'],
  ['a newline in a value', { 'x-split': 'a\r\nset-cookie: b' }, '"x-split"'],
  ['a character outside Latin-1', { 'x-emoji': 'snow ☃' }, '"x-emoji"'],
];

describe('response headers on the compiled server', () => {
  for (const [what, headers, named] of BAD_HEADERS) {
    test(`invoke answers 502 invalid_response for ${what}`, async () => {
      const { status, body } = await callApi(server.url, {
        method: 'POST',
        path: '/api/functions/fn/invoke',
        token,
        json: { body: respond(headers) },
      });

      expect(status).toBe(502);
      expect(body.status).toBe('invalid_response');
      expect(String(body.details)).toContain(named);
    });

    test(`the function URL answers 502 for ${what} and records invalid_response`, async () => {
      const response = await fetch(`${server.url}/functions/fn`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(respond(headers)),
      });
      const body = (await response.json()) as { details: string };

      expect(response.status).toBe(502);
      expect(body.details).toContain(named);
      const id = response.headers.get('x-dart-cloud-execution-id');
      const executions = await callApi(server.url, {
        path: '/api/functions/fn/executions',
        token,
      });
      const recorded = (executions.body.executions as { id: string; status: string }[]).find(
        (execution) => execution.id === id,
      );
      expect(recorded?.status).toBe('invalid_response');
    });
  }

  test('a text body without a content type goes out as text/plain; charset=utf-8', async () => {
    const response = await fetch(`${server.url}/functions/fn`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(respond({}, 'plain words')),
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe('plain words');
  });
});
