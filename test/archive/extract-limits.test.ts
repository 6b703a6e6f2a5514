import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { gzipSync } from 'node:zlib';
import {
  createRawHeader,
  createSandbox,
  createTar,
  createTarGz,
  expectRefused,
  type Sandbox,
} from './helpers.ts';

let sandbox: Sandbox;

beforeEach(async () => {
  sandbox = await createSandbox();
});

afterEach(async () => {
  await sandbox.cleanup();
});

const KiB = 1024;
const pubspec = { header: { name: 'pubspec.yaml' }, content: 'name: hello\n' };

describe('extractArchive refuses', () => {
  test('files that add up to more than the total cap', async () => {
    const archive = await createTarGz([
      { header: { name: 'one.bin' }, content: new Uint8Array(600 * KiB) },
      { header: { name: 'two.bin' }, content: new Uint8Array(600 * KiB) },
    ]);
    await expectRefused({
      sandbox,
      archive,
      pattern: /files add up to more than 1 MiB \(reached at entry "two\.bin"\)/,
      limits: { maxTotalBytes: 1024 * KiB },
    });
  });

  test('a file over the per-file cap', async () => {
    const content = new Uint8Array(100 * KiB);
    await expectRefused({
      sandbox,
      archive: await createTarGz([{ header: { name: 'big.bin' }, content }]),
      pattern: /"big\.bin" is 102400 bytes, over the per-file limit of 64 KiB/,
      limits: { maxFileBytes: 64 * KiB },
    });
  });

  test('a header that declares a gigabyte file, before reading its body', async () => {
    const header = createRawHeader({ name: 'huge.bin', size: 1024 ** 3, typeflag: '0' });
    await expectRefused({
      sandbox,
      archive: gzipSync(header),
      pattern: /"huge\.bin" is 1073741824 bytes, over the per-file limit of 50 MiB/,
    });
  });

  test('a gzip bomb of zero blocks', async () => {
    const bomb = gzipSync(new Uint8Array(8 * 1024 * KiB));
    expect(bomb.length).toBeLessThan(64 * KiB);
    await expectRefused({
      sandbox,
      archive: bomb,
      pattern: /The archive expands to more than 1029 KiB of tar data/,
      limits: { maxTotalBytes: 1024, maxEntries: 1 },
    });
  });

  test('more entries than the cap', async () => {
    const entries = ['a', 'b', 'c', 'd'].map((name) => ({ header: { name }, content: name }));
    await expectRefused({
      sandbox,
      archive: await createTarGz(entries),
      pattern: /The archive has more than 3 entries/,
      limits: { maxEntries: 3 },
    });
  });

  test('a path longer than the cap', async () => {
    const name = Array.from({ length: 11 }, () => 'd'.repeat(99)).join('/');
    await expectRefused({
      sandbox,
      archive: await createTarGz([{ header: { name }, content: 'x' }]),
      pattern: /has a path of 1099 characters, over the limit of 1024/,
    });
  });

  test('a path segment longer than 255 bytes', async () => {
    const name = `lib/${'x'.repeat(256)}`;
    await expectRefused({
      sandbox,
      archive: await createTarGz([{ header: { name }, content: 'x' }]),
      pattern: /has a path segment longer than 255 bytes/,
    });
  });

  test('a truncated gzip stream', async () => {
    const archive = await createTarGz([
      pubspec,
      { header: { name: 'a.txt' }, content: 'a'.repeat(10_000) },
    ]);
    await expectRefused({
      sandbox,
      archive: archive.subarray(0, Math.floor(archive.length / 2)),
      pattern: /The archive is truncated or not a tar\.gz \(unexpected end of file\)/,
    });
  });

  test('a tar cut off in the middle of a file', async () => {
    const tar = await createTar([{ header: { name: 'a.txt' }, content: 'a'.repeat(10_000) }]);
    await expectRefused({
      sandbox,
      archive: gzipSync(tar.subarray(0, 2048)),
      pattern: /The archive is truncated or not a tar\.gz \(Unexpected end of data\)/,
    });
  });

  test('an upload that fails halfway', async () => {
    const archive = await createTarGz([pubspec]);
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(archive.subarray(0, 20));
        controller.error(new Error('connection reset'));
      },
    });
    await expectRefused({
      sandbox,
      archive: failing,
      pattern: /The archive is truncated or not a tar\.gz \(connection reset\)/,
    });
  });

  test('input that is not gzip', async () => {
    await expectRefused({
      sandbox,
      archive: new TextEncoder().encode('PK\u0003\u0004 this is a zip'),
      pattern: /The archive is truncated or not a tar\.gz/,
    });
  });

  test('gzip data that is not a tar', async () => {
    await expectRefused({
      sandbox,
      archive: gzipSync('just some text, repeated. '.repeat(100)),
      pattern: /The archive is truncated or not a tar\.gz \(Invalid tar header/,
    });
  });

  test('an archive of zero bytes', async () => {
    await expectRefused({
      sandbox,
      archive: new Uint8Array(0),
      pattern: /The archive is truncated or not a tar\.gz \(unexpected end of file\)/,
    });
  });

  test('an archive without entries', async () => {
    await expectRefused({
      sandbox,
      archive: gzipSync(new Uint8Array(1024)),
      pattern: /The archive is empty: it holds no files/,
    });
  });

  test('an archive of directories only', async () => {
    await expectRefused({
      sandbox,
      archive: await createTarGz([{ header: { name: 'lib', type: 'directory' } }]),
      pattern: /The archive is empty: it holds no files/,
    });
  });
});
