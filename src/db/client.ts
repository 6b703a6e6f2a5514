/** Opens the SQLite database, tunes it for a server, and applies pending migrations. */
import { Database } from 'bun:sqlite';
import { createHash } from 'node:crypto';
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite';
import type { MigrationMeta } from 'drizzle-orm/migrator';
import { migrationJournal, migrationSql } from './migrations.ts';
import * as schema from './schema.ts';

/** The typed database handle used across the server. */
export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };

/** Opens (creating if needed) the database file at `path` and migrates it to the latest schema. */
export function openDatabase(path: string): Db {
  const sqlite = new Database(path, { create: true, strict: true });
  sqlite.exec('PRAGMA journal_mode = WAL');
  sqlite.exec('PRAGMA synchronous = NORMAL');
  sqlite.exec('PRAGMA foreign_keys = ON');
  sqlite.exec('PRAGMA busy_timeout = 5000');
  // Deleted and overwritten rows are zeroed, so a replaced plaintext secret leaves no trace.
  sqlite.exec('PRAGMA secure_delete = ON');

  const db = drizzle({ client: sqlite, schema });
  applyMigrations(db);
  return db;
}

/** Mirrors drizzle's folder migrator, but reads the migrations embedded in the executable. */
function applyMigrations(db: BunSQLiteDatabase<typeof schema>): void {
  const migrations: MigrationMeta[] = migrationJournal.entries.map((entry) => {
    const sql = migrationSql[entry.tag];
    if (sql === undefined) throw new Error(`Migration ${entry.tag} is not embedded`);
    return {
      sql: sql.split('--> statement-breakpoint'),
      bps: entry.breakpoints,
      folderMillis: entry.when,
      hash: createHash('sha256').update(sql).digest('hex'),
    };
  });

  // drizzle exposes no public API to migrate from in-memory metadata; this is what its own
  // bun-sqlite migrator calls after reading the folder.
  const internal = db as unknown as { dialect: { migrate: Function }; session: unknown };
  internal.dialect.migrate(migrations, internal.session, {});
}
