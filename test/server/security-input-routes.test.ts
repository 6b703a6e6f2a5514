import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { MAX_JSON_DEPTH } from '../../src/server/request.ts';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await createTestApp();
  token = await t.register();
  expect((await t.deploy(token, { name: 'fn' })).status).toBe(201);
});
afterAll(() => t.close());

/** Every route that reads a JSON body, with a body it accepts. */
const JSON_ROUTES: Array<{ method: string; path: string; auth: boolean }> = [
  { method: 'POST', path: '/api/auth/register', auth: false },
  { method: 'POST', path: '/api/auth/login', auth: false },
  { method: 'PUT', path: '/api/functions/fn/env/KEY', auth: true },
  { method: 'POST', path: '/api/functions/fn/invoke', auth: true },
];

async function expect400(response: Response, details: RegExp | string): Promise<void> {
  const body = (await response.json()) as { error: string; details: string };
  expect({ status: response.status, error: body.error }).toEqual({
    status: 400,
    error: 'Invalid request',
  });
  if (typeof details === 'string') expect(body.details).toContain(details);
  else expect(body.details).toMatch(details);
}

function send(route: { method: string; path: string; auth: boolean }, body: string) {
  return t.request(route.method, route.path, {
    ...(route.auth ? { token } : {}),
    body,
    headers: { 'content-type': 'application/json' },
  });
}

describe('hostile JSON bodies', () => {
  test('malformed JSON answers 400 on every JSON route', async () => {
    for (const route of JSON_ROUTES) {
      for (const body of ['{"a"', '{a:1}', "{'a':1}", '[1,]', '\u0000', 'nul', '{"a":1}}']) {
        await expect400(await send(route, body), 'valid JSON');
      }
    }
  });

  test('a body of the wrong JSON type answers 400 naming what came', async () => {
    for (const route of JSON_ROUTES) {
      for (const [body, got] of [
        ['[]', 'an array'],
        ['"text"', "'text'"],
        ['42', 'number 42'],
        ['null', 'null'],
        ['true', 'boolean true'],
      ] as const) {
        await expect400(await send(route, body), `got ${got}`);
      }
    }
  });

  test('an empty body answers 400, except on invoke where it means no input', async () => {
    for (const route of JSON_ROUTES.filter((route) => !route.path.endsWith('/invoke'))) {
      await expect400(await send(route, ''), /empty|Missing required field/);
    }
    expect((await send(JSON_ROUTES[3]!, '')).status).toBe(200);
  });

  test('100,000 nested arrays answer 400 at once, on every JSON route', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    for (const route of JSON_ROUTES) {
      const started = performance.now();
      await expect400(await send(route, deep), `at most ${MAX_JSON_DEPTH} levels`);
      expect(performance.now() - started).toBeLessThan(1000);
    }
    const body = `{"body":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    await expect400(await send(JSON_ROUTES[3]!, body), 'levels');
  });

  test('nesting up to the limit passes, brackets inside strings do not count', async () => {
    const nested = '['.repeat(MAX_JSON_DEPTH - 2) + ']'.repeat(MAX_JSON_DEPTH - 2);
    const invoke = JSON_ROUTES[3]!;
    expect((await send(invoke, `{"body":${nested}}`)).status).toBe(200);
    expect((await send(invoke, `{"body":"${'['.repeat(10_000)}"}`)).status).toBe(200);
  });

  test('unknown top-level fields answer 400 naming the field and the expected ones', async () => {
    const cases: Array<[number, string, string]> = [
      [0, '{"email":"a@example.com","password":"long-enough","admin":true}', "'admin'"],
      [1, '{"email":"a@example.com","password":"long-enough","remember":1}', "'remember'"],
      [2, '{"value":"v","vaule":"v"}', "'vaule'"],
      [3, '{"data":{"x":1}}', "'data'"],
    ];
    for (const [index, body, field] of cases) {
      const response = await send(JSON_ROUTES[index]!, body);
      await expect400(response, `Unknown field ${field}`);
    }
  });

  test('wrong-typed and missing fields answer 400 with what was expected', async () => {
    const [register, , env, invoke] = JSON_ROUTES as [any, any, any, any];
    const noEmail = await send(register, '{"password":"long-enough"}');
    await expect400(noEmail, 'Missing required field: email');
    await expect400(await send(register, '{"email":1,"password":"x"}'), 'email to be an address');
    await expect400(await send(register, '{"email":"a@example.com","password":[]}'), 'password');
    await expect400(await send(env, '{}'), 'to be a string, got nothing');
    await expect400(await send(env, '{"value":1}'), 'got number 1');
    await expect400(await send(env, '{"value":"a\\u0000b"}'), 'NUL');
    await expect400(await send(invoke, '{"method":"GET /x"}'), 'HTTP method');
    await expect400(await send(invoke, '{"path":"relative"}'), "starting with '/'");
    await expect400(await send(invoke, '{"headers":{"x":1}}'), 'headers.x to be a string');
    await expect400(await send(invoke, '{"query":[]}'), 'query to be a JSON object');
  });
});

describe('body sizes', () => {
  test('a declared Content-Length over the largest cap answers 413 on any route', async () => {
    for (const [method, path] of [
      ['POST', '/api/auth/login'],
      ['GET', '/api/health'],
      ['POST', '/api/functions/deploy'],
      ['POST', '/nowhere'],
    ] as const) {
      const response = await t.request(method, path, {
        token,
        body: method === 'GET' ? undefined : 'x',
        headers: { 'content-length': String(10 * 1024 ** 3) },
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({
        error: 'Payload too large',
        details: expect.stringContaining('more than any route takes'),
      });
    }
  });

  test('a streamed body without a length is cut off at the route cap with 413', async () => {
    let pulled = 0;
    const chunk = new Uint8Array(256 * 1024).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 400) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const request = new Request('http://localhost/api/auth/login', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    });
    const answer = await t.handle(request);
    expect(answer.status).toBe(413);
    // 1 MiB cap: it stops after about four 256 KiB chunks, not after all 400.
    expect(pulled).toBeLessThan(20);
  });
});
