/** Checks and normalises the path of one tar entry before anything touches the disk. */
import { ArchiveRejectedError } from '../core/errors.ts';
import { MAX_SEGMENT_BYTES } from './limits.ts';

/**
 * Returns the entry's path as safe relative segments: `.` segments and empty ones (from a
 * leading `./` or a trailing `/`) are dropped. An empty result names the archive root.
 * Throws ArchiveRejectedError for absolute paths, `..` segments, backslashes, control
 * characters and over-long paths or segments.
 */
export function parseEntryPath(options: { name: string; maxPathLength: number }): string[] {
  const { name, maxPathLength } = options;
  const shown = renderEntryName(name);

  if (name.startsWith('/')) {
    throw new ArchiveRejectedError(`Archive entry ${shown} has an absolute path`);
  }
  if (name.includes('\\')) {
    throw new ArchiveRejectedError(`Archive entry ${shown} contains a backslash`);
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new ArchiveRejectedError(`Archive entry ${shown} contains a control character`);
  }

  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw new ArchiveRejectedError(`Archive entry ${shown} contains a '..' path segment`);
  }

  const path = segments.join('/');
  if (path.length > maxPathLength) {
    throw new ArchiveRejectedError(
      `Archive entry ${shown} has a path of ${path.length} characters, over the limit of ` +
        `${maxPathLength}`,
    );
  }
  for (const segment of segments) {
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      throw new ArchiveRejectedError(
        `Archive entry ${shown} has a path segment longer than ${MAX_SEGMENT_BYTES} bytes`,
      );
    }
  }
  return segments;
}

/** Quotes an entry name for a message, shortening names too long to read. */
export function renderEntryName(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}...` : name);
}
