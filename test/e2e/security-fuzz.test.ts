/**
 * Random requests to every route of the compiled server: methods, odd ids and encodings, random
 * headers, queries and bodies, with and without a valid token. Each request comes from its own
 * seeded generator, so a failure names the seed and index that reproduce it:
 * `DART_CLOUD_FUZZ_SEED=<seed> bun test test/e2e/security-fuzz.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  callApi,
  deployArchive,
  packFixture,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';
import { createRandom, type Random } from '../helpers/random.ts';

const REQUESTS = Number(process.env.DART_CLOUD_FUZZ_REQUESTS ?? 1500);
const PARALLEL = 8;
const SEED = Number(process.env.DART_CLOUD_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

let server: CompiledServer;
let token: string;
let functionId: string;

beforeAll(async () => {
  console.log(`security-fuzz seed ${SEED} (DART_CLOUD_FUZZ_SEED=${SEED} to repeat)`);
  server = await startCompiledServer();
  token = await registerAccount(server.url);
  const deployed = await deployArchive(server.url, token, {
    name: 'fn',
    archive: await packFixture('test_function'),
  });
  functionId = ((await deployed.json()) as { id: string }).id;
}, 30_000);
afterAll(() => server.stop());

/** Every route with its own method; a request uses another method a third of the time. */
const ROUTES: Array<[method: string, path: string]> = [
  ['GET', '/api/health'],
  ['POST', '/api/auth/register'],
  ['POST', '/api/auth/login'],
  ['POST', '/api/auth/logout'],
  ['GET', '/api/auth/me'],
  ['DELETE', '/api/auth/account'],
  ['POST', '/api/keys'],
  ['GET', '/api/keys'],
  ['DELETE', '/api/keys/{id}'],
  ['GET', '/api/functions'],
  ['POST', '/api/functions/deploy'],
  ['GET', '/api/functions/{fn}'],
  ['DELETE', '/api/functions/{fn}'],
  ['POST', '/api/functions/{fn}/invoke'],
  ['GET', '/api/functions/{fn}/executions'],
  ['GET', '/api/functions/{fn}/executions/{id}'],
  ['GET', '/api/functions/{fn}/logs'],
  ['GET', '/api/functions/{fn}/metrics'],
  ['GET', '/api/functions/{fn}/env'],
  ['GET', '/api/functions/{fn}/env/{key}'],
  ['PUT', '/api/functions/{fn}/env/{key}'],
  ['DELETE', '/api/functions/{fn}/env/{key}'],
  ['POST', '/functions/{fn}'],
  ['GET', '/functions/{fn}/{id}/{id}'],
  ['GET', '/{id}'],
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const QUERY_KEYS = ['limit', 'offset', 'since', 'after', 'period', 'execution_id', 'x'];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'multipart/form-data',
  'multipart/form-data; boundary=zz',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'json',
  '',
];

/** An odd path segment: real names, traversal, encodings, control bytes, long ones. */
function oddSegment(random: Random): string {
  return random.pick([
    'fn',
    functionId,
    'missing',
    'deploy',
    '..',
    '%2e%2e',
    '%2F',
    '%00',
    '%ZZ',
    '%',
    '%C3%A9',
    '%E2%80%AE',
    'PATH',
    'DART_CLOUD_FRAME',
    'KEY',
    encodeURIComponent(random.text(40)),
    'x'.repeat(random.int(1, 3000)),
    String(random.int(-10, 1e9)),
    'exe_000000000000000000000000',
  ]);
}

function oddQueryValue(random: Random): string {
  return random.pick([
    '',
    '0',
    '-1',
    '1.5',
    '1e3',
    '99999999999999999999',
    String(2 ** 53),
    'abc',
    '1h',
    '7d',
    '0000-01-01T00:00:00Z',
    '99999-01-01',
    '2025-02-30',
    new Date(random.int(0, 2 ** 42)).toISOString(),
    encodeURIComponent(random.text(12)),
  ]);
}

function oddBody(random: Random): string | Uint8Array | FormData | undefined {
  switch (random.int(0, 9)) {
    case 0:
      return undefined;
    case 1:
      return JSON.stringify(random.json(4));
    case 2:
      return random.bytes(random.int(0, 4096));
    case 3:
      return '['.repeat(random.int(50, 50_000));
    case 4:
      return JSON.stringify({ email: random.text(10), password: random.text(random.int(0, 300)) });
    case 5:
      return JSON.stringify({ value: random.json(2) });
    case 6:
      return JSON.stringify({ body: random.json(3), method: random.text(5), path: random.text(5) });
    case 7: {
      const form = new FormData();
      for (let i = random.int(0, 4); i > 0; i--) {
        const name = random.pick(['name', 'archive', 'env', 'memory', 'timeout', random.text(4)]);
        if (random.int(0, 1) === 0) form.append(name, random.text(20));
        else form.append(name, new Blob([random.bytes(random.int(0, 2048))]), 'a.tar.gz');
      }
      return form;
    }
    case 8:
      return random.text(random.int(0, 2000));
    default:
      return JSON.stringify(random.text(50));
  }
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | FormData | undefined;
}

/** Builds request number `index` from its own generator. */
function createFuzzRequest(index: number): FuzzRequest {
  const random = createRandom(SEED * 7919 + index);
  const [usual, template] = random.pick(ROUTES);
  const method = random.int(0, 2) === 0 ? random.pick(METHODS) : usual;
  const fn = () => (random.int(0, 1) === 0 ? random.pick(['fn', functionId]) : oddSegment(random));
  let path = template
    .replaceAll('{fn}', fn)
    .replaceAll('{id}', () => oddSegment(random))
    .replaceAll('{key}', () => oddSegment(random));
  const query = Array.from({ length: random.int(0, 3) }, () => {
    return `${random.pick(QUERY_KEYS)}=${oddQueryValue(random)}`;
  });
  if (query.length > 0) path += `?${query.join('&')}`;

  const headers: Record<string, string> = {};
  const auth = random.int(0, 4);
  // A valid token must not log itself out, delete its account or the function mid-run.
  const destructive =
    /^\/api\/auth\/(logout|account)/.test(path) ||
    (method === 'DELETE' && /^\/api\/functions\/[^/?]+(\?|$)/.test(path));
  if (auth <= 2 && !destructive) headers.authorization = `Bearer ${token}`;
  else if (auth === 3) {
    const garbage = encodeURIComponent(random.text(30));
    const part = () => Buffer.from(JSON.stringify(random.json(2))).toString('base64url');
    const jwtShaped = `${part()}.${part()}.${random.pick(['', garbage, token.split('.')[2]])}`;
    const forms = ['Bearer', 'Basic x', `Bearer ${garbage}`, `Bearer ${jwtShaped}`];
    headers.authorization = random.pick(forms);
  }
  const type = random.pick(CONTENT_TYPES);
  if (type) headers['content-type'] = type;
  const cookies = ['a=b', '=;;=', `x=${encodeURIComponent(random.text(8))}`];
  if (random.int(0, 5) === 0) headers.cookie = random.pick(cookies);
  if (random.int(0, 3) === 0) headers['x-forwarded-for'] = random.pick(['1.2.3.4', 'garbage', '']);
  if (random.int(0, 5) === 0) headers['content-encoding'] = 'gzip';
  if (random.int(0, 5) === 0) headers.accept = random.pick(['*/*', 'text/html', '']);

  const body = method === 'GET' || method === 'HEAD' ? undefined : oddBody(random);
  if (body instanceof FormData) delete headers['content-type'];
  return { method, path, headers, body };
}

function isInvocation(path: string): boolean {
  return /^\/api\/functions\/[^/]+\/invoke|^\/functions\//.test(path);
}

/** What is wrong with an answer, or null: no 5xx, and every error a JSON `{error, details}`. */
async function judge(request: FuzzRequest, response: Response): Promise<string | null> {
  const text = await response.text();
  if (request.method === 'HEAD' || response.status < 400) return null;
  let body: { error?: unknown; details?: unknown; execution_id?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    return `status ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`;
  }
  if (typeof body?.error !== 'string' || typeof body.details !== 'string') {
    return `status ${response.status} without string error and details: ${text.slice(0, 200)}`;
  }
  // An invocation the function itself failed (502, 504) is an answer, not a server fault.
  const functionFailed = [502, 504].includes(response.status) && isInvocation(request.path);
  if (response.status >= 500 && !(functionFailed && typeof body.execution_id === 'string')) {
    return `status ${response.status}: ${text.slice(0, 200)}`;
  }
  return null;
}

describe('random requests to every route', () => {
  test(`${REQUESTS} random requests get no 5xx and only well-formed error bodies`, async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let start = 0; start < REQUESTS; start += PARALLEL) {
      const size = Math.min(PARALLEL, REQUESTS - start);
      const batch = Array.from({ length: size }, (_, i) => start + i);
      await Promise.all(
        batch.map(async (index) => {
          const request = createFuzzRequest(index);
          const { method, path, headers, body } = request;
          let problem: string | null;
          try {
            const response = await fetch(`${server.url}${path}`, { method, headers, body });
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            problem = await judge(request, response);
          } catch (error) {
            problem = `no answer: ${String(error)}`;
          }
          if (problem) failures.push(`#${index} ${method} ${path.slice(0, 120)}: ${problem}`);
        }),
      );
    }

    console.log(`security-fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect({ seed: SEED, failures: failures.slice(0, 20) }).toEqual({ seed: SEED, failures: [] });
    expect((await callApi(server.url, { path: '/api/health' })).status).toBe(200);
    expect(server.output().includes('Unexpected error')).toBe(false);
  }, 120_000);
});
