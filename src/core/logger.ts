/** Diagnostics for the server and CLI: consola, one tag per area, level from the environment. */
import { createConsola, type ConsolaInstance } from 'consola';

const LEVELS: Record<string, number> = {
  silent: -999,
  error: 0,
  warn: 1,
  info: 3,
  debug: 4,
  trace: 5,
};

/** The root logger; its level comes from `DART_CLOUD_LOG_LEVEL` (silent|error|warn|info|debug|trace). */
export const rootLogger: ConsolaInstance = createConsola({
  level: LEVELS[process.env.DART_CLOUD_LOG_LEVEL ?? 'info'] ?? 3,
  stdout: process.stderr,
  stderr: process.stderr,
});

/** A logger for one area of the code (`http`, `runtime`, `db`, `cli`, ...). */
export function createLogger(tag: string): ConsolaInstance {
  return rootLogger.withTag(tag);
}
