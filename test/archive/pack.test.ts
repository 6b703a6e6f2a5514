import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { chmod, mkdir, open, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extractArchive } from '../../src/archive/extract.ts';
import { packDirectory } from '../../src/archive/pack.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { createSandbox, expectFailure, listArchive, listTree, type Sandbox } from './helpers.ts';

let sandbox: Sandbox;
let pkg: string;

/** Writes files (creating parents) under the package directory. */
async function writeFiles(files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(pkg, path, '..'), { recursive: true });
    await writeFile(join(pkg, path), content);
  }
}

beforeEach(async () => {
  sandbox = await createSandbox();
  pkg = join(sandbox.root, 'pkg');
  await writeFiles({
    'pubspec.yaml': 'name: hello\n',
    'lib/hello.dart': 'class Hello {}\n',
    'lib/build/generated.dart': '// source, not build output\n',
    'bin/main.dart': 'void main() {}\n',
  });
});

afterEach(async () => {
  await sandbox.cleanup();
});

function expectInvalid(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  return expectFailure({ promise, type: ValidationError, pattern });
}

describe('packDirectory', () => {
  test('round-trips a package through extractArchive with contents and exec bits', async () => {
    await writeFiles({ 'tool/run.sh': '#!/bin/sh\necho hi\n' });
    await chmod(join(pkg, 'tool/run.sh'), 0o750);
    await mkdir(join(pkg, 'assets/empty'), { recursive: true });

    const archive = await packDirectory({ dir: pkg });
    const result = await extractArchive({ archive, destDir: sandbox.destDir });

    expect(await listTree(sandbox.destDir)).toEqual(await listTree(pkg));
    expect(result.files).toBe(5);
    for (const path of ['pubspec.yaml', 'lib/hello.dart', 'tool/run.sh']) {
      const original = await readFile(join(pkg, path), 'utf8');
      expect(await readFile(join(sandbox.destDir, path), 'utf8')).toBe(original);
    }
    expect((await stat(join(sandbox.destDir, 'tool/run.sh'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(sandbox.destDir, 'lib/hello.dart'))).mode & 0o777).toBe(0o644);
  });

  test('lists entries in sorted order, directories before their contents', async () => {
    const names = await listArchive(await packDirectory({ dir: pkg }));

    expect(names).toEqual([
      'directory bin/',
      'file bin/main.dart',
      'directory lib/',
      'directory lib/build/',
      'file lib/build/generated.dart',
      'file lib/hello.dart',
      'file pubspec.yaml',
    ]);
  });

  test('produces identical bytes for identical contents', async () => {
    const first = await packDirectory({ dir: pkg });
    await Bun.sleep(1100);
    await writeFile(join(pkg, 'lib/hello.dart'), 'class Hello {}\n');

    expect(await packDirectory({ dir: pkg })).toEqual(first);
  });

  test('leaves out tool caches, version control, node_modules and the root build/', async () => {
    await writeFiles({
      '.dart_tool/package_config.json': '{}',
      '.git/HEAD': 'ref: refs/heads/main\n',
      'node_modules/left-pad/index.js': '',
      'build/app.exe': 'binary',
      'lib/.DS_Store': '',
    });

    const names = await listArchive(await packDirectory({ dir: pkg }));

    const junk = /dart_tool|\.git|node_modules| build\/|DS_Store/;
    expect(names.filter((name) => junk.test(name))).toEqual([]);
    expect(names).toContain('file lib/build/generated.dart');
  });

  test('stores a symlink to a file inside the package as a copy and skips all others', async () => {
    await writeFile(join(sandbox.root, 'secret.txt'), 'outside');
    await symlink('hello.dart', join(pkg, 'lib/alias.dart'));
    await symlink(join(sandbox.root, 'secret.txt'), join(pkg, 'lib/secret.txt'));
    await symlink('../..', join(pkg, 'lib/up'));
    await symlink('missing.dart', join(pkg, 'lib/dangling.dart'));
    await symlink('../bin', join(pkg, 'lib/bin-dir'));

    const archive = await packDirectory({ dir: pkg });
    const names = await listArchive(archive);

    const inLib = names.filter((name) => name.startsWith('file lib/') || name.includes('link'));
    expect(inLib).toEqual([
      'file lib/alias.dart',
      'file lib/build/generated.dart',
      'file lib/hello.dart',
    ]);
    await extractArchive({ archive, destDir: sandbox.destDir });
    const copy = await readFile(join(sandbox.destDir, 'lib/alias.dart'), 'utf8');
    expect(copy).toBe('class Hello {}\n');
  });

  test('refuses a directory that does not exist', async () => {
    await expectInvalid(
      packDirectory({ dir: join(sandbox.root, 'nope') }),
      /Expected a function package directory, got '.*nope', which does not exist/,
    );
  });

  test('refuses a path that is a file', async () => {
    await expectInvalid(
      packDirectory({ dir: join(pkg, 'pubspec.yaml') }),
      /got '.*pubspec\.yaml', which is not a directory/,
    );
  });

  test('refuses a directory without pubspec.yaml', async () => {
    await expectInvalid(
      packDirectory({ dir: join(pkg, 'lib') }),
      /Expected a pubspec\.yaml in '.*lib'; point deploy at the Dart package's root directory/,
    );
  });

  test('refuses a package larger than maxBytes', async () => {
    await writeFiles({ 'assets/big.txt': 'x'.repeat(2000) });
    await expectInvalid(
      packDirectory({ dir: pkg, maxBytes: 1000 }),
      /at most 1000 bytes of files, got more \(reached at 'assets\/big\.txt'\)/,
    );
  });

  test('refuses a file over the server per-file cap before reading it', async () => {
    const handle = await open(join(pkg, 'assets.bin'), 'w');
    await handle.truncate(51 * 1024 * 1024);
    await handle.close();

    await expectInvalid(
      packDirectory({ dir: pkg }),
      /Expected files of at most 50 MiB, got 'assets\.bin' of 53477376 bytes/,
    );
  });
});
