import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTestRuntime,
  explainSkip,
  host,
  nextExecutionId,
  type TestRuntime,
} from './helpers.ts';

// The only real Dart VM on these machines: the AOT runtime that sass-embedded ships, running
// its sass.snapshot. A few thousand generated rules make it use tens of MB.
const SASS = join(
  import.meta.dir,
  '..',
  '..',
  'node_modules',
  'sass-embedded-linux-x64',
  'dart-sass',
  'src',
);
const available = existsSync(join(SASS, 'dart')) && existsSync(join(SASS, 'sass.snapshot'));
const SCSS = '@for $i from 1 through 8000 { .c#{$i} { width: $i * 1px; } }';

explainSkip(
  'real Dart VM tests',
  'node_modules/sass-embedded-linux-x64 (bash scripts/setup.sh)',
  available,
);
explainSkip('the Dart VM out-of-memory test', 'a writable cgroup memory controller', host.memory);

// Each execution gets its own empty /tmp (and /var/tmp, /dev/shm, /run/lock), which hides a
// checkout that lives there: stage the snapshot in a directory the sandbox user can see.
const HIDDEN_IN_SANDBOX = ['/tmp/', '/var/tmp/', '/dev/shm/', '/run/lock/'];
let snapshot = join(SASS, 'sass.snapshot');
let staged: string | null = null;

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime();
  const root = process.getuid?.() === 0;
  if (available && root && HIDDEN_IN_SANDBOX.some((prefix) => snapshot.startsWith(prefix))) {
    staged = mkdtempSync('/var/cache/dart-cloud-test-');
    chmodSync(staged, 0o755);
    copyFileSync(snapshot, join(staged, 'sass.snapshot'));
    chmodSync(join(staged, 'sass.snapshot'), 0o644);
    snapshot = join(staged, 'sass.snapshot');
  }
});
afterAll(() => {
  if (staged !== null) rmSync(staged, { recursive: true, force: true });
  return t.cleanup();
});

const compile = (memoryMb: number) =>
  t.runtime.runCommand({
    executionId: nextExecutionId(),
    executable: join(SASS, 'dart'),
    args: [snapshot, '--stdin'],
    stdin: SCSS,
    memoryMb,
    timeoutMs: 20_000,
    network: false,
  });

describe.skipIf(!available)('a real Dart VM in the sandbox', () => {
  test('the Dart AOT runtime compiles SCSS from stdin under a 128 MB limit', async () => {
    const outcome = await compile(128);
    expect(outcome.stderr).toBe('');
    expect(outcome.exitCode).toBe(0);
    expect(outcome.oomKilled).toBe(false);
    expect(outcome.stdout).toContain('.c8000 {\n  width: 8000px;\n}');
    expect(outcome.limits.memory).toBe(host.memory);
    if (host.memory) expect(outcome.peakMemoryBytes).toBeGreaterThan(8 * 1024 * 1024);
  });

  test.skipIf(!host.memory)(
    'the same run under a 12 MB limit is reported as out of memory',
    async () => {
      const outcome = await compile(12);
      expect(outcome.oomKilled).toBe(true);
      expect(outcome.exitCode).not.toBe(0);
      expect(outcome.stdout).toBe('');
    },
  );
});
