/** The seed's CLI, end to end on the compiled binary: account, deploy, run, observe, configure, delete. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { appendFileSync, cpSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BINARY, ROOT, spawnLive, startWorld, type CliWorld } from './cli-harness.ts';

const TEST_FUNCTION = join(ROOT, 'test', 'fixtures', 'test_function');
const HELLO_EXAMPLE = join(ROOT, 'examples', 'hello');
const EMAIL = 'ada@example.com';
const PASSWORD = 'correct-horse-battery';

let world: CliWorld;

beforeAll(async () => {
  world = await startWorld();
}, 30_000);

afterAll(async () => {
  await world?.stop();
});

const credentialsFile = (): string =>
  join(world.env.XDG_CONFIG_HOME ?? '', 'dart_cloud', 'credentials.json');
const json = <T>(text: string): T => JSON.parse(text) as T;

describe('accounts', () => {
  test('--version prints the version and --help lists the commands', async () => {
    const version = await world.run(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);

    const help = await world.run(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'serve',
      'login',
      'deploy',
      'list',
      'delete',
      'status',
      'logs',
      'metrics',
      'env',
    ]) {
      expect(help.stdout).toContain(command);
    }
  });

  test('register creates the first account and saves a token only the owner can read', async () => {
    const result = await world.run(['register', '--email', EMAIL, '--password', PASSWORD]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Registered and logged in as ${EMAIL} on ${world.url}`);

    expect(statSync(credentialsFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(credentialsFile(), '..')).mode & 0o777).toBe(0o700);
    expect(readFileSync(credentialsFile(), 'utf8')).toContain(world.url);
  });

  test('register refuses a second account when the server does not allow sign-up', async () => {
    const result = await world.run([
      'register',
      '--email',
      'eve@example.com',
      '--password',
      PASSWORD,
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Forbidden');
  });

  test('login with --email and --password against --server saves a fresh token', async () => {
    const result = await world.run(
      ['login', '--email', EMAIL, '--password', PASSWORD, '--server', world.url],
      {
        env: { DART_CLOUD_SERVER: 'http://127.0.0.1:1' },
      },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Logged in as ${EMAIL}`);
  });

  test('login with a wrong password exits 3 and keeps the saved token', async () => {
    const before = readFileSync(credentialsFile(), 'utf8');
    const result = await world.run(['login', '--email', EMAIL, '--password', 'wrong-password']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Unauthorized');
    expect(readFileSync(credentialsFile(), 'utf8')).toBe(before);
  });

  test('login without a terminal and without a password says what to pass', async () => {
    const result = await world.run(['login', '--email', EMAIL]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pass --password');
  });
});

describe('functions', () => {
  test('deploy packs, uploads and builds a function with --name, --env, --memory and --timeout', async () => {
    const result = await world.run(
      [
        'deploy',
        TEST_FUNCTION,
        '--name',
        'tester',
        '--env',
        'GREETING=hello world',
        '--env',
        'URL=a=b',
        '--memory',
        '256MB',
        '--timeout',
        '10s',
      ],
      { timeoutMs: 120_000 },
    );
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/name:\s+tester/);
    expect(result.stdout).toMatch(/status:\s+deployed/);
    expect(result.stdout).toMatch(/url:\s+http/);
  }, 120_000);

  test('deploy names the function after its directory by default and answers JSON with --format json', async () => {
    const result = await world.run(['deploy', HELLO_EXAMPLE, '--format', 'json'], {
      timeoutMs: 120_000,
    });
    expect(result.code).toBe(0);
    expect(json<{ name: string; status: string }>(result.stdout)).toMatchObject({
      name: 'hello',
      status: 'deployed',
    });
  }, 120_000);

  test('deploy refuses a bad --memory before uploading anything', async () => {
    const result = await world.run([
      'deploy',
      TEST_FUNCTION,
      '--name',
      'never',
      '--memory',
      '12xx',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "Expected --memory to be a size such as 512MB or 1GB, got '12xx'",
    );
    expect((await world.run(['status', 'never'])).code).toBe(4);
  });

  test('a failed build exits 1 with the compiler output, and the previous version keeps serving', async () => {
    const broken = join(world.tmp, 'broken', 'tester');
    cpSync(TEST_FUNCTION, broken, { recursive: true });
    appendFileSync(join(broken, 'lib', 'test_function.dart'), '\n#compile-error\n');

    const result = await world.run(['deploy', broken], { timeoutMs: 120_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Build failed');
    expect(result.stderr).toContain('Build log:');
    expect(result.stderr).toContain('Error');

    const invoked = await world.run(['invoke', 'tester', '--data', '{"action":"echo"}']);
    expect(invoked.code).toBe(0);
  }, 120_000);

  test('list shows a table, and JSON that parses alone with --format json', async () => {
    const table = await world.run(['list']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATUS\s+CREATED/);
    expect(table.stdout).toContain('tester');
    expect(table.stdout).toContain('hello');

    const page = json<{ functions: { name: string }[]; total: number }>(
      (await world.run(['list', '--format', 'json'])).stdout,
    );
    expect(page.total).toBe(2);
    expect(page.functions.map((fn) => fn.name).sort()).toEqual(['hello', 'tester']);

    const limited = json<{ functions: unknown[]; total: number }>(
      (await world.run(['list', '--format', 'json', '--limit', '1'])).stdout,
    );
    expect(limited).toMatchObject({ total: 2 });
    expect(limited.functions).toHaveLength(1);
  });

  test('status shows the limits given at deploy', async () => {
    const result = await world.run(['status', 'tester']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/memory:\s+256 MB/);
    expect(result.stdout).toMatch(/timeout:\s+10 s/);

    const details = json<{ id: string; memory: number }>(
      (await world.run(['status', 'tester', '--format', 'json'])).stdout,
    );
    expect(details.memory).toBe(256);
    expect((await world.run(['status', details.id])).stdout).toContain('tester');
  });
});

describe('running and observing', () => {
  test('invoke --data sends the body and prints the function result as JSON', async () => {
    const result = await world.run(['invoke', 'tester', '--data', '{"action":"echo","n":42}']);
    expect(result.code).toBe(0);
    expect(json<{ echo: { n: number } }>(result.stdout).echo.n).toBe(42);
    expect(result.stderr).toMatch(/success in \d+ ms/);
  });

  test('invoke exits 1 and names the status when the function crashes', async () => {
    const result = await world.run(['invoke', 'tester', '--data', '{"action":"exit","code":3}']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ended with status crashed');
  });

  test('invoke refuses --data that is not JSON', async () => {
    const result = await world.run(['invoke', 'tester', '--data', '{nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Expected --data to be JSON');
  });

  test('the function sees the env given at deploy and set with env set', async () => {
    const set = await world.run(['env', 'set', 'tester', 'COLOR', 'blue']);
    expect(set.code).toBe(0);
    expect((await world.run(['env', 'get', 'tester', 'COLOR'])).stdout).toBe('blue\n');
    expect((await world.run(['env', 'list', 'tester'])).stdout).toBe(
      'COLOR=blue\nGREETING=hello world\nURL=a=b\n',
    );

    const result = await world.run([
      'invoke',
      'tester',
      '--data',
      '{"action":"env","keys":["GREETING","COLOR"]}',
    ]);
    expect(json<{ env: Record<string, string> }>(result.stdout).env).toEqual({
      GREETING: 'hello world',
      COLOR: 'blue',
    });
  });

  test('env get of an unset variable exits 4; env unset removes one', async () => {
    expect((await world.run(['env', 'get', 'tester', 'MISSING'])).code).toBe(4);
    expect((await world.run(['env', 'unset', 'tester', 'COLOR'])).code).toBe(0);
    expect(
      json<Record<string, string>>(
        (await world.run(['env', 'list', 'tester', '--format', 'json'])).stdout,
      ),
    ).toEqual({
      GREETING: 'hello world',
      URL: 'a=b',
    });
  });

  test('logs shows the newest lines, --lines bounds them and --since filters them', async () => {
    await world.run(['invoke', 'tester', '--data', '{"action":"log","lines":3,"level":"info"}']);
    const all = await world.run(['logs', 'tester']);
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(6);

    const one = await world.run(['logs', 'tester', '--lines', '1']);
    expect(one.stdout.trim().split('\n')).toHaveLength(1);

    expect(
      (await world.run(['logs', 'tester', '--since', '1h'])).stdout.trim().split('\n').length,
    ).toBeGreaterThanOrEqual(6);
    expect(
      (await world.run(['logs', 'tester', '--since', new Date(Date.now() + 60_000).toISOString()]))
        .stdout,
    ).toBe('');
    expect((await world.run(['logs', 'tester', '--lines', '0'])).code).toBe(2);
  });

  test('logs --follow prints lines of executions that happen while it follows, and stops on SIGINT', async () => {
    const follow = spawnLive({
      cmd: [
        BINARY,
        'logs',
        'tester',
        '--follow',
        '--lines',
        '1',
        '--interval',
        '200ms',
        '--format',
        'json',
      ],
      env: { ...world.env, DART_CLOUD_SERVER: world.url },
    });
    try {
      await follow.waitFor(/\n/);
      const before = follow.output().trim().split('\n').length;
      await world.run(['invoke', 'tester', '--data', '{"action":"log","lines":2,"level":"error"}']);
      await follow.waitFor(/"level":"error"/);
      expect(follow.output().trim().split('\n').length).toBeGreaterThan(before);

      follow.proc.kill('SIGINT');
      expect(await follow.proc.exited).toBe(0);
    } finally {
      follow.proc.kill('SIGKILL');
    }
  }, 20_000);

  test('metrics counts invocations and errors, as a table and as JSON', async () => {
    const table = await world.run(['metrics', 'tester']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/invocations:\s+\d+/);

    const metrics = json<{ period: string; invocations: number; errors: number }>(
      (await world.run(['metrics', 'tester', '--period', '24h', '--format', 'json'])).stdout,
    );
    expect(metrics.period).toBe('24h');
    expect(metrics.invocations).toBeGreaterThanOrEqual(5);
    expect(metrics.errors).toBeGreaterThanOrEqual(1);
    expect((await world.run(['metrics', 'tester', '--period', '2w'])).code).toBe(2);
  });
  test('executions lists the history newest first, with the crash among them', async () => {
    const table = await world.run(['executions', 'tester', '--limit', '3']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+STARTED\s+MS\s+EXIT\s+ERROR/);
    expect(table.stdout.trim().split('\n')).toHaveLength(4);

    const page = json<{
      executions: { status: string; exit_code: number | null }[];
      total: number;
    }>((await world.run(['executions', 'tester', '--format', 'json', '--limit', '100'])).stdout);
    expect(page.total).toBeGreaterThanOrEqual(5);
    expect(page.executions).toContainEqual(
      expect.objectContaining({ status: 'crashed', exit_code: 3 }),
    );
  });
});

describe('deleting and signing out', () => {
  test('delete refuses without a terminal and without --yes, and keeps the function', async () => {
    const result = await world.run(['delete', 'hello']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pass --yes');
    expect((await world.run(['status', 'hello'])).code).toBe(0);
  });

  test('delete --yes deletes; the function is then unknown', async () => {
    const result = await world.run(['delete', 'hello', '--yes']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Deleted hello');

    const status = await world.run(['status', 'hello']);
    expect(status.code).toBe(4);
    expect(status.stderr).toContain("Function 'hello' not found. Run `dart_cloud list`");
  });

  test('logout revokes the token on the server and forgets it', async () => {
    const token = json<{ servers: Record<string, { token: string }> }>(
      readFileSync(credentialsFile(), 'utf8'),
    ).servers[world.url]?.token;
    expect(token).toBeString();

    const result = await world.run(['logout']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Logged out of ${world.url}`);

    const notLoggedIn = await world.run(['list']);
    expect(notLoggedIn.code).toBe(3);
    expect(notLoggedIn.stderr).toContain('Not logged in');

    const revoked = await world.run(['list'], { env: { DART_CLOUD_TOKEN: token ?? '' } });
    expect(revoked.code).toBe(3);
    expect(revoked.stderr).toContain('dart_cloud login');
  });

  test('serve stops cleanly on SIGTERM', async () => {
    expect(await world.stop()).toBe(0);
  });
});
