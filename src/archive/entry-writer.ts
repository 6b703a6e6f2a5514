/** Writes tar entries one by one into a fresh directory, refusing every unsafe kind. */
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Extract } from 'tar-stream';
import { ArchiveRejectedError } from '../core/errors.ts';
import { parseEntryPath, renderEntryName } from './entry-path.ts';
import { renderBytes, type ExtractLimits } from './limits.ts';

type Kind = 'file' | 'directory';

/** One entry of the tar stream: its header and a readable of its contents. */
export type Entry = Extract extends AsyncIterable<infer T> ? T : never;

/** Writes entries under `root` and counts what it wrote. */
export interface EntryWriter {
  write(entry: Entry): Promise<void>;
  readonly files: number;
  readonly bytes: number;
}

const SPECIAL_TYPES = new Set(['character-device', 'block-device', 'fifo']);

// O_EXCL and O_NOFOLLOW are a second line of defence: the tree is fresh and holds no links.
const CREATE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

// Names that differ in the archive can still meet on disk (case-insensitive file systems).
const COLLISION_CODES = new Set(['EEXIST', 'ENOTDIR', 'EISDIR', 'ELOOP', 'ENAMETOOLONG']);

function rethrowAs(shown: string): (error: unknown) => never {
  return (error) => {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && COLLISION_CODES.has(code)) {
      throw new ArchiveRejectedError(
        `Archive entry ${shown} collides with an earlier entry on this file system (${code})`,
        { cause: error },
      );
    }
    throw error;
  };
}

/**
 * Creates a writer for one extraction into the empty directory `root`. Links of both kinds
 * are refused outright (the simplest rule that is safe), as are devices, fifos and unknown
 * types. Modes from the archive are reduced to 0644 or 0755; owners are never applied.
 */
export function createEntryWriter(options: { root: string; limits: ExtractLimits }): EntryWriter {
  const { root, limits } = options;
  const kinds = new Map<string, Kind>();
  const explicit = new Set<string>();
  let entries = 0;
  let files = 0;
  let bytes = 0;

  function claim(name: string, segments: string[], kind: Kind): void {
    const shown = renderEntryName(name);
    for (let depth = 1; depth < segments.length; depth++) {
      const ancestor = segments.slice(0, depth).join('/');
      if (kinds.get(ancestor) === 'file') {
        throw new ArchiveRejectedError(
          `Archive entry ${shown} lies inside "${ancestor}", which the archive makes a file`,
        );
      }
      kinds.set(ancestor, 'directory');
    }

    const path = segments.join('/');
    if (explicit.has(path)) {
      throw new ArchiveRejectedError(`Archive entry ${shown} appears more than once`);
    }
    if (kind === 'file' && kinds.get(path) === 'directory') {
      throw new ArchiveRejectedError(
        `Archive entry ${shown} is a file, but earlier entries use it as a directory`,
      );
    }
    kinds.set(path, kind);
    explicit.add(path);
  }

  async function writeFile(entry: Entry, segments: string[]): Promise<void> {
    const shown = renderEntryName(entry.header.name);
    const size = entry.header.size ?? 0;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new ArchiveRejectedError(`Archive entry ${shown} has an invalid size`);
    }
    if (size > limits.maxFileBytes) {
      throw new ArchiveRejectedError(
        `Archive entry ${shown} is ${size} bytes, over the per-file limit of ` +
          renderBytes(limits.maxFileBytes),
      );
    }
    if (bytes + size > limits.maxTotalBytes) {
      throw new ArchiveRejectedError(
        `The archive's files add up to more than ${renderBytes(limits.maxTotalBytes)} ` +
          `(reached at entry ${shown})`,
      );
    }

    if (segments.length > 1) {
      await mkdir(join(root, ...segments.slice(0, -1)), { recursive: true, mode: 0o755 });
    }
    const mode = ((entry.header.mode ?? 0) & 0o111) !== 0 ? 0o755 : 0o644;
    const handle = await open(join(root, ...segments), CREATE_FLAGS, mode);
    try {
      await handle.chmod(mode);
      for await (const chunk of entry) await handle.write(chunk as Uint8Array);
    } finally {
      await handle.close();
    }
    files += 1;
    bytes += size;
  }

  async function write(entry: Entry): Promise<void> {
    const { name, linkname } = entry.header;
    // The typings promise a known type; the parser gives null for unknown typeflags.
    const type: string | null = entry.header.type ?? null;
    const shown = renderEntryName(name);

    entries += 1;
    if (entries > limits.maxEntries) {
      throw new ArchiveRejectedError(`The archive has more than ${limits.maxEntries} entries`);
    }
    const segments = parseEntryPath({ name, maxPathLength: limits.maxPathLength });

    if (type === 'symlink' || type === 'link') {
      const what = type === 'symlink' ? 'a symbolic link' : 'a hard link';
      throw new ArchiveRejectedError(
        `Archive entry ${shown} is ${what} to ${renderEntryName(linkname ?? '')}; ` +
          'links are not allowed',
      );
    }
    if (type && SPECIAL_TYPES.has(type)) {
      throw new ArchiveRejectedError(
        `Archive entry ${shown} is a ${type}; special files are not allowed`,
      );
    }

    if (type === 'directory') {
      entry.resume();
      if (segments.length === 0) return;
      claim(name, segments, 'directory');
      const path = join(root, ...segments);
      await mkdir(path, { recursive: true, mode: 0o755 }).catch(rethrowAs(shown));
      return;
    }
    if (type === 'file' || type === 'contiguous-file') {
      if (segments.length === 0) {
        throw new ArchiveRejectedError(`Archive entry ${shown} is a file in place of the root`);
      }
      claim(name, segments, 'file');
      await writeFile(entry, segments).catch(rethrowAs(shown));
      return;
    }
    throw new ArchiveRejectedError(
      `Archive entry ${shown} has an unsupported type; only files and directories are allowed`,
    );
  }

  return {
    write,
    get files() {
      return files;
    },
    get bytes() {
      return bytes;
    },
  };
}
