/** Caps that keep an uploaded function archive from overwhelming its extraction. */

const MiB = 1024 * 1024;

/** The caps applied while extracting one archive; every field has a default. */
export interface ExtractLimits {
  /** Sum of all file sizes once extracted. */
  maxTotalBytes: number;
  /** Size of any single file. */
  maxFileBytes: number;
  /** Entries of any kind (files and directories). */
  maxEntries: number;
  /** Characters in an entry's path, after `./` prefixes and trailing slashes are dropped. */
  maxPathLength: number;
}

/** The defaults: 100 MiB in all, 50 MiB per file, 10,000 entries, paths of 1,024 characters. */
export const DEFAULT_EXTRACT_LIMITS: Readonly<ExtractLimits> = Object.freeze({
  maxTotalBytes: 100 * MiB,
  maxFileBytes: 50 * MiB,
  maxEntries: 10_000,
  maxPathLength: 1024,
});

/** The longest single path segment most file systems accept (NAME_MAX, in bytes). */
export const MAX_SEGMENT_BYTES = 255;

/** Fills in defaults and checks that every given cap is a positive integer. */
export function resolveExtractLimits(limits: Partial<ExtractLimits> = {}): ExtractLimits {
  const resolved = { ...DEFAULT_EXTRACT_LIMITS, ...limits };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`Expected limits.${key} to be a positive integer, got ${value}`);
    }
  }
  return resolved;
}

/**
 * The cap on the decompressed tar stream itself: file contents plus room for headers, padding
 * and long-name records. It stops bombs made of headers or zero blocks rather than file data.
 */
export function maxInflatedBytes(limits: ExtractLimits): number {
  return limits.maxTotalBytes + limits.maxEntries * 4096 + MiB;
}

/** Renders a byte count for messages: "100 MiB", "512 KiB", "12 bytes". */
export function renderBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
