/**
 * Safe extraction of an uploaded function archive (tar.gz). Everything is written into a fresh
 * temporary directory beside `destDir` and renamed into place only when the whole archive
 * passed every check, so a rejected archive leaves nothing behind.
 */
import { chmod, lstat, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { extract } from 'tar-stream';
import { ArchiveRejectedError, DartCloudError, ValidationError } from '../core/errors.ts';
import { createEntryWriter } from './entry-writer.ts';
import { feedExtractor, type ArchiveSource } from './inflate.ts';
import { maxInflatedBytes, resolveExtractLimits, type ExtractLimits } from './limits.ts';

/** What `extractArchive` needs: the archive, where it goes, and optional caps. */
export interface ExtractArchiveOptions {
  archive: ArchiveSource;
  /** Must not exist yet; its parent is created when missing. */
  destDir: string;
  /** Overrides for `DEFAULT_EXTRACT_LIMITS`. */
  limits?: Partial<ExtractLimits>;
}

/** What was extracted: regular files and the sum of their sizes. */
export interface ExtractResult {
  files: number;
  bytes: number;
}

/**
 * Extracts a tar.gz into `destDir`, streaming. Throws ArchiveRejectedError, naming the entry
 * and the reason, for unsafe paths, links, special files, duplicates, file/directory clashes,
 * exceeded limits, corrupt or truncated input and archives without files; then nothing is left.
 */
export async function extractArchive(options: ExtractArchiveOptions): Promise<ExtractResult> {
  const limits = resolveExtractLimits(options.limits);
  const destDir = resolve(options.destDir);
  if (await exists(destDir)) {
    throw new ValidationError(`Expected the extraction directory '${destDir}' not to exist yet`);
  }

  const parent = dirname(destDir);
  await mkdir(parent, { recursive: true });
  const workDir = await mkdtemp(join(parent, `.${basename(destDir)}.extracting-`));
  try {
    const result = await extractInto({ archive: options.archive, root: workDir, limits });
    await chmod(workDir, 0o755);
    await rename(workDir, destDir);
    return result;
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw toArchiveError(error);
  }
}

async function extractInto(options: {
  archive: ArchiveSource;
  root: string;
  limits: ExtractLimits;
}): Promise<ExtractResult> {
  const { archive, root, limits } = options;
  const extractor = extract();
  const writer = createEntryWriter({ root, limits });
  const feeding = feedExtractor({ archive, extractor, maxBytes: maxInflatedBytes(limits) });

  // An entry's stream fails with a bland "destroyed" error; the extractor's says why.
  let streamError: unknown;
  extractor.on('error', (error) => {
    streamError ??= error;
  });

  try {
    for await (const entry of extractor) await writer.write(entry);
  } catch (error) {
    throw error instanceof DartCloudError || isFileSystemError(error)
      ? error
      : (streamError ?? error);
  } finally {
    // Stops the feeder too when an entry was refused; a finished extractor ignores this.
    extractor.destroy();
    await feeding;
  }

  if (writer.files === 0) {
    throw new ArchiveRejectedError('The archive is empty: it holds no files');
  }
  return { files: writer.files, bytes: writer.bytes };
}

/** Errors from gunzip or the tar parser mean bad input; file-system errors stay as they are. */
function toArchiveError(error: unknown): unknown {
  if (error instanceof DartCloudError || isFileSystemError(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ArchiveRejectedError(`The archive is truncated or not a tar.gz (${detail})`, {
    cause: error,
  });
}

function isFileSystemError(error: unknown): boolean {
  return error instanceof Error && 'syscall' in error;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
