/**
 * A DRM node of a driver that is not an accel driver, picked with a `drm:`
 * filter (docs/discovery.md): <sysfs>/class/drm/<name> described as
 * discovery describes an accel minor, so the DRM-core families (GEM, PRIME,
 * dma-buf, dup) run on any DRM driver. The kernel lane uses it for vgem.
 * Its node is /dev/dri/<name>, major DRM_MAJOR (226).
 */
import { posix } from 'node:path';
import type { Sys } from '../sys/types';
import { DRM_MAJOR } from '../uapi/drm';
import { describeNode } from './discover';
import { scanDrmNodes } from './drm-nodes';
import { DeviceSelectionError } from './errors';
import type { DiscoveryRoots } from './roots';
import { attempt, readAttr } from './sysfs-read';
import type { AccelDevice } from './types';

/** The DRM nodes sysfs lists (primary and render only), for the error of a filter that names none of them. */
function availableDrmNodes(sys: Sys, roots: DiscoveryRoots): string[] {
  const dir = posix.join(roots.sysfsRoot, 'class', 'drm');
  const list = attempt(dir, 'list', () => sys.fs.readdir(dir));
  const names = list.ok ? list.value.filter((n) => /^(?:card|renderD)\d+$/.test(n)).sort() : [];
  return [names.length > 0 ? `available DRM nodes: ${names.map((n) => `drm:${n}`).join('  ')}` : `available DRM nodes: none (${dir})`];
}

export function describeDrmNode(sys: Sys, roots: DiscoveryRoots, name: string, open = true): AccelDevice {
  const sysfsPath = posix.join(roots.sysfsRoot, 'class', 'drm', name);
  if (!sys.fs.exists(sysfsPath)) {
    throw new DeviceSelectionError('no-match', `filter 'drm:${name}': ${sysfsPath} does not exist`, availableDrmNodes(sys, roots));
  }
  const problems: string[] = [];
  // The class device's `dev` attribute (drivers/base/core.c dev_show) is MAJOR:MINOR.
  let minor = -1;
  const dev = readAttr(sys.fs, posix.join(sysfsPath, 'dev'));
  const m = dev.ok ? /^(\d+):(\d+)$/.exec(dev.value.trim()) : null;
  if (!dev.ok) problems.push(dev.reason);
  else if (!m) problems.push(`${sysfsPath}/dev: expected 'MAJOR:MINOR', read '${dev.value}'`);
  else {
    if (Number(m[1]) !== DRM_MAJOR) problems.push(`${sysfsPath}/dev: major ${m[1]} is not the DRM major ${DRM_MAJOR}`);
    minor = Number(m[2]);
  }
  if (minor < 0) throw new DeviceSelectionError('config', `filter 'drm:${name}': the minor of ${name} cannot be read`, problems);
  const devnode = posix.join(roots.devRoot, 'dri', name);
  const scan = scanDrmNodes(sys.fs, roots.sysfsRoot, roots.devRoot);
  return describeNode(sys, roots, { name, minor, sysfsPath, devnode, major: DRM_MAJOR }, scan, open, problems);
}

/** Whether a device is a DRM node reached through `drm:` rather than an accel minor. */
export function isDrmNode(dev: AccelDevice): boolean {
  return dev.nodeClass === 'drm';
}
