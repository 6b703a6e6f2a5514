import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { callApi } from '../helpers/compiled-server.ts';
import { host, startSandboxWorld, type SandboxWorld } from './sandbox-harness.ts';

// Each test starts or drives servers and their executions; a busy host is slower.
setDefaultTimeout(30_000);

let wide: SandboxWorld;
let narrow: SandboxWorld;

beforeAll(async () => {
  [wide, narrow] = await Promise.all([
    startSandboxWorld({ functions: { busy: { fields: { timeout: '10' } }, free: {} } }),
    startSandboxWorld({
      functions: { fn: { fields: { timeout: '1', memory: '128' } } },
      args: ['--max-concurrency', '1'],
    }),
  ]);
});
afterAll(() => Promise.all([wide.server.stop(), narrow.server.stop()]));

async function runningCount(world: SandboxWorld, name: string): Promise<number> {
  const list = await callApi(world.server.url, {
    path: `/api/functions/${name}/executions?limit=100`,
    token: world.token,
  });
  return list.body.executions.filter((e: { status: string }) => e.status === 'running').length;
}

describe('concurrency on the compiled server', () => {
  test("of 11 concurrent sleeps the eleventh answers 429 with the seed's error shape and Retry-After", async () => {
    const calls = Array.from({ length: 11 }, () =>
      wide.invoke('busy', { action: 'sleep', ms: 2_500 }),
    );
    await wide.waitForRunning('busy', 10);
    expect(await runningCount(wide, 'busy')).toBe(10);
    const other = await wide.invoke('free', { action: 'echo' });
    expect(other.status).toBe(200);

    const answers = await Promise.all(calls);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(10);
    expect(refused[0]?.body).toEqual({
      error: 'Too many requests',
      details: expect.stringContaining('maximum of 10 concurrent executions'),
    });
    const retryAfter = refused[0]?.headers.get('retry-after') ?? '';
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);

    const later = await wide.invoke('busy', { action: 'echo' });
    expect(later.status).toBe(200);
  });

  test('a server started with --max-concurrency 1 refuses a second concurrent execution', async () => {
    const first = narrow.invoke('fn', { action: 'sleep', ms: 600 });
    await narrow.waitForRunning('fn');
    const second = await narrow.invoke('fn', { action: 'echo' });
    expect(second.status).toBe(429);
    expect(second.body.details).toContain('maximum of 1 concurrent executions');
    expect((await first).status).toBe(200);
  });

  test('a slot is released whatever way an execution ends', async () => {
    const endings: [string, unknown, string][] = [
      ['success', { action: 'echo' }, 'success'],
      ['error', { action: 'throw', message: 'boom' }, 'error'],
      ['timeout', { action: 'sleep', ms: 5_000 }, 'timeout'],
      ['crash', { action: 'exit', code: 3 }, 'crashed'],
      ['response cap', { action: 'big', mb: 8 }, 'response_too_large'],
    ];
    if (host.memory) endings.push(['out of memory', { action: 'alloc', mb: 256 }, 'out_of_memory']);

    for (const [way, body, status] of endings) {
      const ended = await narrow.invoke('fn', body);
      expect({ way, status: ended.body.status }).toEqual({ way, status });
      const next = await narrow.invoke('fn', { action: 'echo' });
      expect({ way, next: next.status }).toEqual({ way, next: 200 });
    }
  });
});
