/**
 * DRM nodes (card, render, control) registered by the same parent device as
 * an accel minor: a driver may expose both, and tests must know they share
 * the hardware.
 */
import { posix } from 'node:path';
import type { FsView } from '../sys/types';
import { attempt, isMissing, resolveLink } from './sysfs-read';
import type { DrmNode, DrmNodeKind } from './types';

const KIND_ORDER: readonly DrmNodeKind[] = ['card', 'render', 'control', 'accel', 'other'];

export function drmNodeKind(name: string): DrmNodeKind {
  if (/^card\d+$/.test(name)) return 'card';
  if (/^renderD\d+$/.test(name)) return 'render';
  if (/^controlD\d+$/.test(name)) return 'control';
  if (/^accel\d+$/.test(name)) return 'accel';
  return 'other';
}

export interface DrmNodeScan {
  /** class/drm entries by the parent their `device` link resolves to. */
  readonly byParent: ReadonlyMap<string, readonly DrmNode[]>;
  /** Entries that could not be read; reported against every device, since any of them might be a sibling. */
  readonly problems: readonly string[];
}

/** Reads <sysfs>/class/drm once; connectors (card0-HDMI-A-1) resolve to their card, not a parent, so they drop out. */
export function scanDrmNodes(fs: FsView, sysfsRoot: string, devRoot: string): DrmNodeScan {
  const classDir = posix.join(sysfsRoot, 'class', 'drm');
  const byParent = new Map<string, DrmNode[]>();
  const problems: string[] = [];
  const list = attempt(classDir, 'list', () => fs.readdir(classDir));
  if (!list.ok) {
    if (!isMissing(list)) problems.push(list.reason);
    return { byParent, problems };
  }
  for (const name of [...list.value].sort()) {
    const kind = drmNodeKind(name);
    if (kind === 'other') continue;
    const sysfsPath = posix.join(classDir, name);
    const parent = resolveLink(fs, posix.join(sysfsPath, 'device'));
    if (!parent.ok) {
      if (!isMissing(parent)) problems.push(parent.reason);
      continue;
    }
    const node: DrmNode = { name, kind, devnode: posix.join(devRoot, 'dri', name), sysfsPath };
    const nodes = byParent.get(parent.value) ?? [];
    nodes.push(node);
    byParent.set(parent.value, nodes);
  }
  for (const nodes of byParent.values()) nodes.sort(compareNodes);
  return { byParent, problems };
}

function compareNodes(a: DrmNode, b: DrmNode): number {
  const k = KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);
  if (k !== 0) return k;
  const num = (n: string): number => Number(/\d+$/.exec(n)?.[0] ?? 0);
  return num(a.name) - num(b.name);
}

/**
 * A control node a driver registers itself in the accel class, named after its
 * accel minor: `accel_controlD<N>` beside `accelN` (habanalabs,
 * drivers/accel/habanalabs/common/device.c cdev_sysfs_debugfs_add). It has no
 * parent device, so only the name ties it to the accel device. Null when absent;
 * an unreadable entry is a problem of the device.
 */
export function driverControlNode(fs: FsView, sysfsRoot: string, devRoot: string, minor: number, problems: string[]): DrmNode | null {
  const name = `accel_controlD${minor}`;
  const sysfsPath = posix.join(sysfsRoot, 'class', 'accel', name);
  const found = attempt(sysfsPath, 'stat', () => fs.stat(sysfsPath));
  if (!found.ok) {
    if (!isMissing(found)) problems.push(found.reason);
    return null;
  }
  return { name, kind: 'control', devnode: posix.join(devRoot, 'accel', name), sysfsPath };
}
