/** Deploys: store the upload, extract it, build it, install the program, switch the active version. */
import { realpathSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { and, eq, max } from 'drizzle-orm';
import {
  ArchiveRejectedError,
  BuildFailedError,
  DartSdkNotFoundError,
  FunctionNotFoundError,
} from '../core/errors.ts';
import { deployments, envVars, functions } from '../db/schema.ts';
import type { ServiceContext } from './context.ts';
import { resolveFunctionDir, type FunctionRow } from './functions.ts';
import { parseDeployInput, type DeployInput, type ParsedDeploy } from './deploy-input.ts';
import { createId } from './ids.ts';
import { pruneDeployments } from './retention.ts';
import { measureStoredEnv } from './env.ts';
import { checkEnvTotal, DeployLimits } from './validate.ts';

const BUILD_TIMEOUT_MS = 5 * 60_000;

/** A successful deploy. */
export interface DeployResult {
  function: FunctionRow;
  version: number;
  /** Whether this deploy created the function (else it updated it). */
  created: boolean;
}

/** Deploys a function or a new version of it; a failed build leaves the serving version as it was. */
export async function deployFunction(
  ctx: ServiceContext,
  input: DeployInput,
): Promise<DeployResult> {
  const parsed = parseDeployInput(input);
  checkMergedEnv(ctx, parsed);
  const { row, deploymentId, version, created } = reserveDeployment(ctx, parsed);
  const dir = join(resolveFunctionDir(ctx.dataDir, row.id), deploymentId);

  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(join(dir, 'archive.tar.gz'), parsed.archive, { mode: 0o600 });
    await ctx.toolchain.extract({ archive: parsed.archive, destDir: join(dir, 'source') });

    const sdk = await ctx.toolchain.resolveSdk();
    const build = await buildHidingPaths(ctx, {
      sdk,
      sourceDir: join(dir, 'source'),
      outputFile: join(dir, 'build', 'main'),
      timeoutMs: BUILD_TIMEOUT_MS,
    });
    const executable = await ctx.runtime.installExecutable({
      sourceFile: build.executable,
      deploymentId,
    });

    const activated = activateDeployment(ctx, {
      row,
      deploymentId,
      version,
      parsed,
      executable,
      contract: build.contract,
      log: build.log,
    });
    ctx.logger.info(`Deployed ${row.name} version ${version} (${build.contract} contract)`);
    await pruneDeployments(ctx, row.id);
    return { function: activated, version, created };
  } catch (error) {
    // Deleted while it was building: its files went, so whatever failed, that is the reason.
    if (
      !ctx.db.select({ id: functions.id }).from(functions).where(eq(functions.id, row.id)).get()
    ) {
      throw new FunctionNotFoundError();
    }
    await recordFailure(ctx, { row, deploymentId, created, dir, error });
    throw error;
  }
}

/** Where the data directory stands in build logs and messages that go to clients. */
export const DATA_DIR_PLACEHOLDER = '<data-dir>';

/** Builds, with the server's data directory replaced by a placeholder in the log and message. */
async function buildHidingPaths(
  ctx: ServiceContext,
  options: Parameters<ServiceContext['toolchain']['build']>[0],
): ReturnType<ServiceContext['toolchain']['build']> {
  const hide = (text: string): string => hideDataDir(text, ctx.dataDir);
  try {
    const build = await ctx.toolchain.build(options);
    return { ...build, log: hide(build.log) };
  } catch (error) {
    if (error instanceof BuildFailedError) {
      throw new BuildFailedError(hide(error.message), hide(error.log));
    }
    throw error;
  }
}

/** `text` with every mention of the data directory (as given and as resolved) replaced. */
export function hideDataDir(text: string, dataDir: string): string {
  let real = dataDir;
  try {
    real = realpathSync(dataDir);
  } catch {
    // A data directory that does not resolve is only mentioned as given.
  }
  return [...new Set([dataDir, real])]
    .sort((a, b) => b.length - a.length)
    .reduce((hidden, path) => hidden.replaceAll(path, DATA_DIR_PLACEHOLDER), text);
}

/** The env a successful build leaves (the function's, merged with the deploy's) must fit too. */
function checkMergedEnv(ctx: ServiceContext, parsed: ParsedDeploy): void {
  if (Object.keys(parsed.env).length === 0) return;
  const existing = ctx.db
    .select({ id: functions.id })
    .from(functions)
    .where(and(eq(functions.ownerId, parsed.ownerId), eq(functions.name, parsed.name)))
    .get();
  const stored = existing ? measureStoredEnv(ctx, existing.id, Object.keys(parsed.env)) : 0;
  checkEnvTotal(parsed.env, stored);
}

/** Creates the function when new, and a `building` deployment with the next version. */
function reserveDeployment(
  ctx: ServiceContext,
  parsed: ParsedDeploy,
): { row: FunctionRow; deploymentId: string; version: number; created: boolean } {
  return ctx.db.transaction((tx) => {
    const now = ctx.now();
    let row = tx
      .select()
      .from(functions)
      .where(and(eq(functions.ownerId, parsed.ownerId), eq(functions.name, parsed.name)))
      .get();
    const created = row === undefined;
    if (!row) {
      row = tx
        .insert(functions)
        .values({
          id: createId('fn'),
          ownerId: parsed.ownerId,
          name: parsed.name,
          status: 'building',
          memoryMb: parsed.memoryMb ?? DeployLimits.memoryMb.fallback,
          timeoutSeconds: parsed.timeoutSeconds ?? DeployLimits.timeoutSeconds.fallback,
          network: parsed.network ?? true,
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get();
    }

    const last = tx
      .select({ v: max(deployments.version) })
      .from(deployments)
      .where(eq(deployments.functionId, row.id))
      .get();
    const version = (last?.v ?? 0) + 1;
    const deploymentId = createId('dep');
    tx.insert(deployments)
      .values({ id: deploymentId, functionId: row.id, version, status: 'building', createdAt: now })
      .run();
    return { row, deploymentId, version, created };
  });
}

/** Marks the deployment ready and makes it the one that serves, with the deploy's settings. */
function activateDeployment(
  ctx: ServiceContext,
  options: {
    row: FunctionRow;
    deploymentId: string;
    version: number;
    parsed: ParsedDeploy;
    executable: string;
    contract: string;
    log: string;
  },
): FunctionRow {
  const { row, deploymentId, parsed } = options;
  return ctx.db.transaction((tx) => {
    const now = ctx.now();
    tx.update(deployments)
      .set({
        status: 'ready',
        contract: options.contract,
        buildLog: options.log,
        executable: options.executable,
      })
      .where(eq(deployments.id, deploymentId))
      .run();

    // Two deploys built at once: the later version wins even when it finishes first.
    const current = tx.select().from(functions).where(eq(functions.id, row.id)).get();
    // Deleted while it was building.
    if (!current) throw new FunctionNotFoundError();
    const active = current.activeDeploymentId
      ? tx
          .select({ version: deployments.version })
          .from(deployments)
          .where(eq(deployments.id, current.activeDeploymentId))
          .get()
      : undefined;
    if (active && active.version > options.version) return current;
    for (const [key, plain] of Object.entries(parsed.env)) {
      const value = ctx.envCipher.seal(plain, { functionId: row.id, key });
      tx.insert(envVars)
        .values({ functionId: row.id, key, value, updatedAt: now })
        .onConflictDoUpdate({
          target: [envVars.functionId, envVars.key],
          set: { value, updatedAt: now },
        })
        .run();
    }
    return (
      tx
        .update(functions)
        .set({
          status: 'active',
          activeDeploymentId: deploymentId,
          memoryMb: parsed.memoryMb ?? current.memoryMb,
          timeoutSeconds: parsed.timeoutSeconds ?? current.timeoutSeconds,
          network: parsed.network ?? current.network,
          updatedAt: now,
        })
        .where(eq(functions.id, row.id))
        .returning()
        .all()[0] ?? current
    );
  });
}

/**
 * Records why a deployment failed. A new function whose upload never got to a build (refused
 * archive, no SDK, an internal error) is removed again; one whose build failed stays, `failed`.
 */
async function recordFailure(
  ctx: ServiceContext,
  options: {
    row: FunctionRow;
    deploymentId: string;
    created: boolean;
    dir: string;
    error: unknown;
  },
): Promise<void> {
  const { row, deploymentId, created, error } = options;
  const beforeBuild =
    error instanceof ArchiveRejectedError || error instanceof DartSdkNotFoundError;
  const log =
    error instanceof Error && 'log' in error && typeof error.log === 'string'
      ? error.log
      : error instanceof Error
        ? error.message
        : String(error);

  if (created && (beforeBuild || !(error instanceof Error && 'code' in error))) {
    ctx.db.delete(functions).where(eq(functions.id, row.id)).run();
    await rm(resolveFunctionDir(ctx.dataDir, row.id), { recursive: true, force: true });
    return;
  }

  ctx.db.transaction((tx) => {
    tx.update(deployments)
      .set({ status: 'failed', buildLog: log })
      .where(eq(deployments.id, deploymentId))
      .run();
    if (created)
      tx.update(functions)
        .set({ status: 'failed', updatedAt: ctx.now() })
        .where(eq(functions.id, row.id))
        .run();
  });
  await rm(join(options.dir, 'source'), { recursive: true, force: true });
}
