/** Builders for test archives (friendly and hostile) and a sandbox to extract them into. */
import { expect } from 'bun:test';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { extract, pack, type Header } from 'tar-stream';
import { extractArchive } from '../../src/archive/extract.ts';
import type { ExtractLimits } from '../../src/archive/limits.ts';
import { ArchiveRejectedError } from '../../src/core/errors.ts';

/** One entry to put in a test archive; `content` defaults to none. */
export interface TestEntry {
  header: Partial<Header> & Pick<Header, 'name'>;
  content?: string | Uint8Array;
}

/** Packs entries with tar-stream exactly as given, without any safety checks. */
export async function createTar(entries: TestEntry[]): Promise<Uint8Array> {
  const tar = pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of tar) chunks.push(chunk as Uint8Array);
  })();
  for (const { header, content } of entries) {
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null): void => (error ? reject(error) : resolve());
      if (content === undefined) tar.entry({ ...header }, done);
      else tar.entry({ ...header }, Buffer.from(content), done);
    });
  }
  tar.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** Packs and gzips entries. */
export async function createTarGz(entries: TestEntry[]): Promise<Uint8Array> {
  return gzipSync(await createTar(entries));
}

/** A hand-made 512-byte ustar header, for what tar-stream's packer refuses to write. */
export function createRawHeader(options: { name: string; size: number; typeflag: string }): Buffer {
  const block = Buffer.alloc(512);
  block.write(options.name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'ascii');
  block.write('0000000\0', 108, 'ascii');
  block.write('0000000\0', 116, 'ascii');
  block.write(`${options.size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  block.write('00000000000\0', 136, 'ascii');
  block.write(options.typeflag, 156, 'ascii');
  block.write('ustar\x0000', 257, 'binary');
  block.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/** Names and types of a tar.gz's entries, in archive order. */
export async function listArchive(archive: Uint8Array): Promise<string[]> {
  const extractor = extract();
  const names: string[] = [];
  extractor.end(gunzipSync(archive));
  for await (const entry of extractor) {
    names.push(`${entry.header.type} ${entry.header.name}`);
    entry.resume();
  }
  return names;
}

/** A temporary tree: `root/area` is the extraction's parent and `root/area/dest` its target. */
export interface Sandbox {
  root: string;
  area: string;
  destDir: string;
  cleanup(): Promise<void>;
}

/** Creates a fresh sandbox under the system temporary directory. */
export async function createSandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'dart-cloud-archive-'));
  const area = join(root, 'area');
  await mkdir(area);
  return {
    root,
    area,
    destDir: join(area, 'dest'),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Every path under `dir`, relative and sorted, directories included. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map((entry) => entry.split('\\').join('/')).sort();
}

/** Awaits a rejection with an error of class `type` whose message matches `pattern`. */
export async function expectFailure(options: {
  promise: Promise<unknown>;
  type: abstract new (...args: never[]) => Error;
  pattern: RegExp;
}): Promise<void> {
  const error = await options.promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(options.type);
  expect((error as Error).message).toMatch(options.pattern);
}

/**
 * Extracts into the sandbox and expects an ArchiveRejectedError matching `pattern`; then
 * nothing at all may exist in the sandbox but the empty parent directory.
 */
export async function expectRefused(options: {
  sandbox: Sandbox;
  archive: Uint8Array | ReadableStream<Uint8Array>;
  pattern: RegExp;
  limits?: Partial<ExtractLimits>;
}): Promise<void> {
  const { sandbox, archive, pattern, limits } = options;
  const promise = extractArchive({ archive, destDir: sandbox.destDir, limits });
  await expectFailure({ promise, type: ArchiveRejectedError, pattern });
  expect(await listTree(sandbox.root)).toEqual(['area']);
}

/** A ReadableStream that delivers `bytes` in chunks of `size`. */
export function createChunkedStream(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += size) {
        controller.enqueue(bytes.subarray(offset, offset + size));
      }
      controller.close();
    },
  });
}
