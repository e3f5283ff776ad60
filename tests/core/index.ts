/**
 * core: what the DRM core guarantees on every accel node, whatever the
 * driver (IGT's core_getversion, core_auth, drm_read in spirit).
 */
import { check, checkEq, doIoctlErr, expectErrno } from '../../harness/testing/assert';
import { defineFamily, type TestContext, subtest } from '../../harness/testing/define';
import { O_CLOEXEC, O_EXCL, O_RDWR, S_IFCHR, S_IFMT } from '../../harness/sys/constants';
import { IO, IOWR } from '../../harness/uapi/ioctl';
import {
  ACCEL_MAJOR,
  DRM_CAP_PRIME,
  DRM_COMMAND_END,
  DRM_IOCTL_AUTH_MAGIC,
  DRM_IOCTL_BASE,
  DRM_IOCTL_DROP_MASTER,
  DRM_IOCTL_SET_MASTER,
  DRM_IOCTL_SET_UNIQUE,
  DRM_PRIME_CAP_EXPORT,
  DRM_PRIME_CAP_IMPORT,
  drm_auth,
  drm_unique,
} from '../../harness/uapi/drm';
import { getCap, getVersion } from '../lib/drm';
import { openRetry } from '../lib/device';

/** Past the core table (it ends near 0xd3) and above the driver range [0x40, 0xa0). */
const UNKNOWN_DRM_NR = 0xff;

const basicVersion = subtest({
  name: 'basic-version',
  description: 'DRM_IOCTL_VERSION gives a non-empty name, date and desc, and the name is the bound driver',
  reference: 'drivers/gpu/drm/drm_ioctl.c: drm_version',
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const v = getVersion(t.sys, fd);
  t.log(`VERSION ${v.major}.${v.minor}.${v.patchlevel} name=${JSON.stringify(v.name)} date=${JSON.stringify(v.date)}`);
  check(v.name.length > 0, 'DRM_IOCTL_VERSION: empty name');
  check(v.date.length > 0, 'DRM_IOCTL_VERSION: empty date');
  check(v.desc.length > 0, 'DRM_IOCTL_VERSION: empty desc');
  const expected = t.dev.info.driver ?? t.dev.profile.driver;
  const source = t.dev.info.driver ? 'the driver bound in sysfs' : 'the profile';
  checkEq(v.name, expected, `DRM_IOCTL_VERSION name vs ${source}`);
});

const basicNode = subtest({
  name: 'basic-node',
  description: 'the node is a char device of major 261 whose minor matches /sys/class/accel/accelN/dev',
  reference: 'drivers/accel/drm_accel.c: accel_set_device_instance_params',
  // The accel major 261 and /sys/class/accel belong to accel nodes.
  requires: ['accel-node'],
}, async (t: TestContext): Promise<void> => {
  const { info } = t.dev;
  const st = t.sys.fs.stat(info.devnode);
  checkEq(st.mode & S_IFMT, S_IFCHR, `${info.devnode} file type (S_IFCHR)`);
  checkEq(st.rdevMajor, ACCEL_MAJOR, `${info.devnode} major`);
  const devAttr = t.sys.fs.readFile(`${info.sysfsPath}/dev`).toString('utf8').trim();
  const m = /^(\d+):(\d+)$/.exec(devAttr);
  check(m !== null, `${info.sysfsPath}/dev: not MAJOR:MINOR but ${JSON.stringify(devAttr)}`);
  checkEq(Number(m[1]), ACCEL_MAJOR, `${info.sysfsPath}/dev major`);
  checkEq(st.rdevMinor, Number(m[2]), `${info.devnode} minor vs ${info.sysfsPath}/dev`);
  checkEq(info.name, `accel${st.rdevMinor}`, 'class device name vs node minor');
  const fd = await openRetry(t);
  const fst = t.sys.fstat(fd);
  checkEq(fst.rdevMinor, st.rdevMinor, 'fstat of the open node: minor');
  checkEq(fst.rdevMajor, ACCEL_MAJOR, 'fstat of the open node: major');
});

const badOpenExcl = subtest({
  name: 'bad-open-excl',
  description: 'open(O_EXCL) of an accel node fails with EBUSY',
  reference: 'drivers/gpu/drm/drm_file.c: drm_open_helper',
}, async (t: TestContext): Promise<void> => {
  // Held first, so an exclusive device's EBUSY-while-busy or EAGAIN-while-tearing-down cannot mask the O_EXCL answer.
  await openRetry(t);
  expectErrno('EBUSY', () => t.open(O_RDWR | O_CLOEXEC | O_EXCL), 'open(O_EXCL)');
});

const badIoctl = subtest({
  name: 'bad-ioctl',
  description: 'a non-DRM ioctl type gives ENOTTY and an unknown DRM ioctl number EINVAL',
  reference: 'drivers/gpu/drm/drm_ioctl.c: drm_ioctl',
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  // drm_ioctl rejects a foreign type before it looks at the number.
  doIoctlErr(t.sys, fd, IOWR('X', 0x00, 16), Buffer.alloc(16), 'ENOTTY');
  doIoctlErr(t.sys, fd, IO('T', 0x01), undefined, 'ENOTTY');
  // A DRM-type number past the core table and outside the driver range.
  doIoctlErr(t.sys, fd, IOWR(DRM_IOCTL_BASE, UNKNOWN_DRM_NR, 16), Buffer.alloc(16), 'EINVAL');
  // A driver-range number past the driver's table (0x9f: last slot, unused by every known accel driver).
  doIoctlErr(t.sys, fd, IOWR(DRM_IOCTL_BASE, DRM_COMMAND_END - 1, 16), Buffer.alloc(16), 'EINVAL');
});

const CAP_SYS_ADMIN = 21n;

/** capable(CAP_SYS_ADMIN), from the effective set in /proc/self/status; uid 0 where /proc is not there. */
function hasCapSysAdmin(t: TestContext): { has: boolean; source: string } {
  try {
    const status = t.sys.fs.readFile('/proc/self/status').toString('utf8');
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
    if (m) return { has: ((BigInt(`0x${m[1]}`) >> CAP_SYS_ADMIN) & 1n) === 1n, source: `CapEff ${m[1]}` };
  } catch {
    // No /proc (the simulator has none): fall back on the uid.
  }
  return { has: t.sys.getuid() === 0, source: `uid ${t.sys.getuid()}` };
}

const badMaster = subtest({
  name: 'bad-master',
  description: 'an accel file is never master: DRM_MASTER ioctls give EACCES, SET/DROP_MASTER are refused',
  reference: 'drivers/gpu/drm/drm_ioctl.c: drm_ioctl_permit; drivers/gpu/drm/drm_auth.c: drm_setmaster_ioctl',
  // drm_open_helper makes the first opener of a primary node master (drm_master_open): the rule is accel's.
  requires: ['accel-node'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  // An accel file never becomes master (drm_open_helper only calls drm_master_open for primary
  // nodes): DRM_MASTER ioctls fail drm_ioctl_permit with EACCES.
  doIoctlErr(t.sys, fd, DRM_IOCTL_AUTH_MAGIC, drm_auth.encode({ magic: 1 }), 'EACCES');
  doIoctlErr(t.sys, fd, DRM_IOCTL_SET_UNIQUE, drm_unique.encode({}), 'EACCES');
  // SET/DROP_MASTER: drm_master_check_perm gives EACCES without CAP_SYS_ADMIN; with it, the
  // file has no master (SET: file_priv->master is NULL) and is not the current master (DROP): EINVAL.
  const admin = hasCapSysAdmin(t);
  const expected = admin.has ? 'EINVAL' : 'EACCES';
  t.log(`CAP_SYS_ADMIN ${admin.has ? 'held' : 'not held'} (${admin.source}): SET/DROP_MASTER expected ${expected}`);
  doIoctlErr(t.sys, fd, DRM_IOCTL_SET_MASTER, undefined, expected);
  doIoctlErr(t.sys, fd, DRM_IOCTL_DROP_MASTER, undefined, expected);
});

const basicPrimeCap = subtest({
  name: 'basic-prime-cap',
  description: 'GET_CAP(DRM_CAP_PRIME) reports import and export exactly when the driver declares PRIME',
  reference: 'drivers/gpu/drm/drm_ioctl.c: drm_getcap',
  // A detected profile took `prime` from this very GET_CAP (drivers/registry.ts): comparing
  // the two could not fail, so only a declared profile is something to hold the kernel to.
  requires: ['declared-profile'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const value = getCap(t.sys, fd, DRM_CAP_PRIME);
  const both = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT;
  t.log(`DRM_CAP_PRIME = ${value}; profile prime=${t.dev.profile.prime}`);
  if (t.dev.profile.prime) {
    checkEq(value & both, both, 'DRM_CAP_PRIME (import|export) for a driver whose profile declares PRIME');
  } else {
    checkEq(value & both, 0n, 'DRM_CAP_PRIME for a driver whose profile declares no PRIME');
  }
});

export default defineFamily('core', 'DRM core basics every accel node keeps: VERSION, the node, O_EXCL, ioctl decoding, no master', [
  basicVersion,
  basicNode,
  badOpenExcl,
  badIoctl,
  badMaster,
  basicPrimeCap,
]);
