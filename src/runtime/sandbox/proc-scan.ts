/**
 * Finds an execution's processes through /proc by the execution id in their environment: the
 * fallback, on hosts without a writable cgroup, for children that left the process group.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of live processes whose environment holds `name=value` (a child can unset it). */
export function findProcessesByEnvironment(name: string, value: string): number[] {
  const needle = `${name}=${value}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (environ.startsWith(needle) || environ.includes(`\0${needle}`)) pids.push(Number(entry));
    } catch {
      // Gone, or another user's process.
    }
  }
  return pids;
}
