/** `dart_cloud apikey create|list|revoke` end to end, and a key used as DART_CLOUD_TOKEN. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { ROOT, startWorld, type CliWorld } from './cli-harness.ts';

const KEY_TEXT = /^dck_(key_[0-9a-f]{24})_([0-9a-f]{64})\n$/;

let world: CliWorld;
let key = '';
let keyId = '';

beforeAll(async () => {
  world = await startWorld();
  const registered = await world.run([
    'register',
    '--email',
    'ci@example.com',
    '--password',
    'correct-horse-battery',
  ]);
  if (registered.code !== 0) throw new Error(`register failed: ${registered.stderr}`);
  const deployed = await world.run(
    ['deploy', join(ROOT, 'test', 'fixtures', 'test_function'), '--name', 'fn'],
    { timeoutMs: 120_000 },
  );
  if (deployed.code !== 0) throw new Error(`deploy failed: ${deployed.stderr}`);
}, 150_000);

afterAll(async () => {
  await world?.stop();
});

describe('dart_cloud apikey', () => {
  test('create prints only the key on stdout and says on stderr that it is shown once', async () => {
    const result = await world.run(['apikey', 'create', '--name', 'ci', '--expires', '30d']);
    expect(result.code).toBe(0);
    const match = KEY_TEXT.exec(result.stdout);
    expect(match).not.toBeNull();
    key = result.stdout.trim();
    keyId = match?.[1] ?? '';
    expect(result.stderr).toContain(`Created API key ${keyId} (scope invoke, expires 20`);
    expect(result.stderr).toContain('cannot show it again');
  });

  test('list shows the key without its secret, as a table and as JSON', async () => {
    const table = await world.run(['apikey', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+SCOPE\s+SIGNED\s+STATUS/);
    expect(table.stdout).toMatch(new RegExp(`${keyId}\\s+ci\\s+invoke\\s+no\\s+active`));
    expect(table.stdout).not.toContain(key.slice(-64));

    const json = await world.run(['apikey', 'list', '--format', 'json']);
    const keys = JSON.parse(json.stdout) as { id: string; key?: string }[];
    expect(keys.map((entry) => entry.id)).toEqual([keyId]);
    expect(json.stdout).not.toContain(key.slice(-64));
  });

  test('the key works as DART_CLOUD_TOKEN for invoke, and is refused for delete', async () => {
    const env = { DART_CLOUD_TOKEN: key };
    const invoked = await world.run(['invoke', 'fn', '--data', '{"action":"echo","v":3}'], { env });
    expect(invoked.code).toBe(0);
    expect(invoked.stdout).toContain('"v": 3');

    const deleted = await world.run(['delete', 'fn', '--yes'], { env });
    expect(deleted.code).toBe(3);
    expect(deleted.stderr).toContain('scope invoke');
    expect((await world.run(['status', 'fn'])).code).toBe(0);
  });

  test('revoke stops the key at once', async () => {
    const revoked = await world.run(['apikey', 'revoke', keyId]);
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked ${keyId}\n` });

    const refused = await world.run(['invoke', 'fn'], { env: { DART_CLOUD_TOKEN: key } });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('API key revoked');
    expect(refused.stderr).toContain('check it against `dart_cloud apikey list`');
    expect(refused.stderr).not.toContain('dart_cloud login');
    const listed = await world.run(['apikey', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${keyId}\\s+ci\\s+invoke\\s+no\\s+revoked`));
  });

  test('create --signed makes a signed invoke key, shown whole with --format json, that DART_CLOUD_TOKEN cannot carry', async () => {
    const result = await world.run(['apikey', 'create', '--signed', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      signed: true,
      scope: 'invoke',
      key: expect.stringMatching(/^dck_key_/),
    });

    const asToken = { DART_CLOUD_TOKEN: JSON.parse(result.stdout).key as string };
    const refused = await world.run(['invoke', 'fn'], { env: asToken });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('signed API key, which cannot be used as a bearer token');
    expect(refused.stderr).not.toContain('dart_cloud login');
  });

  test('bad options exit 2 with what was expected, and an unknown key id exits 4', async () => {
    const scope = await world.run(['apikey', 'create', '--scope', 'admin']);
    expect(scope.code).toBe(2);
    expect(scope.stderr).toContain("Expected --scope to be one of invoke, full, got 'admin'");

    const expires = await world.run(['apikey', 'create', '--expires', 'soon']);
    expect(expires.code).toBe(2);
    expect(expires.stderr).toContain('Expected --expires to be a duration such as 30s or 2m');

    const unknown = await world.run(['apikey', 'revoke', `key_${'0'.repeat(24)}`]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('API key not found');
  });
});
