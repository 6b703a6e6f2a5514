import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { DartSdkNotFoundError } from '../../src/core/errors.ts';
import { deployments } from '../../src/db/schema.ts';
import { deployFunction } from '../../src/functions/deploy.ts';
import { describeFunction, resolveFunction } from '../../src/functions/functions.ts';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

let t: TestApp;
let ownerId: string;
let token: string;
beforeEach(async () => {
  t = await createTestApp();
  token = await t.register();
  const me = (await (await t.request('GET', '/api/auth/me', { token })).json()) as {
    user: { id: string };
  };
  ownerId = me.user.id;
});
afterEach(() => t.close());

const archive = (text = 'ok') => new TextEncoder().encode(text);

describe('deploy service', () => {
  test('the deploy stores the upload and the build beside it', async () => {
    const result = await deployFunction(t.services, { ownerId, name: 'fn', archive: archive() });
    const deployment = t.services.db
      .select()
      .from(deployments)
      .where(eq(deployments.functionId, result.function.id))
      .get();
    const dir = join(t.services.dataDir, 'functions', result.function.id, deployment?.id ?? '');
    expect(existsSync(join(dir, 'archive.tar.gz'))).toBe(true);
    expect(existsSync(join(dir, 'source', 'pubspec.yaml'))).toBe(true);
    expect(deployment).toMatchObject({
      status: 'ready',
      version: 1,
      contract: 'handler',
      executable: join(dir, 'build', 'main'),
    });
  });

  test('of two deploys built at once, the later version serves even when it finishes first', async () => {
    await deployFunction(t.services, { ownerId, name: 'fn', archive: archive() });
    const build = t.services.toolchain.build;
    const delays = [150, 0];
    t.services.toolchain.build = async (options) => {
      await Bun.sleep(delays.shift() ?? 0);
      return build(options);
    };

    const [slow, fast] = await Promise.all([
      deployFunction(t.services, { ownerId, name: 'fn', archive: archive() }),
      deployFunction(t.services, { ownerId, name: 'fn', archive: archive() }),
    ]);
    expect([slow.version, fast.version]).toEqual([2, 3]);
    expect(describeFunction(t.services, resolveFunction(t.services, ownerId, 'fn')).version).toBe(
      3,
    );
  });

  test('memory and timeout stay as they were when a later deploy omits them', async () => {
    await deployFunction(t.services, {
      ownerId,
      name: 'fn',
      archive: archive(),
      memory: '1024',
      timeout: '60',
    });
    const updated = await deployFunction(t.services, { ownerId, name: 'fn', archive: archive() });
    expect(updated.function).toMatchObject({ memoryMb: 1024, timeoutSeconds: 60 });
  });

  test('network is on for a new function, off with network false, and kept when omitted', async () => {
    const created = await deployFunction(t.services, { ownerId, name: 'fn', archive: archive() });
    expect(created.function.network).toBe(true);
    const closed = { ownerId, name: 'fn', archive: archive(), network: 'false' };
    expect((await deployFunction(t.services, closed)).function.network).toBe(false);
    const again = await deployFunction(t.services, { ownerId, name: 'fn', archive: archive() });
    expect(again.function.network).toBe(false);
    await expect(deployFunction(t.services, { ...closed, network: 'no' })).rejects.toThrow(
      "Expected network to be true or false, got 'no'",
    );
  });

  test('a new function is removed again when no Dart SDK is found, and the error says so', async () => {
    t.services.toolchain.resolveSdk = async () => {
      throw new DartSdkNotFoundError(
        'No Dart SDK found: dart is not on PATH. Install the Dart SDK',
      );
    };
    await expect(
      deployFunction(t.services, { ownerId, name: 'fn', archive: archive() }),
    ).rejects.toThrow(DartSdkNotFoundError);
    expect(() => resolveFunction(t.services, ownerId, 'fn')).toThrow('Function not found');

    const response = await t.deploy(token, { name: 'fn' });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: 'Service unavailable',
      details: expect.stringContaining('Install the Dart SDK'),
    });
  });

  test('a failed build keeps its log on the deployment row', async () => {
    await expect(
      deployFunction(t.services, { ownerId, name: 'fn', archive: archive('fail') }),
    ).rejects.toThrow('dart compile exe failed');
    const fn = resolveFunction(t.services, ownerId, 'fn');
    const row = t.services.db
      .select()
      .from(deployments)
      .where(eq(deployments.functionId, fn.id))
      .get();
    expect(row).toMatchObject({
      status: 'failed',
      buildLog: "lib/main.dart:1:1: Error: Expected ';'",
    });
    expect(fn.status).toBe('failed');
  });
});

describe('deployment retention', () => {
  test('only the newest five deployments keep their files and programs', async () => {
    for (let i = 0; i < 7; i++)
      await deployFunction(t.services, { ownerId, name: 'fn', archive: archive() });
    const fn = resolveFunction(t.services, ownerId, 'fn');
    const rows = t.services.db
      .select()
      .from(deployments)
      .where(eq(deployments.functionId, fn.id))
      .orderBy(deployments.version)
      .all();
    expect(rows).toHaveLength(7);
    const onDisk = rows.map((row) =>
      existsSync(join(t.services.dataDir, 'functions', fn.id, row.id)),
    );
    expect(onDisk).toEqual([false, false, true, true, true, true, true]);
    expect(rows.map((row) => row.executable !== null)).toEqual(onDisk);
    expect(t.runtime.removed).toEqual(rows.slice(0, 2).map((row) => row.id));
  });
});
