import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { callApi, deployArchive, packFixture } from '../helpers/compiled-server.ts';
import { ROOT, startWorld, type CliWorld } from './cli-harness.ts';
import { explainSkip, host, startSandboxWorld, type SandboxWorld } from './sandbox-harness.ts';

// Each test starts or drives servers and their executions; a busy host is slower.
setDefaultTimeout(30_000);

let world: SandboxWorld;
let listener: Server;
let port = 0;

beforeAll(async () => {
  listener = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
  world = await startSandboxWorld({
    functions: { open: {}, closed: { fields: { network: 'false' } } },
  });
});
afterAll(async () => {
  listener.close();
  await world.server.stop();
});

explainSkip('the end-to-end no-network tests', 'unshare --net', host.networkNamespace);

const details = async (name: string) =>
  (await callApi(world.server.url, { path: `/api/functions/${name}`, token: world.token })).body;

/** Tries the loopback listener from a function; answers the result and the record's limits. */
async function connectFrom(name: string) {
  const { status, body } = await world.invoke(name, { action: 'connect', host: '127.0.0.1', port });
  expect(status).toBe(200);
  const record = await world.record(name, body.execution_id);
  return { result: body.result as { ok: boolean; error: string | null }, limits: record.limits };
}

const redeploy = async (name: string, fields: Record<string, string>) =>
  deployArchive(world.server.url, world.token, {
    name,
    archive: await packFixture('test_function'),
    fields,
  });

describe('network on the compiled server', () => {
  test('a function reaches the network by default', async () => {
    expect((await details('open')).network).toBe(true);
    const { result, limits } = await connectFrom('open');
    expect(result).toEqual({ ok: true, error: null });
    expect(limits.network).toBe('host');
  });

  test('deploy refuses a network value other than true or false', async () => {
    const response = await redeploy('open', { network: 'maybe' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'Invalid request',
      details: "Expected network to be true or false, got 'maybe'",
    });
    expect((await details('open')).network).toBe(true);
  });

  test.skipIf(!host.networkNamespace)(
    'a function deployed with network false cannot connect, and its record says so',
    async () => {
      expect((await details('closed')).network).toBe(false);
      const { result, limits } = await connectFrom('closed');
      expect(result.ok).toBe(false);
      expect(result.error).toEqual(expect.any(String));
      expect(limits.network).toBe('none');
    },
  );

  test.skipIf(!host.networkNamespace)(
    'a redeploy without network keeps the setting, and network true gives the network back',
    async () => {
      expect((await redeploy('closed', {})).status).toBe(200);
      expect((await details('closed')).network).toBe(false);
      expect((await connectFrom('closed')).result.ok).toBe(false);

      expect((await redeploy('closed', { network: 'true' })).status).toBe(200);
      expect((await details('closed')).network).toBe(true);
      expect((await connectFrom('closed')).result.ok).toBe(true);
    },
  );
});

describe('the CLI deploy option', () => {
  let cli: CliWorld;
  beforeAll(async () => {
    cli = await startWorld();
    const registered = await cli.run([
      'register',
      '--email',
      'net@example.com',
      '--password',
      'correct-horse',
    ]);
    expect(registered.code).toBe(0);
  });
  afterAll(() => cli.stop());

  test('deploy --no-network runs the function without network; status shows it', async () => {
    const fixture = join(ROOT, 'test', 'fixtures', 'test_function');
    const deployed = await cli.run(['deploy', fixture, '--name', 'offline', '--no-network']);
    expect(deployed.code).toBe(0);

    const status = await cli.run(['status', 'offline', '--format', 'json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ name: 'offline', network: false });
    expect((await cli.run(['status', 'offline'])).stdout).toMatch(/^network:\s+none$/m);

    const invoked = await cli.run([
      'invoke',
      'offline',
      '--data',
      JSON.stringify({ action: 'connect', host: '127.0.0.1', port }),
    ]);
    if (host.networkNamespace) expect(invoked.stdout).toContain('"ok": false');

    const again = await cli.run(['deploy', fixture, '--name', 'offline', '--network']);
    expect(again.code).toBe(0);
    const after = await cli.run(['status', 'offline', '--format', 'json']);
    expect(JSON.parse(after.stdout).network).toBe(true);
  });
});
