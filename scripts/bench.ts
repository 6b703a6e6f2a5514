/**
 * Invoke latency of a deployed function through the HTTP API, side by side with spawning the
 * same compiled program directly (request on stdin, response frame on stdout), in one run.
 *
 *   bun run bench [iterations]       (builds nothing: run `bun run build` first)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFunction } from '../src/runtime/build.ts';
import { resolveDartSdk } from '../src/runtime/dart-sdk.ts';
import { createFrameToken, encodeRequestLine } from '../src/runtime/protocol.ts';
import {
  BINARY,
  DART,
  callApi,
  deployArchive,
  packFixture,
  registerAccount,
  startCompiledServer,
} from '../test/helpers/compiled-server.ts';
import { copyToTemp, fixturePath } from '../test/fixtures/dart-standin/toolchain.ts';

const iterations = Number(process.argv[2] ?? 100);
const request = { method: 'POST', path: '/', headers: {}, query: {}, body: { action: 'echo' } };

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(run: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < 5; i++) await run(); // warm-up: page cache, JIT of the server
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return samples;
}

async function spawnDirectly(executable: string): Promise<void> {
  const token = createFrameToken();
  const child = Bun.spawn([executable], {
    env: { PATH: '/usr/bin:/bin', DART_CLOUD_PROTOCOL: '1', DART_CLOUD_FRAME: token },
    stdin: new TextEncoder().encode(encodeRequestLine({ id: 'bench', request })),
    stdout: 'pipe',
    stderr: 'ignore',
  });
  const output = await new Response(child.stdout).text();
  if ((await child.exited) !== 0 || !output.includes(`\x1e${token} `))
    throw new Error(`The program did not answer: ${output.slice(0, 500)}`);
}

if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`bun run build\` first`);

const buildDir = await mkdtemp(join(tmpdir(), 'dc-bench-build-'));
const sdk = await resolveDartSdk({ configured: DART });
const built = await buildFunction({
  sdk,
  sourceDir: copyToTemp(fixturePath('test_function')),
  outputFile: join(buildDir, 'program'),
});

const server = await startCompiledServer();
try {
  const token = await registerAccount(server.url);
  const deployed = await deployArchive(server.url, token, {
    name: 'bench',
    archive: await packFixture('test_function'),
  });
  if (!deployed.ok) throw new Error(`deploy answered ${deployed.status}`);

  const viaHttp = await measure(async () => {
    const answer = await callApi(server.url, {
      method: 'POST',
      path: '/api/functions/bench/invoke',
      token,
      json: { body: request.body },
    });
    if (answer.body.status !== 'success') throw new Error(JSON.stringify(answer.body));
  });
  const direct = await measure(() => spawnDirectly(built.executable));

  const row = (label: string, samples: number[]) =>
    `${label.padEnd(28)} p50 ${percentile(samples, 50).toFixed(1).padStart(7)} ms   ` +
    `p95 ${percentile(samples, 95).toFixed(1).padStart(7)} ms`;
  console.log(`dart toolchain: ${sdk.executable} (${sdk.version}), ${iterations} invocations each`);
  console.log(row('direct spawn of the program', direct));
  console.log(row('HTTP invoke (sandboxed)', viaHttp));
  console.log(
    `ratio HTTP/direct: p50 ${(percentile(viaHttp, 50) / percentile(direct, 50)).toFixed(2)}x, ` +
      `p95 ${(percentile(viaHttp, 95) / percentile(direct, 95)).toFixed(2)}x`,
  );
} finally {
  await server.stop();
  await rm(buildDir, { recursive: true, force: true });
}
