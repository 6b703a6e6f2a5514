/**
 * Per-execution overhead of the sandbox (cgroup setup and teardown, user switch, namespaces,
 * working directory) against a bare spawn of the same program, measured side by side in one run.
 *
 *   bun scripts/bench-sandbox.ts [iterations]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecuteOptions, Runtime } from '../src/runtime/executor.ts';

// The runtime's start-up report is not part of the figures; the logger reads this at import.
process.env.DART_CLOUD_LOG_LEVEL ??= 'warn';
const { createRuntime } = await import('../src/runtime/executor.ts');
const { createFrameToken, encodeRequestLine } = await import('../src/runtime/protocol.ts');
const iterations = Number(process.argv[2] ?? 200);
const SASS = join(
  import.meta.dir,
  '..',
  'node_modules',
  'sass-embedded-linux-x64',
  'dart-sass',
  'src',
);

// The smallest handler that speaks the protocol: its start-up cost is close to nothing, so
// what remains is the sandbox's own cost.
const TINY_HANDLER = `#!/bin/sh
read -r line
printf '\\036%s {"type":"response","id":"%s","statusCode":200,"headers":{},"body":"ok","encoding":"utf8"}\\n' "$DART_CLOUD_FRAME" "$DART_CLOUD_EXECUTION_ID"
`;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function bareSpawn(
  cmd: string[],
  env: Record<string, string>,
  stdin: Uint8Array,
): Promise<void> {
  const child = Bun.spawn({ cmd, env, stdin, stdout: 'pipe', stderr: 'pipe' });
  await Promise.all([
    new Response(child.stdout).arrayBuffer(),
    new Response(child.stderr).arrayBuffer(),
    child.exited,
  ]);
}

const dataDir = mkdtempSync(join(tmpdir(), 'dc-bench-data-'));
const sandboxDir = mkdtempSync(join(tmpdir(), 'dc-bench-sandbox-'));
const runtime = createRuntime({ dataDir, sandboxDir });
writeFileSync(join(dataDir, 'tiny'), TINY_HANDLER);
const tiny = await runtime.installExecutable({
  sourceFile: join(dataDir, 'tiny'),
  deploymentId: 'bench-tiny',
});
// The same sandbox without the user switch, to show what that part costs.
const sameUserDir = mkdtempSync(join(tmpdir(), 'dc-bench-same-user-'));
const sameUser: Runtime = createRuntime({ dataDir: sameUserDir, runAsUser: null });
const tinySameUser = await sameUser.installExecutable({
  sourceFile: join(dataDir, 'tiny'),
  deploymentId: 'bench-tiny',
});

let counter = 0;
const executeOptions = (network: boolean): ExecuteOptions => ({
  executionId: `bench-${(counter += 1)}`,
  functionId: 'bench',
  functionName: 'bench',
  executable: tiny,
  contract: 'handler',
  request: { method: 'GET', path: '/', headers: {}, query: {}, body: null },
  env: {},
  memoryMb: 128,
  timeoutMs: 10_000,
  network,
});

const modes: Record<string, () => Promise<unknown>> = {
  'tiny handler, bare spawn': () => {
    const id = `bare-${(counter += 1)}`;
    const env = {
      PATH: '/usr/bin:/bin',
      DART_CLOUD_FRAME: createFrameToken(),
      DART_CLOUD_EXECUTION_ID: id,
    };
    const request = Buffer.from(encodeRequestLine({ id, request: executeOptions(true).request }));
    return bareSpawn([tiny], env, request);
  },
  'tiny handler, sandbox': () => runtime.execute(executeOptions(true)),
  'tiny handler, sandbox, same user': () =>
    sameUser.execute({ ...executeOptions(true), executable: tinySameUser }),
  'tiny handler, sandbox + no network': () => runtime.execute(executeOptions(false)),
  'Dart VM (sass), bare spawn': () =>
    bareSpawn(
      [join(SASS, 'dart'), join(SASS, 'sass.snapshot'), '--stdin'],
      { PATH: '/usr/bin:/bin' },
      Buffer.from('a{b{c:d}}'),
    ),
  'Dart VM (sass), sandbox': () =>
    runtime.runCommand({
      executionId: `bench-${(counter += 1)}`,
      executable: join(SASS, 'dart'),
      args: [join(SASS, 'sass.snapshot'), '--stdin'],
      stdin: 'a{b{c:d}}',
      memoryMb: 128,
      timeoutMs: 10_000,
    }),
};

const samples: Record<string, number[]> = Object.fromEntries(
  Object.keys(modes).map((name) => [name, []]),
);
for (const run of Object.values(modes)) await run(); // warm-up
for (let i = 0; i < iterations; i += 1) {
  // Interleaved, so that drift in the machine's load touches every mode alike.
  for (const [name, run] of Object.entries(modes)) samples[name]?.push(await time(run));
}

console.log(`sandbox: ${JSON.stringify(runtime.capabilities)}`);
console.log(`${iterations} iterations per mode, interleaved\n`);
console.log('mode                                   p50 ms   p95 ms');
for (const [name, values] of Object.entries(samples)) {
  console.log(
    `${name.padEnd(38)} ${percentile(values, 50).toFixed(2).padStart(7)}  ${percentile(values, 95).toFixed(2).padStart(7)}`,
  );
}
const ratio = (sandboxed: string, bare: string): string => {
  const s = samples[sandboxed] ?? [];
  const b = samples[bare] ?? [];
  const p50 = percentile(s, 50) / percentile(b, 50);
  const extra = percentile(s, 50) - percentile(b, 50);
  return `${sandboxed}: ${p50.toFixed(2)}x bare at p50 (+${extra.toFixed(2)} ms), ${(percentile(s, 95) / percentile(b, 95)).toFixed(2)}x at p95`;
};
console.log('');
console.log(ratio('tiny handler, sandbox', 'tiny handler, bare spawn'));
console.log(ratio('tiny handler, sandbox, same user', 'tiny handler, bare spawn'));
console.log(ratio('tiny handler, sandbox + no network', 'tiny handler, bare spawn'));
console.log(ratio('Dart VM (sass), sandbox', 'Dart VM (sass), bare spawn'));

await runtime.shutdown();
await sameUser.shutdown();
rmSync(dataDir, { recursive: true, force: true });
rmSync(sameUserDir, { recursive: true, force: true });
rmSync(sandboxDir, { recursive: true, force: true });
