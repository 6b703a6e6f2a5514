/** Wires the real archive extraction, SDK lookup and build into the services' Toolchain port. */
import { extractArchive } from '../archive/extract.ts';
import type { Toolchain } from '../functions/context.ts';
import { buildFunction } from '../runtime/build.ts';
import { resolveDartSdk } from '../runtime/dart-sdk.ts';

/** The toolchain of a running server; `dartPath` is the `--dart` setting. */
export function createToolchain(options: { dartPath: string | undefined }): Toolchain {
  return {
    resolveSdk: () =>
      resolveDartSdk(options.dartPath === undefined ? {} : { configured: options.dartPath }),
    extract: ({ archive, destDir }) => extractArchive({ archive, destDir }),
    build: (build) => buildFunction(build),
  };
}
