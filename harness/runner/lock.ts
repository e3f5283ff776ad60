/**
 * One harness per results directory: `run.lock` holds the pid of the
 * harness using it, created with O_EXCL so two starting at once cannot both
 * win. Two harnesses on one directory would run two workers on the same
 * device and interleave one journal. A lock whose pid is gone (kill -9, the
 * machine rebooted) is stale and taken over.
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config-error';

export const LOCK_FILE = 'run.lock';

export interface RunLock {
  readonly path: string;
  release(): void;
}

/** Whether a process with this pid exists (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The pid of a live harness holding `dir`, or null (no lock, or a stale one). */
export function liveHolder(dir: string): number | null {
  const path = join(dir, LOCK_FILE);
  if (!existsSync(path)) return null;
  const pid = holder(path);
  // As in acquireLock: an unreadable lock may be one being written right now, so it counts as held.
  if (pid === null) return -1;
  return pidAlive(pid) ? pid : null;
}

export function acquireLock(dir: string): RunLock {
  const path = join(dir, LOCK_FILE);
  // Two tries: the second after removing a stale lock (another harness may win that race; then it is live).
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigError(`cannot lock ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const pid = holder(path);
      // An unreadable or empty lock may be one being written right now: treat it as held.
      if (pid === null || pidAlive(pid)) {
        throw new ConfigError(`${dir} is in use by another run (pid ${pid ?? 'unknown'}, ${path}); remove the lock file only if that process is not a harness`);
      }
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return {
      path,
      release: () => {
        if (holder(path) === process.pid) rmSync(path, { force: true });
      },
    };
  }
  throw new ConfigError(`${dir} is in use by another run (${path})`);
}
