import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  BINARY,
  callApi,
  deployArchive,
  packFixture,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

const ROOT = join(import.meta.dir, '..', '..');
const MiB = 1024 * 1024;

let server: CompiledServer;
let token: string;
beforeAll(async () => {
  server = await startCompiledServer();
  token = await registerAccount(server.url);
  const deployed = await deployArchive(server.url, token, {
    name: 'fn',
    archive: await packFixture('test_function'),
  });
  expect(deployed.status).toBe(201);
}, 30_000);
afterAll(() => server.stop());

/** Writes raw bytes to the server and answers the status line and body it sends back. */
function rawRequest(head: string, body: Uint8Array | string = ''): Promise<string> {
  const port = Number(new URL(server.url).port);
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      socket.write(body);
    });
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (/\r\n\r\n[\s\S]*\}$/.test(answer)) socket.destroy();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
  });
}

describe('huge bodies on the compiled server', () => {
  test('a declared 10 GiB body answers 413 with an error body before any of it is read', async () => {
    for (const path of ['/api/auth/login', '/api/functions/deploy', '/api/functions/fn/invoke']) {
      const answer = await rawRequest(
        `POST ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${10 * 1024 * MiB}\r\n\r\n`,
        '{"a":',
      );
      expect(answer).toStartWith('HTTP/1.1 413');
      expect(answer).toContain('"error":"Payload too large"');
    }
  });

  test('a streamed body without a length is cut off at its cap with 413', async () => {
    for (const [path, cap] of [
      ['/api/auth/login', 1],
      ['/api/functions/fn/invoke', 6],
      ['/functions/fn', 6],
    ] as const) {
      let sent = 0;
      const chunk = new Uint8Array(MiB).fill(0x20);
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          sent++;
          if (sent > 200) controller.close();
          else controller.enqueue(chunk);
        },
      });
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
      expect({ path, status: response.status }).toEqual({ path, status: 413 });
      expect(((await response.json()) as { details: string }).details).toContain(`${cap} MiB`);
      expect(sent).toBeLessThan(100);
    }
  });

  test('an archive over 64 MiB answers 413 naming the archive cap', async () => {
    const response = await deployArchive(server.url, token, {
      name: 'fn',
      archive: new Uint8Array(65 * MiB),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { details: string }).details).toContain('archive');
  });
});

describe('hostile JSON on the compiled server', () => {
  test('100,000 nested arrays answer 400 quickly and the server stays up', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    for (const path of ['/api/auth/login', '/api/functions/fn/invoke', '/api/functions/fn/env/K']) {
      const started = performance.now();
      const answer = await callApi(server.url, {
        method: path.includes('/env/') ? 'PUT' : 'POST',
        path,
        token,
        body: deep,
        headers: { 'content-type': 'application/json' },
      });
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      expect(answer.body.details).toContain('nested at most 64 levels');
      expect(performance.now() - started).toBeLessThan(2000);
    }
    expect((await callApi(server.url, { path: '/api/health' })).status).toBe(200);
  });

  test('a deeply nested function URL body reaches the function as text, not as a crash', async () => {
    const deep = `{"action":"echo","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const response = await fetch(`${server.url}/functions/fn`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: deep,
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { echo: unknown }).echo).toBe(deep);
  });

  test('a repeated limit query parameter answers 400 on the compiled server', async () => {
    const response = await callApi(server.url, { path: '/api/functions?limit=abc&limit=1', token });
    expect({ status: response.status, body: response.body }).toEqual({
      status: 400,
      body: { error: 'Invalid request', details: 'Expected one limit query parameter, got 2' },
    });
  });

  test('a NUL in an env value answers 400 instead of failing the next execution', async () => {
    const answer = await callApi(server.url, {
      method: 'PUT',
      path: '/api/functions/fn/env/K',
      token,
      json: { value: 'a\u0000b' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.details).toContain('NUL');
  });
});

describe('reserved env var names at every entry', () => {
  test('deploy env JSON and env set refuse reserved names on the compiled server', async () => {
    for (const key of ['PATH', 'HOME', 'DART_CLOUD_FRAME', 'FUNCTION_INPUT']) {
      const deploy = await deployArchive(server.url, token, {
        name: 'fn',
        archive: await packFixture('test_function'),
        fields: { env: JSON.stringify({ [key]: '/tmp' }) },
      });
      expect(deploy.status).toBe(400);
      const set = await callApi(server.url, {
        method: 'PUT',
        path: `/api/functions/fn/env/${key}`,
        token,
        json: { value: '/tmp' },
      });
      expect(set.body).toEqual({
        error: 'Invalid request',
        details: `The env var name '${key}' is reserved by the platform; choose another name`,
      });
    }
  });

  test('the CLI refuses a reserved --env name before uploading anything', async () => {
    const proc = Bun.spawn(
      [BINARY, 'deploy', join(ROOT, 'test', 'fixtures', 'test_function'), '--env', 'HOME=/x'],
      { env: { ...process.env, DART_CLOUD_SERVER: server.url }, stdout: 'pipe', stderr: 'pipe' },
    );
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(code).toBe(2);
    expect(stderr).toContain("The env var name 'HOME' is reserved by the platform");
  });
});
