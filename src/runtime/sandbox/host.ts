/**
 * What this host lets the sandbox enforce: the cgroup hierarchy and its controllers, the
 * unprivileged user to run functions as, and network namespaces. Detected once, at start-up.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probePrivateScratch } from './private-scratch.ts';

/** What the host enforces for every execution; shown by `dart_cloud doctor` and at start-up. */
export interface HostCapabilities {
  cgroup: 'v1' | 'v2' | null;
  /** A memory limit, with out-of-memory kills read from the cgroup's own counters. */
  memory: boolean;
  /** Swap is limited too (v1 `memsw`, v2 `memory.swap.max`), so it is no way around the limit. */
  swapLimited: boolean;
  pids: boolean;
  /** The unprivileged user functions run as, or null when they run as the server's own user. */
  user: string | null;
  /** `network: false` runs a function in an empty network namespace. */
  networkNamespace: boolean;
  /**
   * Each execution has its own process namespace (and /proc), so functions that run as the same
   * user cannot see, signal or trace each other's processes.
   */
  pidNamespace: boolean;
  /** One plain sentence per limit that is not enforced, and why. */
  notes: string[];
}

/** Where the per-execution cgroups go, by controller. Null where a limit is not enforced. */
export interface CgroupParents {
  version: 'v1' | 'v2';
  /** v2: the one directory for both controllers; v1: the memory hierarchy. */
  memory: string | null;
  /** v1 only: the pids hierarchy (v2 uses `memory`'s directory for both). */
  pids: string | null;
  swapLimited: boolean;
}

/** The numeric identity of the run-as user. */
export interface Credentials {
  name: string;
  uid: number;
  gid: number;
}

/** The full result of detection, for the runtime's own use. */
export interface HostProbe {
  capabilities: HostCapabilities;
  cgroups: CgroupParents | null;
  credentials: Credentials | null;
  unsharePath: string | null;
  /** Each execution gets its own empty /tmp, /var/tmp, /dev/shm (with the process namespace). */
  privateScratch: boolean;
}

interface Mount {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const fields = left.split(' ');
    const [fsType, , superOptions] = right.split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (root === undefined || mountPoint === undefined || fsType === undefined) continue;
    mounts.push({ root, mountPoint, fsType, superOptions: (superOptions ?? '').split(',') });
  }
  return mounts;
}

/** Maps `/proc/self/cgroup` lines to `{ controller or '' for v2: path }`. */
function parseOwnCgroups(text: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of text.trim().split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (match === null) continue;
    for (const controller of (match[1] ?? '').split(',')) own.set(controller, match[2] ?? '/');
  }
  return own;
}

function ownDirectory(mount: Mount, cgroupPath: string): string {
  const relative = cgroupPath.startsWith(mount.root)
    ? cgroupPath.slice(mount.root.length)
    : cgroupPath;
  return join(mount.mountPoint, relative);
}

/** True when a child cgroup can be created (and removed) in `dir`. */
function canCreateChild(dir: string): boolean {
  const probe = join(dir, `dart_cloud-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

function detectV2(mounts: Mount[], own: Map<string, string>): CgroupParents | null {
  const mount = mounts.find((m) => m.fsType === 'cgroup2');
  const path = own.get('');
  if (mount === undefined || path === undefined) return null;
  const dir = ownDirectory(mount, path);
  const available = (readText(join(dir, 'cgroup.controllers')) ?? '').trim().split(/\s+/);
  if (!available.includes('memory') || !available.includes('pids')) return null;

  const enabled = (readText(join(dir, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/);
  if (!enabled.includes('memory') || !enabled.includes('pids')) {
    try {
      writeFileSync(join(dir, 'cgroup.subtree_control'), '+memory +pids');
    } catch {
      return null;
    }
  }
  if (!canCreateChild(dir)) return null;
  const swapLimited = readText(join(dir, 'memory.swap.max')) !== null || dir === mount.mountPoint;
  return { version: 'v2', memory: dir, pids: dir, swapLimited };
}

function detectV1(mounts: Mount[], own: Map<string, string>): CgroupParents | null {
  const find = (controller: string): string | null => {
    const mount = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller));
    const path = own.get(controller);
    if (mount === undefined || path === undefined) return null;
    const dir = ownDirectory(mount, path);
    return canCreateChild(dir) ? dir : null;
  };
  const memory = find('memory');
  const pids = find('pids');
  if (memory === null && pids === null) return null;
  const swapLimited =
    memory !== null && readText(join(memory, 'memory.memsw.limit_in_bytes')) !== null;
  return { version: 'v1', memory, pids, swapLimited };
}

/** Finds the cgroup directories this process may create execution cgroups under. */
export function detectCgroups(): CgroupParents | null {
  const mounts = parseMountinfo(readText('/proc/self/mountinfo') ?? '');
  const own = parseOwnCgroups(readText('/proc/self/cgroup') ?? '');
  return detectV2(mounts, own) ?? detectV1(mounts, own);
}

/** Looks a user up by name or numeric uid in /etc/passwd. */
export function resolveCredentials(user: string): Credentials | null {
  for (const line of (readText('/etc/passwd') ?? '').split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === undefined || uid === undefined || gid === undefined) continue;
    if (name === user || uid === user) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/** The namespace flags of `unshare` that give each execution its own processes and /proc. */
export const PID_NAMESPACE_FLAGS = ['--pid', '--mount-proc', '--kill-child'];

function probeUnshare(unsharePath: string | null, flags: string[]): boolean {
  if (unsharePath === null) return false;
  try {
    const result = Bun.spawnSync({
      cmd: [unsharePath, ...flags, '--', '/bin/true'],
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    return result.exitCode === 0;
  } catch {
    return false;
  }
}

function describe(
  probe: Omit<HostProbe, 'capabilities'> & {
    networkNamespace: boolean;
    pidNamespace: boolean;
  },
  runAsUser: string | null,
): string[] {
  const notes: string[] = [];
  const isRoot = process.getuid?.() === 0;
  const { cgroups } = probe;
  if (cgroups === null) {
    notes.push(
      'No writable cgroup (v2 with memory and pids controllers, or v1): memory and process-count limits are not ' +
        'enforced, and leftover processes are found only by the execution id in their environment.',
    );
  } else {
    if (cgroups.memory === null)
      notes.push('The cgroup memory controller is not writable: memory limits are not enforced.');
    else if (!cgroups.swapLimited)
      notes.push('Swap accounting is off: a function may use swap beyond its memory limit.');
    if (cgroups.pids === null)
      notes.push('The cgroup pids controller is not writable: process counts are not limited.');
  }
  if (!isRoot)
    notes.push(
      'The server does not run as root: functions run as its own user and can read what it can read.',
    );
  else if (runAsUser === null) notes.push('No run-as user is configured: functions run as root.');
  else if (probe.credentials === null)
    notes.push(`The run-as user '${runAsUser}' does not exist: functions run as root.`);
  if (probe.credentials !== null && !probe.pidNamespace)
    notes.push(
      'PID namespaces are unavailable (unshare --pid failed): functions that run at the same time ' +
        "can see and signal each other's processes.",
    );
  if (probe.pidNamespace && !probe.privateScratch)
    notes.push(
      'Private scratch directories are unavailable (tmpfs mounts failed): functions share /tmp ' +
        'and /var/tmp, and what they leave there stays.',
    );
  if (!probe.networkNamespace)
    notes.push(
      'Network namespaces are unavailable (unshare --net failed): network: false is not enforced.',
    );
  return notes;
}

/**
 * Detects what this host can enforce. `runAsUser` (default `nobody`) is used only when the
 * server runs as root; pass null to run functions as the server's own user.
 */
export function detectHost(options: { runAsUser?: string | null } = {}): HostProbe {
  const runAsUser = options.runAsUser === undefined ? 'nobody' : options.runAsUser;
  const isRoot = process.getuid?.() === 0;
  const cgroups = detectCgroups();
  const credentials = isRoot && runAsUser !== null ? resolveCredentials(runAsUser) : null;
  const unsharePath = Bun.which('unshare');
  const networkNamespace = probeUnshare(unsharePath, ['--net']);
  const pidNamespace = isRoot && probeUnshare(unsharePath, PID_NAMESPACE_FLAGS);
  const privateScratch =
    pidNamespace && probePrivateScratch({ unsharePath, namespaceFlags: PID_NAMESPACE_FLAGS });

  const capabilities: HostCapabilities = {
    cgroup: cgroups?.version ?? null,
    memory: cgroups?.memory != null,
    swapLimited: cgroups?.memory != null && cgroups.swapLimited,
    pids: cgroups?.pids != null,
    user: credentials?.name ?? null,
    networkNamespace,
    pidNamespace,
    notes: describe(
      { cgroups, credentials, unsharePath, privateScratch, networkNamespace, pidNamespace },
      runAsUser,
    ),
  };
  return { cgroups, credentials, unsharePath, privateScratch, capabilities };
}

/** What this host enforces for functions; for `dart_cloud doctor` and the start-up log. */
export function probeHost(options: { runAsUser?: string | null } = {}): HostCapabilities {
  return detectHost(options).capabilities;
}

/** One line per fact, for people: `cgroup: v1 (memory, pids)`, `network namespace: yes`, ... */
export function renderHostCapabilities(capabilities: HostCapabilities): string[] {
  const limits = [capabilities.memory && 'memory', capabilities.pids && 'pids'].filter(Boolean);
  const lines = [
    `cgroup: ${capabilities.cgroup ?? 'none'}${limits.length > 0 ? ` (${limits.join(', ')})` : ''}`,
    `swap limited: ${capabilities.swapLimited ? 'yes' : 'no'}`,
    `run-as user: ${capabilities.user ?? 'none (functions run as the server user)'}`,
    `network namespace: ${capabilities.networkNamespace ? 'yes' : 'no'}`,
    `process namespace: ${capabilities.pidNamespace ? 'yes' : 'no'}`,
  ];
  return [...lines, ...capabilities.notes.map((note) => `not enforced: ${note}`)];
}
