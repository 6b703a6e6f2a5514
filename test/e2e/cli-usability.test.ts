/** What a first-time user ran into, end to end on the compiled binary. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const TEST_FUNCTION = join(ROOT, 'test', 'fixtures', 'test_function');
const EMAIL = 'kim@example.com';
const PASSWORD = 'a-long-enough-password';

let world: CliWorld;

beforeAll(async () => {
  world = await startWorld({ serveArgs: ['--allow-signup'] });
  const registered = await world.run(['register', '--email', EMAIL, '--password', PASSWORD]);
  if (registered.code !== 0) throw new Error(`register failed: ${registered.stderr}`);
}, 30_000);

afterAll(async () => {
  await world?.stop();
});

const credentialsFile = (): string =>
  join(world.env.XDG_CONFIG_HOME ?? '', 'dart_cloud', 'credentials.json');

/** Runs the binary with `input` on stdin. */
async function runWithStdin(
  args: string[],
  input: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([BINARY, ...args], {
    env: { ...world.env, DART_CLOUD_SERVER: world.url },
    stdin: new Blob([input]),
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: 30_000,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

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

describe('arguments', () => {
  test('an unknown option exits 2 and suggests the closest known one', async () => {
    const result = await world.run(['deploy', TEST_FUNCTION, '--memroy', '1024']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown option --memroy');
    expect(result.stderr).toContain('Did you mean --memory?');
  });

  test('unknown options and extra arguments exit 2 for every command', async () => {
    for (const args of [
      ['invoke', 'x', '-d', '{}'],
      ['list', '--bogus'],
      ['list', 'extra'],
      ['status', 'a', 'b'],
      ['env', 'set', 'fn', 'KEY', 'value', 'more'],
      ['serve', '--prot', '8080'],
    ]) {
      const result = await world.run(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(/Unknown option|Unexpected argument/);
    }
  });

  test('known options, their = form, short aliases and -- pass the check', async () => {
    expect((await world.run(['list', '--limit=5', '--format', 'json'])).code).toBe(0);
    expect((await world.run(['whoami', '--'])).code).toBe(0);
  });

  test('help prints the usage, and sub-commands name the whole command', async () => {
    const help = await world.run(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('USAGE dart_cloud');

    const envSet = await world.run(['help', 'env', 'set']);
    expect(envSet.code).toBe(0);
    expect(envSet.stdout).toContain('USAGE dart_cloud env set');
    const flag = await world.run(['env', 'set', '--help']);
    expect(flag.stdout).toContain('USAGE dart_cloud env set');
  });
});

describe('deploy', () => {
  test('a redeploy without --memory and --timeout keeps the values given before', async () => {
    const first = await world.run(
      ['deploy', TEST_FUNCTION, '--name', 'keeper', '--memory', '256MB', '--timeout', '5s'],
      { timeoutMs: 120_000 },
    );
    expect(first.code).toBe(0);
    const again = await world.run(['deploy', TEST_FUNCTION, '--name', 'keeper'], {
      timeoutMs: 120_000,
    });
    expect(again.code).toBe(0);

    const status = await world.run(['status', 'keeper', '--format', 'json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ memory: 256, timeout: 5 });
  }, 60_000);

  test('a new function without --memory and --timeout gets 512 MB and 30 s', async () => {
    const result = await world.run(['deploy', TEST_FUNCTION, '--name', 'plain'], {
      timeoutMs: 120_000,
    });
    expect(result.code).toBe(0);
    const status = await world.run(['status', 'plain', '--format', 'json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ memory: 512, timeout: 30 });
  }, 60_000);

  test("a name of a function id's shape is refused", async () => {
    const result = await world.run(
      ['deploy', TEST_FUNCTION, '--name', 'fn_0123456789abcdef01234567'],
      { timeoutMs: 120_000 },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does not look like a function id');
  }, 60_000);
});

describe('list and invoke', () => {
  test('list with --offset counts the functions after the page', async () => {
    for (const name of ['l1', 'l2', 'l3']) {
      const deployed = await world.run(['deploy', TEST_FUNCTION, '--name', name], {
        timeoutMs: 120_000,
      });
      expect(deployed.code).toBe(0);
    }
    const page = await world.run(['list', '--format', 'json', '--limit', '100']);
    const total = (JSON.parse(page.stdout) as { total: number }).total;

    const result = await world.run(['list', '--limit', '2', '--offset', '1']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`(${total - 3} more; pass --offset 3 to see them)`);
  }, 90_000);

  test("invoke in text mode shows the function's HTTP status code", async () => {
    const data = JSON.stringify({ action: 'respond', status: 404, headers: {}, body: 'gone' });
    const result = await world.run(['invoke', 'plain', '--data', data]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('gone');
    expect(result.stderr).toMatch(/Execution exe_\w+: success in \d+ ms \(HTTP 404\)/);
  });

  test('--data @file that is not JSON names the file and its contents', async () => {
    const file = join(world.tmp, 'body.txt');
    writeFileSync(file, 'name=Dart');
    const result = await world.run(['invoke', 'plain', '--data', `@${file}`]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Expected the file ${file} (--data @${file}) to hold JSON`);
    expect(result.stderr).toContain("got 'name=Dart'");
  });

  test('--data @- reads the request body from stdin', async () => {
    const result = await runWithStdin(
      ['invoke', 'plain', '--data', '@-', '--format', 'json'],
      '{"action":"echo","from":"stdin"}',
    );

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).result.echo).toEqual({ action: 'echo', from: 'stdin' });
  });
});

describe('the start-up log and doctor', () => {
  test('doctor names the stand-in toolchain as a stand-in', async () => {
    const result = await world.run(['doctor']);
    expect(result.stdout).toContain(
      'Dart SDK version: 3.10.4 (stable) (dart_cloud test stand-in, not a real SDK) on "linux_x64"',
    );
  });

  test('doctor says in one spaced line that dart is not found', async () => {
    const result = await world.run(['doctor'], {
      env: { DART_CLOUD_DART: '', PATH: '/nonexistent' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^dart: not found \(No Dart SDK found/m);
  });
});

describe('signing in', () => {
  test('login replaces a credentials file that is not JSON, with a warning', async () => {
    mkdirSync(join(credentialsFile(), '..'), { recursive: true });
    writeFileSync(credentialsFile(), '{ not json');
    const result = await world.run(['login', '--email', EMAIL, '--password', PASSWORD]);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('did not hold JSON; replacing it');
    expect(JSON.parse(readFileSync(credentialsFile(), 'utf8')).servers[world.url].email).toBe(
      EMAIL,
    );
  });

  test.skipIf(!HAS_SCRIPT)(
    'login refuses an empty password before asking the server',
    async () => {
      const { code, output } = await runOnTerminal({
        args: ['login', '--email', EMAIL],
        answers: [[/Password:/, '']],
      });
      expect(code).toBe(2);
      expect(output).toContain('Expected a password, got an empty one');
    },
    20_000,
  );

  test.skipIf(!HAS_SCRIPT)(
    'register checks the password length before asking again',
    async () => {
      const { code, output } = await runOnTerminal({
        args: ['register', '--email', 'short@example.com'],
        answers: [[/Password:/, 'short']],
      });
      expect(code).toBe(2);
      expect(output).toContain('Expected password to have 8 to 256 characters, got 5');
      expect(output).not.toContain('Password again:');
    },
    20_000,
  );
});
