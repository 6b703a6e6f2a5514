/**
 * The database schema (SQLite via bun:sqlite). Migrations in `src/db/migrations/` are generated
 * from this file with `bun run db:generate` and applied by the binary at start-up.
 */
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

/** Accounts. Passwords are argon2id hashes from `Bun.password`. */
export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdAt: integer('created_at', { mode: 'number' }).notNull(),
});

/** Tokens revoked before their expiry (logout); rows past `expiresAt` can be pruned. */
export const revokedTokens = sqliteTable('revoked_tokens', {
  jti: text('jti').primaryKey(),
  expiresAt: integer('expires_at', { mode: 'number' }).notNull(),
});

/** Deployed functions, owned by one account; names are unique per account. */
export const functions = sqliteTable(
  'functions',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** `building` (first build running), `active` (a build serves), `failed` (none does). */
    status: text('status').notNull(),
    memoryMb: integer('memory_mb').notNull(),
    timeoutSeconds: integer('timeout_seconds').notNull(),
    network: integer('network', { mode: 'boolean' }).notNull().default(true),
    activeDeploymentId: text('active_deployment_id'),
    createdAt: integer('created_at', { mode: 'number' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('functions_owner_name').on(t.ownerId, t.name)],
);

/** One row per upload: its build outcome and log; the active one serves invocations. */
export const deployments = sqliteTable(
  'deployments',
  {
    id: text('id').primaryKey(),
    functionId: text('function_id')
      .notNull()
      .references(() => functions.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** `building`, `ready` or `failed`. */
    status: text('status').notNull(),
    /** `handler` or `script`, known once the package was inspected. */
    contract: text('contract'),
    buildLog: text('build_log').notNull().default(''),
    /** The installed program that executions run, once the build succeeded. */
    executable: text('executable'),
    createdAt: integer('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('deployments_function_version').on(t.functionId, t.version)],
);

/** A function's environment variables, given to every execution. */
export const envVars = sqliteTable(
  'env_vars',
  {
    functionId: text('function_id')
      .notNull()
      .references(() => functions.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
    updatedAt: integer('updated_at', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.functionId, t.key] })],
);

/** One row per invocation, with its outcome as data. */
export const executions = sqliteTable(
  'executions',
  {
    id: text('id').primaryKey(),
    functionId: text('function_id')
      .notNull()
      .references(() => functions.id, { onDelete: 'cascade' }),
    deploymentId: text('deployment_id'),
    /** See `ExecutionStatus` in `src/runtime/types.ts`; `running` while under way. */
    status: text('status').notNull(),
    startedAt: integer('started_at', { mode: 'number' }).notNull(),
    finishedAt: integer('finished_at', { mode: 'number' }),
    durationMs: integer('duration_ms'),
    exitCode: integer('exit_code'),
    signal: text('signal'),
    peakMemoryBytes: integer('peak_memory_bytes'),
    responseStatus: integer('response_status'),
    error: text('error'),
    /** JSON: which limits were enforced for this execution (memory, pids, user, network). */
    limits: text('limits'),
  },
  (t) => [index('executions_function_started').on(t.functionId, t.startedAt)],
);

/** Log lines of executions: the program's prints and its logger's records. */
export const logs = sqliteTable(
  'logs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    functionId: text('function_id')
      .notNull()
      .references(() => functions.id, { onDelete: 'cascade' }),
    executionId: text('execution_id').notNull(),
    timestamp: integer('timestamp', { mode: 'number' }).notNull(),
    /** `stdout`, `stderr` or `logger`. */
    stream: text('stream').notNull(),
    /** `info`, `debug`, `error` for logger records; `info` for stdout, `error` for stderr. */
    level: text('level').notNull(),
    message: text('message').notNull(),
    metadata: text('metadata'),
  },
  (t) => [index('logs_function_id').on(t.functionId, t.id)],
);

/**
 * API keys of an account. Only `secretHash` (SHA-256 of the key's secret) is kept: the key
 * itself is shown once, at creation. See `src/functions/api-keys.ts`.
 */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name'),
    /** `invoke` (invoke and function URLs only) or `full` (what a login token may do). */
    scope: text('scope').notNull(),
    /** A signed key authenticates signed requests only, never as a bearer token. */
    signed: integer('signed', { mode: 'boolean' }).notNull().default(false),
    secretHash: text('secret_hash').notNull(),
    createdAt: integer('created_at', { mode: 'number' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'number' }),
    lastUsedAt: integer('last_used_at', { mode: 'number' }),
    revokedAt: integer('revoked_at', { mode: 'number' }),
  },
  (t) => [index('api_keys_owner').on(t.ownerId)],
);

/** Signatures of signed requests already accepted, kept until they leave the time window. */
export const usedSignatures = sqliteTable(
  'used_signatures',
  {
    signature: text('signature').primaryKey(),
    expiresAt: integer('expires_at', { mode: 'number' }).notNull(),
  },
  (t) => [index('used_signatures_expires').on(t.expiresAt)],
);
