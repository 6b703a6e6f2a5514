/** The CLI's message for a rate-limited request, on the compiled binary. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startWorld, type CliWorld } from './cli-harness.ts';

let world: CliWorld;

beforeAll(async () => {
  world = await startWorld({ serveArgs: ['--rate-limit-minute', '3'] });
}, 30_000);

afterAll(async () => {
  await world?.stop();
});

describe('rate limits in the CLI', () => {
  test('a 429 says when to retry once, and exits 1', async () => {
    await world.run(['register', '--email', 'rl@example.com', '--password', 'a-fine-password']);
    let result = await world.run(['list']);
    for (let attempt = 0; attempt < 5 && result.code === 0; attempt++) {
      result = await world.run(['list']);
    }

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Too many requests');
    expect(result.stderr.match(/retry in \d+ s/gi)?.length).toBe(1);
  }, 30_000);
});
