import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { callApi } from '../helpers/compiled-server.ts';
import { residentBytes, startSandboxWorld, type SandboxWorld } from './sandbox-harness.ts';

// Each test starts or drives servers and their executions; a busy host is slower.
setDefaultTimeout(30_000);

let world: SandboxWorld;

beforeAll(async () => {
  world = await startSandboxWorld({ functions: { fn: { fields: { timeout: '60' } } } });
});
afterAll(() => world.server.stop());

const MiB = 1024 * 1024;
const MARKER = /^\[dart_cloud\] Logs truncated: this execution wrote more than 1 MiB of logs/;

interface StoredLine {
  id: number;
  stream: string;
  message: string;
  metadata: unknown;
}

/** Every stored log line of one execution, oldest first, paged with the cursor. */
async function allLogs(executionId: string): Promise<StoredLine[]> {
  const lines: StoredLine[] = [];
  for (let cursor = 0; ;) {
    const page = await callApi(world.server.url, {
      path: `/api/functions/fn/logs?execution_id=${executionId}&limit=1000&after=${cursor}`,
      token: world.token,
    });
    lines.push(...(page.body.logs as StoredLine[]));
    if (page.body.logs.length < 1000) return lines;
    cursor = page.body.cursor;
  }
}

function storedBytes(lines: StoredLine[]): number {
  let bytes = 0;
  for (const line of lines) {
    bytes += Buffer.byteLength(line.message);
    if (line.metadata) bytes += JSON.stringify(line.metadata).length;
  }
  return bytes;
}

describe('output and response caps on the compiled server', () => {
  test('output far past the log cap keeps about 1 MiB of logs, ending with a visible marker', async () => {
    const { status, body } = await world.invoke('fn', { action: 'output', mb: 16 });
    expect(status).toBe(200);
    expect(body.result).toEqual({ printed: 16 });

    const lines = await allLogs(body.execution_id);
    expect(lines.at(-1)?.message).toMatch(MARKER);
    expect(lines.filter((line) => MARKER.test(line.message))).toHaveLength(1);
    expect(storedBytes(lines)).toBeGreaterThan(MiB / 2);
    expect(storedBytes(lines)).toBeLessThanOrEqual(MiB + 1024);
  });

  test('log with many lines is cut the same way, logger records included', async () => {
    const { status, body } = await world.invoke('fn', { action: 'log', lines: 40_000 });
    expect(status).toBe(200);
    expect(body.result).toEqual({ logged: 40_000 });

    const lines = await allLogs(body.execution_id);
    expect(lines.length).toBeLessThan(80_000);
    expect(new Set(lines.map((line) => line.stream))).toEqual(
      new Set(['logger', 'stdout', 'stderr']),
    );
    expect(lines.at(-1)?.stream).toBe('stderr');
    expect(lines.at(-1)?.message).toMatch(MARKER);
    expect(storedBytes(lines)).toBeLessThanOrEqual(MiB + 1024);
  });

  test('big past the response cap answers 502 response_too_large and names the cap', async () => {
    const { status, body } = await world.invoke('fn', { action: 'big', mb: 24 });
    expect(status).toBe(502);
    expect(body).toMatchObject({
      status: 'response_too_large',
      result: null,
      error: 'Response too large',
      details: expect.stringContaining('larger than the 6 MiB cap'),
    });
    expect((await world.record('fn', body.execution_id)).status).toBe('response_too_large');
  });

  test("the server's memory stays bounded while functions print and answer far past the caps", async () => {
    await world.invoke('fn', { action: 'output', mb: 8 });
    const before = residentBytes(world.server.pid);

    const printed = await world.invoke('fn', { action: 'output', mb: 128 });
    const answered = await world.invoke('fn', { action: 'big', mb: 48 });
    expect(printed.status).toBe(200);
    expect(answered.body.status).toBe('response_too_large');

    // 176 MiB went through the server; buffering any of it whole would show here.
    const grown = residentBytes(world.server.pid) - before;
    expect(grown).toBeLessThan(88 * MiB);
    expect((await fetch(`${world.server.url}/api/health`)).ok).toBe(true);
  });
});
