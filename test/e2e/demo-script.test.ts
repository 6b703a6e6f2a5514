/** scripts/demo.sh shows each command as a user would type it. */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli-harness.ts';

/** The demo's `shell_quote` and `run` definitions, with `bin` a no-op instead of the binary. */
function demoHelpers(): string {
  const script = readFileSync(join(ROOT, 'scripts', 'demo.sh'), 'utf8');
  const definition = (name: string): string => {
    const match = new RegExp(`^${name}\\(\\) \\{\\n[\\s\\S]*?^\\}$`, 'm').exec(script);
    if (!match) throw new Error(`scripts/demo.sh defines no ${name}()`);
    return match[0];
  };
  return `bin=true\n${definition('shell_quote')}\n${definition('run')}\n`;
}

describe('scripts/demo.sh', () => {
  test('the demo prints each command shell-quoted, as it can be pasted', async () => {
    const child = Bun.spawn(
      ['bash', '-c', `${demoHelpers()}run invoke hello --data '{"name": "Dart"}' "it's"`],
      { stdout: 'pipe', stderr: 'pipe' },
    );
    const output = await new Response(child.stdout).text();

    expect(await child.exited).toBe(0);
    expect(output.trim()).toBe(`$ dart_cloud invoke hello --data '{"name": "Dart"}' 'it'\\''s'`);
  });
});
