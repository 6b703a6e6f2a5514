/** The CLI's failure messages and its terminal prompts, end to end on the compiled binary. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BINARY,
  HAS_SCRIPT,
  ROOT,
  shellQuote,
  spawnLive,
  startWorld,
  type CliWorld,
} from './cli-harness.ts';

const EMAIL = 'grace@example.com';
const PASSWORD = 'a-secret-password';

let world: CliWorld;

beforeAll(async () => {
  world = await startWorld({ serveArgs: ['--allow-signup'] });
}, 30_000);

afterAll(async () => {
  await world?.stop();
});

/** Runs the binary on a pseudo-terminal (util-linux `script`), answering its prompts in turn. */
async function runOnTerminal(options: {
  args: string[];
  answers: [RegExp, string][];
}): Promise<{ code: number; output: string }> {
  const live = spawnLive({
    cmd: ['script', '-qec', shellQuote([BINARY, ...options.args]), '/dev/null'],
    env: { ...world.env, DART_CLOUD_SERVER: world.url },
  });
  try {
    for (const [prompt, answer] of options.answers) {
      await live.waitFor(prompt);
      live.write(`${answer}\r`);
    }
    const code = await Promise.race([live.proc.exited, Bun.sleep(15_000).then(() => -1)]);
    return { code, output: live.output() };
  } finally {
    live.proc.kill('SIGKILL');
  }
}

describe('failures', () => {
  test('an unreachable server names the address tried and that serve may not be running', async () => {
    const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
    const address = `http://127.0.0.1:${probe.port}`;
    await probe.stop(true);

    const result = await world.run([
      'login',
      '--email',
      EMAIL,
      '--password',
      PASSWORD,
      '--server',
      address,
    ]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`Could not reach the dart_cloud server at ${address}`);
    expect(result.stderr).toContain('`dart_cloud serve` may not be running');
    expect(result.stdout).toBe('');
  });

  test('a command that needs a sign-in says how to get one', async () => {
    const result = await world.run(['list']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`Not logged in to ${world.url}`);
  });

  test('an unknown function is named, with a pointer to list', async () => {
    expect((await world.run(['register', '--email', EMAIL, '--password', PASSWORD])).code).toBe(0);
    for (const args of [
      ['status', 'ghost'],
      ['invoke', 'ghost'],
      ['logs', 'ghost'],
      ['metrics', 'ghost'],
      ['env', 'list', 'ghost'],
    ]) {
      const result = await world.run(args);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(
        "Function 'ghost' not found. Run `dart_cloud list` to see your functions.",
      );
    }
  });

  test('login reads the password from DART_CLOUD_PASSWORD, and whoami names the account', async () => {
    const login = await world.run(['login', '--email', EMAIL], {
      env: { DART_CLOUD_PASSWORD: PASSWORD },
    });
    expect(login.code).toBe(0);
    const whoami = await world.run(['whoami']);
    expect(whoami.stdout).toBe(`${EMAIL} on ${world.url}\n`);
  });

  test('bad option values say what was expected and what came', async () => {
    const cases: [string[], string][] = [
      [
        ['deploy', join(ROOT, 'test', 'fixtures', 'test_function'), '--timeout', 'soon'],
        "Expected --timeout to be a duration such as 30s or 2m, got 'soon'",
      ],
      [
        ['deploy', join(ROOT, 'test', 'fixtures', 'test_function'), '--env', 'NOEQUALS'],
        "got 'NOEQUALS'",
      ],
      [['deploy', join(ROOT, 'no-such-dir')], 'Expected <path> to be a directory'],
      [['list', '--format', 'yaml'], "Expected --format to be one of table, json, got 'yaml'"],
      [
        ['list', '--limit', 'many'],
        "Expected --limit to be a whole number from 1 to 100, got 'many'",
      ],
      [['logs', 'x', '--since', 'yesterday'], "got 'yesterday'"],
      [['metrics', 'x', '--period', '1y'], "Expected --period to be one of 1h, 24h, 7d, got '1y'"],
      [['serve', '--port', 'http'], "Expected --port to be a port from 0 to 65535, got 'http'"],
    ];
    for (const [args, message] of cases) {
      const result = await world.run(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });

  test('an unknown command and a missing argument show the usage and exit 2', async () => {
    const unknown = await world.run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command frobnicate');

    const missing = await world.run(['status']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('USAGE');
    expect(missing.stderr).toContain('FUNCTION');
  });

  test('doctor names the Dart SDK it found and its version', async () => {
    const result = await world.run(['doctor']);
    expect(result.stdout).toMatch(/dart:\s+\S*dart-standin\/bin\/dart/);
    expect(result.stdout).toMatch(/dart version: Dart SDK version: \d+\.\d+\.\d+/);
  });

  test('doctor says how to install Dart when none is found', async () => {
    const result = await world.run(['doctor'], {
      env: { DART_CLOUD_DART: '', PATH: '/nonexistent' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('https://dart.dev/get-dart');
  });
});

describe.skipIf(!HAS_SCRIPT)('on a terminal', () => {
  test('login asks for the email and the password, without echoing the password', async () => {
    const { code, output } = await runOnTerminal({
      args: ['login'],
      answers: [
        [/Email:/, EMAIL],
        [/Password:/, PASSWORD],
      ],
    });
    expect(code).toBe(0);
    expect(output).toContain(EMAIL);
    expect(output).not.toContain(PASSWORD);
    expect(output).toContain(`Logged in as ${EMAIL}`);
    const credentials = readFileSync(
      join(world.env.XDG_CONFIG_HOME ?? '', 'dart_cloud', 'credentials.json'),
      'utf8',
    );
    expect(credentials).toContain(EMAIL);
  }, 20_000);

  test('register asks for the password twice and refuses two that differ', async () => {
    const { code, output } = await runOnTerminal({
      args: ['register', '--email', 'lin@example.com'],
      answers: [
        [/Password:/, PASSWORD],
        [/Password again:/, 'something-else'],
      ],
    });
    expect(code).toBe(2);
    expect(output).toContain('The two passwords differ');
  }, 20_000);

  test('delete asks first and deletes nothing on no', async () => {
    const deployed = await world.run(['deploy', join(ROOT, 'examples', 'hello')], {
      timeoutMs: 120_000,
    });
    expect(deployed.code).toBe(0);

    const no = await runOnTerminal({ args: ['delete', 'hello'], answers: [[/\[y\/N\]/, 'n']] });
    expect(no.code).toBe(0);
    expect(no.output).toContain('Nothing deleted');
    expect((await world.run(['status', 'hello'])).code).toBe(0);

    const yes = await runOnTerminal({ args: ['delete', 'hello'], answers: [[/\[y\/N\]/, 'y']] });
    expect(yes.code).toBe(0);
    expect(yes.output).toContain('Deleted hello');
    expect((await world.run(['status', 'hello'])).code).toBe(4);
  }, 60_000);
});
