/**
 * The committed migrations, embedded in the executable. `bun run db:generate` writes a new SQL
 * file and journal entry; add its import here (a test checks that none is missing).
 */
import journal from './migrations/meta/_journal.json' with { type: 'json' };
import init from './migrations/0000_init.sql' with { type: 'text' };
import deploymentExecutable from './migrations/0001_deployment_executable.sql' with { type: 'text' };
import apiKeys from './migrations/0002_api_keys.sql' with { type: 'text' };

/** SQL text of every migration, keyed by its journal tag. */
export const migrationSql: Readonly<Record<string, string>> = {
  '0000_init': init,
  '0001_deployment_executable': deploymentExecutable,
  '0002_api_keys': apiKeys,
};

/** The journal drizzle-kit keeps: one entry per migration, in order. */
export const migrationJournal: {
  entries: { idx: number; when: number; tag: string; breakpoints: boolean }[];
} = journal;
