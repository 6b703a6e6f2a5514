import { describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../src/core/errors.ts';
import { createSandboxLayout, installProgram } from '../../src/runtime/sandbox/workdir.ts';
import { createTestRuntime, handlerRun, json } from './helpers.ts';

const otherFilesystem =
  existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev ? '/dev/shm' : null;
if (otherFilesystem === null)
  console.log(
    'skipped: the cross-filesystem program cache test (needs /dev/shm on another filesystem)',
  );

describe('sandbox files', () => {
  test('installExecutable keeps programs in the runtime area of the data directory', async () => {
    const t = await createTestRuntime();
    try {
      expect(t.handler.startsWith(join(t.dataDir, 'runtime', 'bin'))).toBe(true);
      expect(statSync(t.handler).mode & 0o777).toBe(0o755);
      await t.runtime.removeExecutable(t.handler.split('/').at(-2) ?? '');
      expect(existsSync(t.handler)).toBe(false);
    } finally {
      await t.cleanup();
    }
  });

  test('deployment ids that could escape their directory are rejected', () => {
    const root = mkdtempSync(join(tmpdir(), 'dc-layout-'));
    try {
      const layout = createSandboxLayout({
        programs: join(root, 'bin'),
        root: join(root, 'sandbox'),
        credentials: null,
      });
      expect(() =>
        installProgram(layout, { sourceFile: '/bin/true', deploymentId: '../x' }),
      ).toThrow(ValidationError);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a sandbox directory planted as a link is refused', () => {
    const root = mkdtempSync(join(tmpdir(), 'dc-layout-'));
    try {
      symlinkSync('/etc', join(root, 'planted'));
      expect(() =>
        createSandboxLayout({
          programs: join(root, 'bin'),
          root: join(root, 'planted'),
          credentials: null,
        }),
      ).toThrow('to be a directory owned by the server');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test.skipIf(otherFilesystem === null)(
    'programs on another filesystem run through one cached copy',
    async () => {
      const sandboxDir = mkdtempSync(join(otherFilesystem ?? '', 'dc-runtime-sandbox-'));
      const t = await createTestRuntime({ sandboxDir });
      try {
        for (let i = 0; i < 2; i += 1) {
          const outcome = await t.runtime.execute(handlerRun(t, { action: 'echo', i }));
          expect((json(outcome.response?.body) as { echo: unknown }).echo).toEqual({
            action: 'echo',
            i,
          });
        }
        expect(readdirSync(join(sandboxDir, 'cache'))).toHaveLength(1);
      } finally {
        await t.cleanup();
        rmSync(sandboxDir, { recursive: true, force: true });
      }
    },
  );
});
