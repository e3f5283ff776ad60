/**
 * feature-flags: DRIVER_COMPUTE_ACCEL excludes DRIVER_RENDER and
 * DRIVER_MODESET (drm_dev_init), so an accel device has no card or render
 * node and every KMS entry point answers as it does for a driver without
 * MODESET.
 */
import { check, checkEq, doIoctlErr } from '../../harness/testing/assert';
import { defineFamily, type TestContext, subtest } from '../../harness/testing/define';
import {
  DRM_CAP_DUMB_BUFFER,
  DRM_IOCTL_GET_CAP,
  DRM_IOCTL_MODE_CREATE_DUMB,
  DRM_IOCTL_MODE_DESTROY_DUMB,
  DRM_IOCTL_MODE_GETRESOURCES,
  DRM_IOCTL_MODE_MAP_DUMB,
  drm_get_cap,
  drm_mode_card_res,
  drm_mode_create_dumb,
  drm_mode_destroy_dumb,
  drm_mode_map_dumb,
} from '../../harness/uapi/drm';
import { openRetry } from '../lib/device';

/** DRIVER_COMPUTE_ACCEL rules apply to accel drivers only, not to a DRM node selected with drm:. */
const ACCEL_ONLY = ['accel-node'] as const;

const noDrmNodes = subtest({
  name: 'no-drm-nodes',
  description: 'no /dev/dri card, render or control node shares the accel device\'s parent',
  reference: 'drivers/gpu/drm/drm_drv.c: drm_dev_init (accel excludes render/modeset minors)',
  requires: ACCEL_ONLY,
}, (t: TestContext): void => {
  const { info } = t.dev;
  if (info.parent === null) t.skip(`${info.name}: discovery found no parent device link in sysfs, so sibling DRM nodes cannot be looked for`);
  // A control node is no accel rule's concern when the profile declares one (exclusive-open@control-node
  // holds it to its own rule); card and render nodes are what drm_dev_init refuses an accel driver.
  const declaredControl = t.dev.profile.controlNode;
  if (declaredControl) t.log('the profile declares a control node: control nodes are not counted');
  const siblings = info.drmNodes.filter((n) => n.kind === 'card' || n.kind === 'render' || (n.kind === 'control' && !declaredControl));
  t.log(`parent ${info.parent}; DRM nodes sharing it: ${info.drmNodes.map((n) => n.name).join(', ') || 'none'}`);
  check(
    siblings.length === 0,
    `DRM nodes share the accel device's parent: ${siblings.map((n) => `${n.name} (${n.kind})`).join(', ')}`,
  );
});

const badKmsIoctls = subtest({
  name: 'bad-kms-ioctls',
  description: 'MODE_GETRESOURCES and GET_CAP(DUMB_BUFFER) give EOPNOTSUPP on a driver without MODESET',
  reference: 'drivers/gpu/drm/drm_mode_config.c: drm_mode_getresources; drivers/gpu/drm/drm_ioctl.c: drm_getcap',
  requires: ACCEL_ONLY,
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  // drm_mode_getresources: !DRIVER_MODESET -> -EOPNOTSUPP.
  const res = drm_mode_card_res.encode({});
  doIoctlErr(t.sys, fd, DRM_IOCTL_MODE_GETRESOURCES, res, 'EOPNOTSUPP');
  const out = drm_mode_card_res.decode(res);
  checkEq(out.count_crtcs + out.count_connectors + out.count_encoders + out.count_fbs, 0, 'MODE_GETRESOURCES counts');
  // drm_getcap answers only the UMS/render caps without MODESET; DUMB_BUFFER is a KMS cap.
  doIoctlErr(t.sys, fd, DRM_IOCTL_GET_CAP, drm_get_cap.encode({ capability: DRM_CAP_DUMB_BUFFER }), 'EOPNOTSUPP');
});

const badDumbBuffers = subtest({
  name: 'bad-dumb-buffers',
  description: 'MODE_CREATE_DUMB, MAP_DUMB and DESTROY_DUMB give ENOSYS without a dumb_create hook',
  reference: 'drivers/gpu/drm/drm_dumb_buffers.c: drm_mode_create_dumb, drm_mode_mmap_dumb_ioctl',
  requires: ACCEL_ONLY,
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  // drm_mode_create_dumb: no dumb_create hook -> -ENOSYS, before the arguments are looked at.
  const create = drm_mode_create_dumb.encode({ width: 64, height: 64, bpp: 32 });
  doIoctlErr(t.sys, fd, DRM_IOCTL_MODE_CREATE_DUMB, create, 'ENOSYS');
  const c = drm_mode_create_dumb.decode(create);
  checkEq(c.handle, 0, 'MODE_CREATE_DUMB handle after the failure');
  checkEq(c.size, 0n, 'MODE_CREATE_DUMB size after the failure');
  doIoctlErr(t.sys, fd, DRM_IOCTL_MODE_MAP_DUMB, drm_mode_map_dumb.encode({ handle: 1 }), 'ENOSYS');
  doIoctlErr(t.sys, fd, DRM_IOCTL_MODE_DESTROY_DUMB, drm_mode_destroy_dumb.encode({ handle: 1 }), 'ENOSYS');
});

export default defineFamily('feature-flags', 'DRIVER_COMPUTE_ACCEL excludes render and KMS: no card/render node, KMS ioctls refused', [
  noDrmNodes,
  badKmsIoctls,
  badDumbBuffers,
]);
