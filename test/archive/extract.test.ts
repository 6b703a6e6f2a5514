import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { extractArchive } from '../../src/archive/extract.ts';
import { ValidationError } from '../../src/core/errors.ts';
import {
  createChunkedStream,
  createRawHeader,
  createSandbox,
  createTarGz,
  expectFailure,
  expectRefused,
  listTree,
  type Sandbox,
} from './helpers.ts';

let sandbox: Sandbox;

beforeEach(async () => {
  sandbox = await createSandbox();
});

afterEach(async () => {
  await sandbox.cleanup();
});

const pubspec = { header: { name: 'pubspec.yaml' }, content: 'name: hello\n' };

describe('extractArchive', () => {
  test('extracts files and directories and counts them', async () => {
    const archive = await createTarGz([
      { header: { name: 'lib', type: 'directory' } },
      pubspec,
      { header: { name: 'lib/main.dart' }, content: 'void main() {}\n' },
      { header: { name: 'bin/tool/run.dart' }, content: 'x' },
    ]);

    const result = await extractArchive({ archive, destDir: sandbox.destDir });

    expect(result).toEqual({ files: 3, bytes: 12 + 15 + 1 });
    const tree = await listTree(sandbox.destDir);
    expect(tree).toEqual([
      'bin',
      'bin/tool',
      'bin/tool/run.dart',
      'lib',
      'lib/main.dart',
      'pubspec.yaml',
    ]);
    expect(await readFile(join(sandbox.destDir, 'lib/main.dart'), 'utf8')).toBe('void main() {}\n');
    expect(await listTree(sandbox.area)).toEqual(['dest', ...tree.map((path) => `dest/${path}`)]);
  });

  test('normalises modes and ignores owners and setuid bits', async () => {
    const archive = await createTarGz([
      { header: { name: 'open', type: 'directory', mode: 0o777 } },
      { header: { name: 'open/setuid', mode: 0o4777, uid: 0, gid: 0 }, content: '#!/bin/sh\n' },
      { header: { name: 'open/writable', mode: 0o666, uid: 4242, gid: 4242 }, content: 'x' },
    ]);

    await extractArchive({ archive, destDir: sandbox.destDir });

    const statOf = (path: string) => stat(join(sandbox.destDir, path));
    expect((await statOf('.')).mode & 0o7777).toBe(0o755);
    expect((await statOf('open')).mode & 0o7777).toBe(0o755);
    expect((await statOf('open/setuid')).mode & 0o7777).toBe(0o755);
    expect((await statOf('open/writable')).mode & 0o7777).toBe(0o644);
    expect((await statOf('open/writable')).uid).toBe(process.getuid?.() ?? 0);
  });

  test('accepts entries prefixed with ./, as GNU tar writes them', async () => {
    const archive = await createTarGz([
      { header: { name: './', type: 'directory' } },
      { header: { name: './pubspec.yaml' }, content: 'name: hello\n' },
      { header: { name: './lib/', type: 'directory' } },
    ]);

    await extractArchive({ archive, destDir: sandbox.destDir });

    expect(await listTree(sandbox.destDir)).toEqual(['lib', 'pubspec.yaml']);
  });

  test('extracts an archive made by the system tar, long names included', async () => {
    const source = join(sandbox.root, 'source');
    const deep = join('lib', 'd'.repeat(120), `${'f'.repeat(120)}.dart`);
    await mkdir(join(source, 'lib', 'd'.repeat(120)), { recursive: true });
    await writeFile(join(source, 'pubspec.yaml'), 'name: hello\n');
    await writeFile(join(source, deep), 'x');
    const made = Bun.spawnSync(['tar', '-czf', '-', '-C', source, '.']);
    expect(made.exitCode).toBe(0);

    const result = await extractArchive({ archive: made.stdout, destDir: sandbox.destDir });

    expect(result.files).toBe(2);
    expect(await readFile(join(sandbox.destDir, deep), 'utf8')).toBe('x');
  });

  test('extracts a stream arriving in small chunks like a buffer', async () => {
    const archive = await createTarGz([
      pubspec,
      { header: { name: 'a.txt' }, content: 'a'.repeat(5000) },
    ]);

    const result = await extractArchive({
      archive: createChunkedStream(archive, 7),
      destDir: sandbox.destDir,
    });

    expect(result).toEqual({ files: 2, bytes: 12 + 5000 });
  });

  test('stops reading an upload as soon as an entry is refused', async () => {
    const archive = await createTarGz([
      pubspec,
      { header: { name: 'lib', type: 'symlink', linkname: '/' } },
    ]);
    let cancelled = false;
    const neverEnding = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(archive);
      },
      cancel() {
        cancelled = true;
      },
    });

    await expectRefused({ sandbox, archive: neverEnding, pattern: /"lib" is a symbolic link/ });
    expect(cancelled).toBe(true);
  });

  test('refuses an existing target directory and leaves it untouched', async () => {
    await mkdir(sandbox.destDir);
    await writeFile(join(sandbox.destDir, 'keep.txt'), 'keep');
    const archive = await createTarGz([pubspec]);

    await expectFailure({
      promise: extractArchive({ archive, destDir: sandbox.destDir }),
      type: ValidationError,
      pattern: /Expected the extraction directory '.*dest' not to exist yet/,
    });
    expect(await listTree(sandbox.area)).toEqual(['dest', 'dest/keep.txt']);
  });
});

describe('extractArchive refuses', () => {
  /** Packs `entries` after a pubspec and expects the refusal `pattern`. */
  async function expectEntriesRefused(
    entries: Parameters<typeof createTarGz>[0],
    pattern: RegExp,
  ): Promise<void> {
    const archive = await createTarGz([pubspec, ...entries]);
    await expectRefused({ sandbox, archive, pattern });
  }

  test('an absolute path', async () => {
    const name = join(sandbox.root, 'escaped');
    await expectEntriesRefused(
      [{ header: { name }, content: 'x' }],
      /"\/.*escaped" has an absolute path/,
    );
  });

  test('a path with a .. segment', async () => {
    await expectEntriesRefused(
      [{ header: { name: 'lib/../../../escaped' }, content: 'x' }],
      /"lib\/\.\.\/\.\.\/\.\.\/escaped" contains a '\.\.' path segment/,
    );
  });

  test('a path with a backslash', async () => {
    await expectEntriesRefused(
      [{ header: { name: '..\\escaped' }, content: 'x' }],
      /"\.\.\\\\escaped" contains a backslash/,
    );
  });

  test('a symbolic link', async () => {
    await expectEntriesRefused(
      [{ header: { name: 'lib', type: 'symlink', linkname: '../..' } }],
      /"lib" is a symbolic link to "\.\.\/\.\."; links are not allowed/,
    );
  });

  test('a hard link', async () => {
    await expectEntriesRefused(
      [{ header: { name: 'passwd', type: 'link', linkname: '/etc/passwd' } }],
      /"passwd" is a hard link to "\/etc\/passwd"; links are not allowed/,
    );
  });

  test('a link followed by an entry through it', async () => {
    await expectEntriesRefused(
      [
        { header: { name: 'out', type: 'symlink', linkname: sandbox.root } },
        { header: { name: 'out/escaped' }, content: 'x' },
      ],
      /"out" is a symbolic link/,
    );
  });

  test('a duplicate entry', async () => {
    await expectEntriesRefused(
      [{ header: { name: './pubspec.yaml' }, content: 'name: evil\n' }],
      /"\.\/pubspec\.yaml" appears more than once/,
    );
  });

  test.each(['character-device', 'block-device', 'fifo'] as const)('a %s entry', async (type) => {
    await expectEntriesRefused(
      [{ header: { name: 'dev', type, devmajor: 1, devminor: 3 } }],
      new RegExp(`"dev" is a ${type}; special files are not allowed`),
    );
  });

  test('an entry of an unknown type', async () => {
    const header = createRawHeader({ name: 'sparse', size: 0, typeflag: 'S' });
    const archive = gzipSync(Buffer.concat([header, Buffer.alloc(1024)]));
    await expectRefused({ sandbox, archive, pattern: /"sparse" has an unsupported type/ });
  });

  test('a file where a directory is expected', async () => {
    await expectEntriesRefused(
      [
        { header: { name: 'lib' }, content: 'x' },
        { header: { name: 'lib/main.dart' }, content: 'y' },
      ],
      /"lib\/main\.dart" lies inside "lib", which the archive makes a file/,
    );
  });

  test('a file where a directory already is', async () => {
    await expectEntriesRefused(
      [
        { header: { name: 'lib/main.dart' }, content: 'y' },
        { header: { name: 'lib' }, content: 'x' },
      ],
      /"lib" is a file, but earlier entries use it as a directory/,
    );
  });

  test('a file in place of the archive root', async () => {
    await expectEntriesRefused([{ header: { name: './' }, content: 'x' }], /in place of the root/);
  });
});
