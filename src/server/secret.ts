/** The token signing secret: generated on first start, kept in the data directory, owner-only. */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Reads `<dataDir>/secret`, creating it (0600) with 256 random bits when missing. */
export async function loadOrCreateSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, 'secret');
  try {
    // `wx` fails when the file exists, so two starts cannot both write one.
    await writeFile(path, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await chmod(path, 0o600);
  const secret = (await readFile(path, 'utf8')).trim();
  if (secret.length < 32)
    throw new Error(
      `The signing secret in ${path} is too short; delete the file to create a new one`,
    );
  return secret;
}

/** The env var encryption key's file in the data directory. */
export const ENV_KEY_FILE = 'env.key';

/**
 * Reads `<dataDir>/env.key` (32 random bytes, base64), creating it 0600 on first start;
 * `created` tells whether this start made it.
 */
export async function loadOrCreateEnvKey(
  dataDir: string,
): Promise<{ key: Uint8Array; path: string; created: boolean }> {
  const path = join(dataDir, ENV_KEY_FILE);
  let created = true;
  try {
    await writeFile(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    created = false;
  }
  await chmod(path, 0o600);
  const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
  if (key.byteLength !== 32) {
    throw new Error(
      `The env key in ${path} is not 32 bytes of base64; restore it from a backup (deleting it makes stored env values unreadable)`,
    );
  }
  return { key, path, created };
}
