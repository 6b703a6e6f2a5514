import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ApiClient } from '../../src/client/api-client.ts';
import { ApiError, ServerUnreachableError } from '../../src/client/errors.ts';

interface Seen {
  method: string;
  path: string;
  search: string;
  authorization: string | null;
  form?: Record<string, string>;
  json?: unknown;
}

let server: ReturnType<typeof Bun.serve>;
let seen: Seen[] = [];

beforeAll(() => {
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const entry: Seen = {
        method: request.method,
        path: url.pathname,
        search: url.search,
        authorization: request.headers.get('authorization'),
      };
      seen.push(entry);
      if (url.pathname === '/api/functions/deploy') {
        const form = await request.formData();
        const archive = form.get('archive');
        entry.form = {
          name: String(form.get('name')),
          env: String(form.get('env')),
          memory: String(form.get('memory')),
          timeout: String(form.get('timeout')),
          archive: archive instanceof Blob ? String(archive.size) : 'missing',
        };
        return Response.json(
          { id: 'f1', name: 'hello', status: 'deployed', url: 'u', version: 1 },
          { status: 201 },
        );
      }
      if (url.pathname === '/api/functions/missing') {
        return Response.json(
          { error: 'Not found', details: 'Function not found' },
          { status: 404 },
        );
      }
      if (url.pathname === '/api/functions/slow/invoke') {
        return Response.json(
          {
            execution_id: 'e1',
            status: 'timeout',
            result: null,
            duration_ms: 1000,
            error: 'Timed out',
            details: 'd',
          },
          { status: 504 },
        );
      }
      if (url.pathname === '/api/functions/busy/invoke') {
        return Response.json(
          { error: 'Too many requests', details: 'Ten at a time' },
          { status: 429, headers: { 'retry-after': '3' } },
        );
      }
      if (url.pathname === '/api/health')
        return new Response('<html>', { status: 502, headers: { 'content-type': 'text/html' } });
      if (url.pathname.startsWith('/api/functions/a%2Fb')) return Response.json({ ok: true });
      if (request.method === 'PUT') entry.json = await request.json();
      return Response.json({ echo: url.pathname });
    },
  });
});

afterAll(() => server.stop(true));

const base = (): string => `http://127.0.0.1:${server.port}`;

describe('ApiClient', () => {
  test('sends the bearer token and query parameters', async () => {
    seen = [];
    const client = new ApiClient({ baseUrl: `${base()}/`, token: 'tok' });
    await client.listFunctions({ limit: 5, offset: undefined });
    expect(seen[0]).toMatchObject({
      method: 'GET',
      path: '/api/functions',
      search: '?limit=5',
      authorization: 'Bearer tok',
    });
  });

  test('uploads a deploy as multipart with the archive, env, memory and timeout', async () => {
    seen = [];
    const client = new ApiClient({ baseUrl: base(), token: 'tok' });
    const answer = await client.deploy({
      name: 'hello',
      archive: new Uint8Array([1, 2, 3]),
      env: { A: '1' },
      memory: 1024,
      timeout: 60,
    });
    expect(answer.id).toBe('f1');
    expect(seen[0]?.form).toEqual({
      name: 'hello',
      env: '{"A":"1"}',
      memory: '1024',
      timeout: '60',
      archive: '3',
    });
  });

  test('escapes function names and keys in paths', async () => {
    seen = [];
    const client = new ApiClient({ baseUrl: base(), token: 'tok' });
    await client.setEnv({ id: 'a/b', key: 'K', value: 'v' });
    expect(seen[0]?.path).toBe('/api/functions/a%2Fb/env/K');
  });

  test('throws ApiError with the status, title, details and the function addressed', async () => {
    const client = new ApiClient({ baseUrl: base(), token: 'tok' });
    const error = await client.getFunction({ id: 'missing' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 404,
      error: 'Not found',
      details: 'Function not found',
      functionRef: 'missing',
    });
  });

  test('answers a timed-out execution as a result rather than an error', async () => {
    const client = new ApiClient({ baseUrl: base(), token: 'tok' });
    const execution = await client.invoke({ id: 'slow', request: {} });
    expect(execution.status).toBe('timeout');
  });

  test('reads Retry-After on 429', async () => {
    const client = new ApiClient({ baseUrl: base(), token: 'tok' });
    const error = await client
      .invoke({ id: 'busy', request: {} })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 3 });
  });

  test('names a body that is not a dart_cloud error as such', async () => {
    const client = new ApiClient({ baseUrl: base() });
    const error = await client.health().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
  });

  test('throws ServerUnreachableError naming the address when nothing listens', async () => {
    const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
    const port = probe.port;
    await probe.stop(true);

    const client = new ApiClient({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await client.health().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toContain(`http://127.0.0.1:${port}`);
    expect((error as Error).message).toContain('dart_cloud serve');
  });
});
