/** A fresh app on a temporary data directory with the fake platform, driven with `app.handle()`. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/client.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { ServiceContext } from '../../src/functions/context.ts';
import { createEnvCipher } from '../../src/functions/env-cipher.ts';
import { createApp } from '../../src/server/app.ts';
import type { RateLimits } from '../../src/server/rate-limit.ts';
import { createFakeRuntime, createFakeToolchain } from './fake-platform.ts';

/** What a request in a test may carry. */
export interface TestRequest {
  token?: string;
  json?: unknown;
  body?: string | FormData | Uint8Array;
  headers?: Record<string, string>;
}

/** A test app and ways to talk to it. */
export interface TestApp {
  services: ServiceContext;
  runtime: ReturnType<typeof createFakeRuntime>;
  request(method: string, path: string, init?: TestRequest): Promise<Response>;
  /** Sends a request as built, for bodies `request` cannot express (streams). */
  handle(request: Request): Promise<Response>;
  /** Registers an account and answers its token. */
  register(email?: string, password?: string): Promise<string>;
  /** Deploys a fake package (its text decides the build) and answers the response. */
  deploy(token: string, fields: Record<string, string>, archive?: string): Promise<Response>;
  close(): Promise<void>;
}

/** Creates a test app; close it after the test. */
export async function createTestApp(
  options: { allowSignup?: boolean; rateLimits?: RateLimits; trustProxy?: boolean } = {},
): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dart-cloud-test-'));
  const db = openDatabase(join(dataDir, 'db.sqlite'));
  const runtime = createFakeRuntime();
  const services: ServiceContext = {
    db,
    dataDir,
    toolchain: createFakeToolchain(),
    runtime,
    logger: Object.assign(createLogger('test'), { level: -999 }),
    envCipher: createEnvCipher(randomBytes(32)),
    allowSignup: options.allowSignup ?? false,
    now: () => Date.now(),
  };
  const app = createApp({
    services,
    secret: 'test-secret-0123456789abcdef0123456789abcdef',
    version: '0.1.0',
    // Suites make more requests than the seed's limits allow; rate-limit tests pass their own.
    rateLimits: options.rateLimits ?? { perMinute: 100_000, perHour: 1_000_000 },
    trustProxy: options.trustProxy === true,
  });

  const request: TestApp['request'] = (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    return app.handle(new Request(`http://localhost${path}`, { method, headers, body }));
  };

  return {
    services,
    runtime,
    request,
    handle: (raw) => app.handle(raw),
    async register(email = 'dev@example.com', password = 'correct-horse') {
      const response = await request('POST', '/api/auth/register', { json: { email, password } });
      const body = (await response.json()) as { token: string };
      return body.token;
    },
    deploy(token, fields, archive = 'ok') {
      const form = new FormData();
      for (const [key, value] of Object.entries(fields)) form.set(key, value);
      form.set('archive', new Blob([archive]), 'function.tar.gz');
      return request('POST', '/api/functions/deploy', { token, body: form });
    },
    async close() {
      db.$client.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
