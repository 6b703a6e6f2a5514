import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { deployments, executions, functions } from '../../src/db/schema.ts';
import { recoverUnfinishedWork } from '../../src/functions/recovery.ts';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.close());

describe('recovery at start-up', () => {
  test('running executions become interrupted and unfinished builds failed', async () => {
    const token = await t.register();
    const id = ((await (await t.deploy(token, { name: 'fn' })).json()) as { id: string }).id;
    const { db } = t.services;
    db.insert(executions)
      .values({ id: 'exe_left', functionId: id, status: 'running', startedAt: 1 })
      .run();
    db.insert(deployments)
      .values({ id: 'dep_left', functionId: id, version: 9, status: 'building', createdAt: 1 })
      .run();
    db.insert(functions)
      .values({
        id: 'fn_left',
        ownerId: (await me(token)).id,
        name: 'half-built',
        status: 'building',
        memoryMb: 512,
        timeoutSeconds: 30,
        createdAt: 1,
        updatedAt: 1,
      })
      .run();

    expect(recoverUnfinishedWork(db, 1000)).toEqual({ executions: 1, deployments: 1 });
    expect(db.select().from(executions).where(eq(executions.id, 'exe_left')).get()).toMatchObject({
      status: 'interrupted',
      finishedAt: 1000,
    });
    expect(db.select().from(deployments).where(eq(deployments.id, 'dep_left')).get()?.status).toBe(
      'failed',
    );
    expect(db.select().from(functions).where(eq(functions.id, 'fn_left')).get()?.status).toBe(
      'failed',
    );
    expect(db.select().from(functions).where(eq(functions.id, id)).get()?.status).toBe('active');
  });
});

async function me(token: string): Promise<{ id: string }> {
  const response = await t.request('GET', '/api/auth/me', { token });
  return ((await response.json()) as { user: { id: string } }).user;
}
