/**
 * Checks that the device node is the character device sysfs says it is: a
 * stale or hand-made node in /dev would otherwise send ioctls elsewhere.
 */
import { S_IFCHR, S_IFMT } from '../sys/constants';
import type { FsView, Stat } from '../sys/types';
import { ACCEL_MAJOR } from '../uapi/drm';
import { attempt } from './sysfs-read';
import type { DevnodeStatus } from './types';

export interface DevnodeCheck {
  readonly status: DevnodeStatus;
  readonly stat?: Stat;
  /** Why the node is unusable and what to do about it; absent when ok. */
  readonly problem?: string;
}

export function checkDevnode(fs: FsView, devnode: string, minor: number, major: number = ACCEL_MAJOR): DevnodeCheck {
  const r = attempt(devnode, 'stat', () => fs.stat(devnode));
  const create = `create it with: mknod -m 0660 ${devnode} c ${major} ${minor}`;
  if (!r.ok) {
    const reason = r.code === 'ENOENT' ? `${devnode} does not exist; ${create}` : r.reason;
    return { status: 'missing', problem: reason };
  }
  const st = r.value;
  if ((st.mode & S_IFMT) !== S_IFCHR) {
    return { status: 'not-char-device', stat: st, problem: `${devnode} is not a character device; remove it and ${create}` };
  }
  if (st.rdevMajor !== major || st.rdevMinor !== minor) {
    return {
      status: 'rdev-mismatch',
      stat: st,
      problem: `${devnode} is device ${st.rdevMajor}:${st.rdevMinor}, sysfs says ${major}:${minor}; remove it and ${create}`,
    };
  }
  return { status: 'ok', stat: st };
}

export function sameNode(st: Stat, major: number, minor: number): boolean {
  return (st.mode & S_IFMT) === S_IFCHR && st.rdevMajor === major && st.rdevMinor === minor;
}
