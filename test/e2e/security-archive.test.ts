import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  createRawHeader,
  createTar,
  createTarGz,
  listTree,
  type TestEntry,
} from '../archive/helpers.ts';
import {
  callApi,
  deployArchive,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

const MiB = 1024 * 1024;
const pubspec: TestEntry = { header: { name: 'pubspec.yaml' }, content: 'name: hello\n' };

let server: CompiledServer;
let token: string;
/** A name no entry may create anywhere: its appearance anywhere means an escape. */
const marker = `escaped-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  server = await startCompiledServer();
  token = await registerAccount(server.url);
});
afterAll(() => server.stop());

/** Every way an archive tries to escape or overwhelm its extraction, and the reason it names. */
function hostileArchives(): Array<{
  what: string;
  archive: () => Promise<Uint8Array>;
  reason: RegExp;
}> {
  const parent = dirname(server.dataDir);
  const entries = (...rest: TestEntry[]) => createTarGz([pubspec, ...rest]);
  return [
    {
      what: 'an absolute path',
      archive: () => entries({ header: { name: join(parent, marker) }, content: 'x' }),
      reason: /has an absolute path/,
    },
    {
      what: 'a .. path',
      archive: () => entries({ header: { name: `lib/../../../../${marker}` }, content: 'x' }),
      reason: /contains a '\.\.' path segment/,
    },
    {
      what: 'a symbolic link',
      archive: () => entries({ header: { name: 'lib', type: 'symlink', linkname: '../../..' } }),
      reason: /"lib" is a symbolic link to "\.\.\/\.\.\/\.\."; links are not allowed/,
    },
    {
      what: 'a hard link',
      archive: () => entries({ header: { name: 'passwd', type: 'link', linkname: '/etc/passwd' } }),
      reason: /"passwd" is a hard link to "\/etc\/passwd"; links are not allowed/,
    },
    {
      what: 'a link followed by an entry through it',
      archive: () =>
        entries(
          { header: { name: 'out', type: 'symlink', linkname: parent } },
          { header: { name: `out/${marker}` }, content: 'x' },
        ),
      reason: /"out" is a symbolic link/,
    },
    {
      what: 'a duplicate entry',
      archive: () => entries({ header: { name: './pubspec.yaml' }, content: 'name: evil\n' }),
      reason: /"\.\/pubspec\.yaml" appears more than once/,
    },
    ...(['character-device', 'block-device', 'fifo'] as const).map((type) => ({
      what: `a ${type} entry`,
      archive: () => entries({ header: { name: 'dev', type, devmajor: 1, devminor: 3 } }),
      reason: new RegExp(`"dev" is a ${type}; special files are not allowed`),
    })),
    {
      what: 'a file where a directory is expected',
      archive: () =>
        entries(
          { header: { name: 'lib' }, content: 'x' },
          { header: { name: 'lib/main.dart' }, content: 'y' },
        ),
      reason: /"lib\/main\.dart" lies inside "lib", which the archive makes a file/,
    },
    {
      what: 'a gzip bomb of zero blocks',
      archive: async () => gzipSync(new Uint8Array(200 * MiB), { level: 9 }),
      reason: /expands to more than .* of tar data/,
    },
    {
      what: 'a tar bomb of files adding up past the total cap',
      archive: () =>
        entries(
          { header: { name: 'a.bin' }, content: new Uint8Array(45 * MiB) },
          { header: { name: 'b.bin' }, content: new Uint8Array(45 * MiB) },
          { header: { name: 'c.bin' }, content: new Uint8Array(45 * MiB) },
        ),
      reason: /files add up to more than 100 MiB/,
    },
    {
      what: 'a header declaring a gigabyte file',
      archive: async () =>
        gzipSync(createRawHeader({ name: 'huge.bin', size: 1024 ** 3, typeflag: '0' })),
      reason: /"huge\.bin" is 1073741824 bytes, over the per-file limit/,
    },
    {
      what: 'more entries than the cap',
      archive: () =>
        createTarGz(
          Array.from({ length: 10_001 }, (_, i) => ({ header: { name: `f${i}` }, content: '' })),
        ),
      reason: /The archive has more than 10000 entries/,
    },
    {
      what: 'a truncated gzip stream',
      archive: async () => {
        const main: TestEntry = { header: { name: 'lib/main.dart' }, content: 'x'.repeat(9000) };
        const whole = await entries(main);
        return whole.subarray(0, Math.floor(whole.byteLength / 2));
      },
      reason: /The archive is truncated or not a tar\.gz/,
    },
    {
      what: 'a tar cut off in the middle of a file',
      archive: async () => {
        const tar = await createTar([{ header: { name: 'big.txt' }, content: 'y'.repeat(4096) }]);
        return gzipSync(tar.subarray(0, 1024));
      },
      reason: /The archive is truncated or not a tar\.gz/,
    },
    {
      what: 'bytes that are not gzip',
      archive: async () => new TextEncoder().encode('PK\u0003\u0004 a zip file'),
      reason: /The archive is truncated or not a tar\.gz/,
    },
  ];
}

async function expectNoEscape(): Promise<void> {
  const parent = dirname(server.dataDir);
  expect(await readdir(parent)).not.toContain(marker);
  const tree = await listTree(server.dataDir);
  expect(tree.filter((path) => basename(path) === marker)).toEqual([]);
  // A refused first deploy leaves no function, no extraction directory and no upload behind.
  expect(tree.filter((path) => path.startsWith('functions/'))).toEqual([]);
}

describe('hostile archives sent to the compiled server', () => {
  test('every hostile archive answers 400 naming the reason, and nothing escapes', async () => {
    for (const { what, archive, reason } of hostileArchives()) {
      const response = await deployArchive(server.url, token, {
        name: 'hostile',
        archive: await archive(),
      });
      const body = (await response.json()) as { error: string; details: string };
      expect({ what, status: response.status, error: body.error }).toEqual({
        what,
        status: 400,
        error: 'Invalid request',
      });
      expect({ what, details: body.details }).toEqual({
        what,
        details: expect.stringMatching(reason),
      });
      await expectNoEscape();
    }
    const list = await callApi(server.url, { path: '/api/functions', token });
    expect(list.body).toEqual({ functions: [], total: 0 });
  }, 60_000);

  test('an upload cut off mid-body leaves the server healthy and nothing behind', async () => {
    const port = Number(new URL(server.url).port);
    const boundary = 'CutOff';
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\ncut\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="archive"; filename="a.tar.gz"\r\n` +
      'Content-Type: application/gzip\r\n\r\n';
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /api/functions/deploy HTTP/1.1\r\nHost: localhost\r\n' +
            `Authorization: Bearer ${token}\r\n` +
            `Content-Type: multipart/form-data; boundary=${boundary}\r\n` +
            `Content-Length: ${10 * MiB}\r\n\r\n${head}`,
        );
        socket.write(new Uint8Array(64 * 1024), () => setTimeout(() => socket.destroy(), 100));
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });

    await Bun.sleep(200);
    expect((await callApi(server.url, { path: '/api/health' })).status).toBe(200);
    await expectNoEscape();
  });
});
