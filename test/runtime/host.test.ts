import { describe, expect, test } from 'bun:test';
import { probeHost, renderHostCapabilities } from '../../src/runtime/sandbox/host.ts';
import { createTestRuntime, handlerRun, isRoot } from './helpers.ts';

describe('host detection', () => {
  test('probeHost reports the same limits that an execution records', async () => {
    const capabilities = probeHost();
    const t = await createTestRuntime();
    try {
      expect(t.runtime.capabilities).toEqual(capabilities);
      const outcome = await t.runtime.execute(handlerRun(t, {}));
      expect(outcome.limits).toEqual({
        memory: capabilities.memory,
        pids: capabilities.pids,
        user: capabilities.user,
        network: 'host',
        cgroup: capabilities.cgroup,
      });
    } finally {
      await t.cleanup();
    }
  });

  test('a run-as user of null runs functions as the server user, and says so', () => {
    const capabilities = probeHost({ runAsUser: null });
    expect(capabilities.user).toBeNull();
    if (isRoot)
      expect(capabilities.notes).toContain('No run-as user is configured: functions run as root.');
  });

  test('an unknown run-as user is reported, not silently ignored', () => {
    const capabilities = probeHost({ runAsUser: 'no-such-user-dart-cloud' });
    expect(capabilities.user).toBeNull();
    const expected = isRoot
      ? "The run-as user 'no-such-user-dart-cloud' does not exist: functions run as root."
      : 'The server does not run as root: functions run as its own user and can read what it can read.';
    expect(capabilities.notes).toContain(expected);
  });

  test('renderHostCapabilities states each limit and what is not enforced', () => {
    const lines = renderHostCapabilities({
      cgroup: null,
      memory: false,
      swapLimited: false,
      pids: false,
      user: null,
      networkNamespace: false,
      pidNamespace: false,
      notes: ['No writable cgroup: memory and process limits are not enforced.'],
    });
    expect(lines).toEqual([
      'cgroup: none',
      'swap limited: no',
      'run-as user: none (functions run as the server user)',
      'network namespace: no',
      'process namespace: no',
      'not enforced: No writable cgroup: memory and process limits are not enforced.',
    ]);
  });
});
