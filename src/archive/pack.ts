/** Packs a Dart function package directory into a deterministic tar.gz for `dart_cloud deploy`. */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { pack, type Pack } from 'tar-stream';
import { ValidationError } from '../core/errors.ts';
import { DEFAULT_EXTRACT_LIMITS, renderBytes } from './limits.ts';

/** What `packDirectory` needs: the package directory and an optional cap on its file bytes. */
export interface PackDirectoryOptions {
  dir: string;
  /** Cap on the sum of file sizes; defaults to the server's extraction cap (100 MiB). */
  maxBytes?: number;
}

/** Skipped at any depth: tool caches, version control, editor and OS clutter. */
const SKIPPED_ANYWHERE = new Set([
  '.dart_tool',
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '.DS_Store',
]);
/** Skipped only at the package root, where they are build output (`lib/build/` is source). */
const SKIPPED_AT_ROOT = new Set(['build']);

// Fixed metadata keeps the bytes identical for identical contents.
const EPOCH = new Date(0);

interface PackItem {
  name: string;
  type: 'file' | 'directory';
  /** Absolute path to read the contents from (a link's target for an inner symlink). */
  source: string;
  mode: number;
  size: number;
}

/**
 * Returns the gzip'd tar of a function package. Entries come in sorted order with fixed times
 * and owners. `.dart_tool/`, `.git/`, `node_modules/`, a root `build/` and the like are left
 * out; a symlink is stored as a copy of its target when that is a file inside the package,
 * and left out otherwise. Throws ValidationError when `dir` is missing, is not a directory,
 * has no pubspec.yaml, or holds more than `maxBytes`.
 */
export async function packDirectory(options: PackDirectoryOptions): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_EXTRACT_LIMITS.maxTotalBytes;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new RangeError(`Expected maxBytes to be a positive integer, got ${maxBytes}`);
  }
  const root = await resolvePackageRoot(options.dir);
  const items = await collectItems({ root, maxBytes });

  const tar = pack();
  const tarBytes = collect(tar);
  for (const item of items) await addItem(tar, item);
  tar.finalize();

  return new Uint8Array(await promisify(gzip)(await tarBytes, { level: 9 }));
}

async function resolvePackageRoot(dir: string): Promise<string> {
  const stats = await stat(dir).catch(() => null);
  if (!stats?.isDirectory()) {
    const problem = stats ? 'is not a directory' : 'does not exist';
    throw new ValidationError(
      `Expected a function package directory, got '${dir}', which ${problem}`,
    );
  }
  const root = await realpath(dir);
  const pubspec = await stat(join(root, 'pubspec.yaml')).catch(() => null);
  if (!pubspec?.isFile()) {
    throw new ValidationError(
      `Expected a pubspec.yaml in '${dir}'; point deploy at the Dart package's root directory`,
    );
  }
  return root;
}

async function collectItems(options: { root: string; maxBytes: number }): Promise<PackItem[]> {
  const { root, maxBytes } = options;
  const items: PackItem[] = [];
  let total = 0;

  async function walk(dir: string): Promise<void> {
    const names = (await readdir(dir)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      if (SKIPPED_ANYWHERE.has(name) || (dir === root && SKIPPED_AT_ROOT.has(name))) continue;
      const path = join(dir, name);
      const entryName = relative(root, path).split(sep).join('/');
      const item = await describe({ root, path, name: entryName });
      if (!item) continue;

      items.push(item);
      checkServerLimits({ root, item, count: items.length });
      if (item.type === 'directory') {
        await walk(path);
        continue;
      }
      total += item.size;
      if (total > maxBytes) {
        throw new ValidationError(
          `Expected the package in '${root}' to hold at most ${renderBytes(maxBytes)} of files, ` +
            `got more (reached at '${entryName}')`,
        );
      }
    }
  }

  await walk(root);
  return items;
}

/** Fails early, before an upload, on what the server's extraction would refuse anyway. */
function checkServerLimits(options: { root: string; item: PackItem; count: number }): void {
  const { root, item, count } = options;
  const limits = DEFAULT_EXTRACT_LIMITS;
  if (count > limits.maxEntries) {
    throw new ValidationError(
      `Expected the package in '${root}' to hold at most ${limits.maxEntries} files and ` +
        'directories, got more',
    );
  }
  if (item.name.length > limits.maxPathLength) {
    throw new ValidationError(
      `Expected paths of at most ${limits.maxPathLength} characters, got '${item.name}'`,
    );
  }
  if (item.size > limits.maxFileBytes) {
    throw new ValidationError(
      `Expected files of at most ${renderBytes(limits.maxFileBytes)}, got '${item.name}' ` +
        `of ${item.size} bytes`,
    );
  }
}

/** Describes one path for the archive, or returns null when it is to be left out. */
async function describe(options: {
  root: string;
  path: string;
  name: string;
}): Promise<PackItem | null> {
  const { root, path, name } = options;
  const link = await lstat(path);
  if (link.isDirectory()) {
    return { name, type: 'directory', source: path, mode: 0o755, size: 0 };
  }
  if (link.isFile()) {
    return { name, type: 'file', source: path, mode: fileMode(link.mode), size: link.size };
  }
  if (!link.isSymbolicLink()) return null;

  const target = await realpath(path).catch(() => null);
  if (!target || !isInside(root, target)) return null;
  const targetStats = await stat(target);
  if (!targetStats.isFile()) return null;
  const mode = fileMode(targetStats.mode);
  return { name, type: 'file', source: target, mode, size: targetStats.size };
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function fileMode(mode: number): number {
  return (mode & 0o111) !== 0 ? 0o755 : 0o644;
}

function addItem(tar: Pack, item: PackItem): Promise<void> {
  const header = {
    name: item.type === 'directory' ? `${item.name}/` : item.name,
    type: item.type,
    mode: item.mode,
    mtime: EPOCH,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
  };
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null): void => (error ? reject(error) : resolve());
    if (item.type === 'directory') {
      tar.entry(header, done);
      return;
    }
    readFile(item.source).then((contents) => tar.entry(header, contents, done), reject);
  });
}

async function collect(tar: Pack): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of tar) chunks.push(chunk as Uint8Array);
  return Buffer.concat(chunks);
}
