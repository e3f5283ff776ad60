/**
 * Enumerates <sysfs>/class/accel/accel* through a `Sys`, so the same code
 * reads a real machine, a fixture tree and the simulated kernel.
 */
import { posix } from 'node:path';
import { O_CLOEXEC, O_RDWR, S_IFDIR, S_IFMT } from '../sys/constants';
import type { Sys } from '../sys/types';
import { ACCEL_MAJOR } from '../uapi/drm';
import { checkDevnode, sameNode } from './devnode';
import { type DrmNodeScan, driverControlNode, scanDrmNodes } from './drm-nodes';
import { readDrmVersion } from './drm-version';
import { DiscoveryConfigError } from './errors';
import { describeOpenFailure } from './open-hint';
import { readParent } from './parent';
import type { DiscoveryRoots } from './roots';
import { attempt, failureCode, isMissing, readAttr } from './sysfs-read';
import type { AccelDevice, DrmVersionInfo, OpenFailure } from './types';

export interface DiscoverOptions {
  /** Open each node and read DRM_IOCTL_VERSION (default true). */
  readonly open?: boolean;
}

export interface DiscoveryResult {
  readonly roots: DiscoveryRoots;
  /** Sorted by minor. */
  readonly devices: readonly AccelDevice[];
  /** False when <sysfs>/class/accel does not exist: no accel driver loaded or CONFIG_DRM_ACCEL off. */
  readonly accelClassPresent: boolean;
}

const ACCEL_NAME = /^accel(\d+)$/;

export function discoverAccelDevices(sys: Sys, roots: DiscoveryRoots, options: DiscoverOptions = {}): DiscoveryResult {
  const { fs } = sys;
  const rootCheck = attempt(roots.sysfsRoot, 'stat', () => fs.stat(roots.sysfsRoot));
  if (!rootCheck.ok) throw new DiscoveryConfigError(`sysfs root ${roots.sysfsRoot} is not usable (${rootCheck.code})`);
  if ((rootCheck.value.mode & S_IFMT) !== S_IFDIR) throw new DiscoveryConfigError(`sysfs root ${roots.sysfsRoot} is not a directory`);
  const classDir = posix.join(roots.sysfsRoot, 'class', 'accel');
  const list = attempt(classDir, 'list', () => fs.readdir(classDir));
  if (!list.ok) {
    if (isMissing(list)) return { roots, devices: [], accelClassPresent: false };
    throw new DiscoveryConfigError(list.reason);
  }
  const names = list.value
    .map((name) => ({ name, m: ACCEL_NAME.exec(name) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]))
    .map((e) => e.name);
  const drm = scanDrmNodes(fs, roots.sysfsRoot, roots.devRoot);
  const devices = names.map((name) => describeDevice(sys, roots, name, drm, options.open ?? true));
  return { roots, devices, accelClassPresent: true };
}

function describeDevice(
  sys: Sys,
  roots: DiscoveryRoots,
  name: string,
  drm: DrmNodeScan,
  open: boolean,
): AccelDevice {
  const problems: string[] = [];
  const sysfsPath = posix.join(roots.sysfsRoot, 'class', 'accel', name);
  const minor = readMinor(sys, sysfsPath, name, problems);
  const devnode = posix.join(roots.devRoot, 'accel', name);
  const described = describeNode(sys, roots, { name, minor, sysfsPath, devnode, major: ACCEL_MAJOR }, drm, open, problems);
  const control = driverControlNode(sys.fs, roots.sysfsRoot, roots.devRoot, minor, problems);
  return control ? { ...described, drmNodes: [...described.drmNodes, control] } : described;
}

/** Where a character node is: its class directory in sysfs and its devnode. */
export interface NodeLocation {
  readonly name: string;
  readonly minor: number;
  readonly sysfsPath: string;
  readonly devnode: string;
  readonly major: number;
}

/**
 * The record of one node, accel or DRM alike: devnode check, parent, bus,
 * driver, sibling DRM nodes and, when asked, an open with DRM_IOCTL_VERSION.
 */
export function describeNode(
  sys: Sys,
  roots: DiscoveryRoots,
  at: NodeLocation,
  drm: DrmNodeScan,
  open: boolean,
  problems: string[],
): AccelDevice {
  const node = checkDevnode(sys.fs, at.devnode, at.minor, at.major);
  if (node.problem) problems.push(node.problem);
  const parent = readParent(sys.fs, at.sysfsPath);
  problems.push(...parent.problems);
  const drmNodes = parent.parent ? (drm.byParent.get(parent.parent) ?? []) : [];
  if (parent.parent) problems.push(...drm.problems);

  let version: DrmVersionInfo | undefined;
  let openError: OpenFailure | undefined;
  if (open && node.status === 'ok') {
    const probed = probeNode(sys, roots, at.devnode, at.minor, problems, at.major);
    version = probed.version;
    openError = probed.openError;
  }
  return {
    name: at.name,
    minor: at.minor,
    sysfsPath: at.sysfsPath,
    devnode: at.devnode,
    devnodeStatus: node.status,
    parent: parent.parent,
    bus: parent.bus,
    ...(parent.pci ? { pci: parent.pci } : {}),
    driver: parent.driver,
    drmNodes,
    ...(version ? { version } : {}),
    ...(openError ? { openError } : {}),
    ...(at.major === ACCEL_MAJOR ? {} : { nodeClass: 'drm' as const }),
    problems,
  };
}

/** `dev` holds "261:N"; when it cannot be read the name accelN still gives the minor. */
function readMinor(sys: Sys, sysfsPath: string, name: string, problems: string[]): number {
  const fromName = Number(ACCEL_NAME.exec(name)?.[1]);
  const devPath = posix.join(sysfsPath, 'dev');
  const dev = readAttr(sys.fs, devPath);
  if (!dev.ok) {
    problems.push(`${dev.reason}; minor taken from the name`);
    return fromName;
  }
  const m = /^(\d+):(\d+)$/.exec(dev.value.trim());
  if (!m) {
    problems.push(`${devPath}: expected 'MAJOR:MINOR', read '${dev.value}'; minor taken from the name`);
    return fromName;
  }
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major !== ACCEL_MAJOR) problems.push(`${devPath}: major ${major} is not the accel major ${ACCEL_MAJOR}`);
  if (minor !== fromName) problems.push(`${devPath}: minor ${minor} differs from the name ${name}`);
  return minor;
}

/** Opens the node, checks the fd is MAJOR:MINOR and reads DRM_IOCTL_VERSION; `major` is 226 for DRM nodes (drm-device.ts). */
export function probeNode(
  sys: Sys,
  roots: DiscoveryRoots,
  devnode: string,
  minor: number,
  problems: string[],
  major: number = ACCEL_MAJOR,
): { version?: DrmVersionInfo; openError?: OpenFailure } {
  let fd: number;
  try {
    fd = sys.open(devnode, O_RDWR | O_CLOEXEC);
  } catch (e) {
    return { openError: describeOpenFailure(e, { fs: sys.fs, root: roots.root, devnode, minor }) };
  }
  try {
    // The node may have been replaced between stat and open; the fd is what counts.
    const st = sys.fstat(fd);
    if (!sameNode(st, major, minor)) {
      problems.push(`${devnode}: opened file is ${st.rdevMajor}:${st.rdevMinor}, not ${major}:${minor}; not probed`);
      return {};
    }
    return { version: readDrmVersion(sys, fd) };
  } catch (e) {
    problems.push(`${devnode}: DRM_IOCTL_VERSION failed (${failureCode(e)})`);
    return {};
  } finally {
    try {
      sys.close(fd);
    } catch (e) {
      problems.push(`${devnode}: close failed (${failureCode(e)})`);
    }
  }
}
