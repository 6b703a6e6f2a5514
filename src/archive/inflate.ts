/** The decompressing half of extraction: archive bytes in, metered tar bytes out. */
import { once } from 'node:events';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { Extract } from 'tar-stream';
import { ArchiveRejectedError } from '../core/errors.ts';
import { renderBytes } from './limits.ts';

/** An archive as a whole buffer or as a stream of chunks (for example a request body). */
export type ArchiveSource = Uint8Array | ReadableStream<Uint8Array>;

/**
 * Gunzips the archive into the tar extractor, honouring its back-pressure, and destroys the
 * extractor with the error when gunzip fails or the tar stream grows past `maxBytes`. When
 * the extractor goes away first (an entry was refused) the upload is cancelled, not drained.
 * Resolves once everything is written or the extractor is gone; never rejects.
 */
export async function feedExtractor(options: {
  archive: ArchiveSource;
  extractor: Extract;
  maxBytes: number;
}): Promise<void> {
  const { archive, extractor, maxBytes } = options;
  const gunzip = createGunzip();
  const stop = new AbortController();
  const onClose = (): void => {
    stop.abort();
    gunzip.destroy();
  };
  extractor.on('close', onClose);
  const pumping = pumpInto({ archive, gunzip, signal: stop.signal });

  let inflated = 0;
  try {
    for await (const chunk of gunzip) {
      if (extractor.destroyed) break;
      inflated += (chunk as Uint8Array).byteLength;
      if (inflated > maxBytes) {
        throw new ArchiveRejectedError(
          `The archive expands to more than ${renderBytes(maxBytes)} of tar data ` +
            '(a decompression bomb?)',
        );
      }
      if (!extractor.write(chunk) && !extractor.destroyed) await waitForDrain(extractor);
    }
    if (!extractor.destroyed) extractor.end(null);
  } catch (error) {
    extractor.destroy(error as Error);
  } finally {
    extractor.off('close', onClose);
    stop.abort();
    gunzip.destroy();
    await pumping;
  }
}

/** Writes the archive's bytes into gunzip; on abort it cancels a streamed upload. */
async function pumpInto(options: {
  archive: ArchiveSource;
  gunzip: Gunzip;
  signal: AbortSignal;
}): Promise<void> {
  const { archive, gunzip, signal } = options;
  if (archive instanceof Uint8Array) {
    gunzip.end(archive);
    return;
  }

  let cancel = (): void => undefined;
  try {
    const reader = archive.getReader();
    cancel = (): void => void reader.cancel().catch(() => undefined);
    signal.addEventListener('abort', cancel, { once: true });
    for (;;) {
      const { done, value } = await reader.read();
      if (done || signal.aborted || gunzip.destroyed) break;
      if (!gunzip.write(value)) await once(gunzip, 'drain', { signal });
    }
    if (!signal.aborted && !gunzip.destroyed) gunzip.end();
  } catch (error) {
    // A failing upload (or the abort itself) ends the gunzip stream with that error.
    gunzip.destroy(error as Error);
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

function waitForDrain(stream: Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
