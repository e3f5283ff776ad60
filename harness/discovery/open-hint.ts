/**
 * Turns a failed open of a device node into a reason and a concrete fix, so
 * `list` tells an operator what to change instead of just "EACCES".
 */
import { isSysError } from '../sys/errno';
import type { FsView } from '../sys/types';
import { groupName } from './etc-group';
import { failureCode } from './sysfs-read';
import type { OpenFailure } from './types';

export const UDEV_RULE = 'SUBSYSTEM=="accel", KERNEL=="accel*", GROUP="render", MODE="0660"';

export interface HintContext {
  readonly fs: FsView;
  readonly root: string;
  readonly devnode: string;
  readonly minor: number;
}

export function describeOpenFailure(e: unknown, ctx: HintContext): OpenFailure {
  const errno = isSysError(e) ? e.code : 'EUNKNOWN';
  const message = `open ${ctx.devnode}: ${failureCode(e)}`;
  const hint = hintFor(errno, ctx);
  return hint ? { errno, message, hint } : { errno, message };
}

function hintFor(errno: string, ctx: HintContext): string | undefined {
  switch (errno) {
    case 'EACCES':
    case 'EPERM':
      return permissionHint(ctx);
    case 'ENXIO':
    case 'ENODEV':
      return `no driver serves minor ${ctx.minor} behind ${ctx.devnode}: the node is stale or the driver is not loaded (check dmesg and lsmod)`;
    case 'EBUSY':
      return 'the driver allows one opener at a time: close other users of the device';
    default:
      return undefined;
  }
}

function permissionHint(ctx: HintContext): string {
  const rule = `a udev rule: ${UDEV_RULE}`;
  let st;
  try {
    st = ctx.fs.stat(ctx.devnode);
  } catch {
    return `give your user read-write access to ${ctx.devnode}, e.g. with ${rule}`;
  }
  const name = groupName(ctx.fs, ctx.root, st.gid);
  const group = name ? `'${name}'` : `gid ${st.gid}`;
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  // Without udev (a minimal guest), chgrp/chmod do what the rule would do, until the next boot.
  const manual = `chgrp render ${ctx.devnode} && chmod 0660 ${ctx.devnode}`;
  if ((st.mode & 0o060) === 0o060 && st.gid !== 0) {
    return (
      `${ctx.devnode} is owned by group ${group}, mode ${mode}: add the user to it ` +
      `(usermod -aG ${name ?? st.gid} <user>, then log in again), or install ${rule}`
    );
  }
  return `${ctx.devnode} is owned by group ${group}, mode ${mode}, which gives no group access: install ${rule} (without udev: ${manual})`;
}
