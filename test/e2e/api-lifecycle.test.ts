import { describe, expect, test } from 'bun:test';
import {
  callApi,
  deployArchive,
  packFixture,
  registerAccount,
  startCompiledServer,
} from '../helpers/compiled-server.ts';

describe('API server lifecycle on the compiled server', () => {
  test('stopping the server interrupts a running invocation with 502 and exits within seconds', async () => {
    const server = await startCompiledServer();
    const token = await registerAccount(server.url);
    await deployArchive(server.url, token, {
      name: 'fn',
      archive: await packFixture('test_function'),
    });

    const pending = callApi(server.url, {
      method: 'POST',
      path: '/api/functions/fn/invoke',
      token,
      json: { body: { action: 'sleep', ms: 20_000 } },
    });
    await Bun.sleep(500);
    const started = Date.now();
    const stopping = server.stop();
    const answer = await pending;
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ status: 'interrupted', result: null });
    await stopping;
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  test('a restart on the same data directory keeps accounts, tokens, functions and history', async () => {
    const first = await startCompiledServer();
    const token = await registerAccount(first.url);
    await deployArchive(first.url, token, {
      name: 'fn',
      archive: await packFixture('test_function'),
    });
    const run = await callApi(first.url, {
      method: 'POST',
      path: '/api/functions/fn/invoke',
      token,
      json: { body: { action: 'echo' } },
    });
    await first.stop({ keepData: true });

    const second = await startCompiledServer({ dataDir: first.dataDir });
    try {
      expect((await callApi(second.url, { path: '/api/auth/me', token })).status).toBe(200);
      const again = await callApi(second.url, {
        method: 'POST',
        path: '/api/functions/fn/invoke',
        token,
        json: { body: { action: 'echo' } },
      });
      expect(again.status).toBe(200);
      const history = await callApi(second.url, { path: '/api/functions/fn/executions', token });
      expect(history.body.executions.map((e: { id: string }) => e.id)).toContain(
        run.body.execution_id,
      );
      const signup = await callApi(second.url, {
        method: 'POST',
        path: '/api/auth/register',
        json: { email: 'late@example.com', password: 'correct-horse' },
      });
      expect(signup.status).toBe(403);
    } finally {
      await second.stop();
    }
  });
});
