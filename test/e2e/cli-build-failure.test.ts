/** What a failed build tells a remote user: the compiler's error once, no server paths, status. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { appendFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startWorld, type CliWorld } from './cli-harness.ts';

const TEST_FUNCTION = join(ROOT, 'test', 'fixtures', 'test_function');
const COMPILE_ERROR = "Error: Expected a declaration, but got '#compile'.";

let world: CliWorld;
let deployed: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  world = await startWorld();
  await world.run(['register', '--email', 'bo@example.com', '--password', 'a-fine-password']);
  const broken = join(world.tmp, 'src', 'broken');
  cpSync(TEST_FUNCTION, broken, { recursive: true });
  appendFileSync(join(broken, 'lib', 'test_function.dart'), '\n#compile-error\n');
  deployed = await world.run(['deploy', broken], { timeoutMs: 120_000 });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

describe('a failed build', () => {
  test('deploy prints the compiler error once, in the build log', () => {
    expect(deployed.code).toBe(1);
    expect(deployed.stderr).toContain('Build failed: dart compile exe failed (exit 64)');
    expect(deployed.stderr.split(COMPILE_ERROR).length).toBe(2);
  });

  test('the build log shows a placeholder instead of the server data directory', () => {
    expect(deployed.stderr).toContain('-o <data-dir>/functions/fn_');
    expect(deployed.stderr).not.toContain(join(world.tmp, 'data'));
  });

  test('status of the failed function says why its last build failed', async () => {
    const result = await world.run(['status', 'broken']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/status:\s+failed/);
    expect(result.stdout).toMatch(/last build:\s+version 1, failed/);
    expect(result.stdout).toContain('The last build failed:');
    expect(result.stdout).toContain(COMPILE_ERROR);
  });

  test('status --build-log prints the whole log of the last build', async () => {
    const result = await world.run(['status', 'broken', '--build-log']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Build of version 1 (failed):');
    expect(result.stdout).toContain('$ dart pub get');
    expect(result.stdout).toContain(COMPILE_ERROR);
    expect(result.stdout).not.toContain(join(world.tmp, 'data'));
  });
});
