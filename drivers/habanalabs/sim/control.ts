/**
 * The control node accel_controlD<N> (device.c cdev_sysfs_debugfs_add): a
 * char device of the driver's own, not a DRM minor. hl_device_open_ctrl lets
 * any number of files in (EPERM only for a malfunctioning device, which the
 * model never is); hl_ioctl_control runs HL_INFO only, through _hl_ioctl.
 */
import { SysError } from '../../../harness/sys/errno';
import { IOC_READ, IOC_WRITE, decodeIoctl } from '../../../harness/uapi/ioctl';
import type { DriverCdev, DriverCdevFile, IoctlContext } from '../../sim/kernel/drm/driver';
import { DRM_IOCTL_HL_INFO_DECL, HL_INFO_GET_EVENTS, HL_INFO_REGISTER_EVENTFD, HL_INFO_UNREGISTER_EVENTFD, hl_info_args } from '../uapi';
import type { HlDevice } from './device';
import { hlInfo } from './ioctls';

/** hl_info_ioctl_control: the event-notification ops need a compute context. */
function infoControl(dev: HlDevice, data: Buffer, ctx: IoctlContext): number {
  const op = data.readUInt32LE(hl_info_args.offsets.op);
  if (op === HL_INFO_GET_EVENTS || op === HL_INFO_UNREGISTER_EVENTFD || op === HL_INFO_REGISTER_EVENTFD) {
    throw SysError.of('EOPNOTSUPP', 'ioctl', 'event ops need the compute node');
  }
  return hlInfo(dev, data, ctx, null);
}

/**
 * hl_ioctl_control + _hl_ioctl: any nr but HL_INFO's is ENOTTY; the copies use
 * the caller's size (usize = _IOC_SIZE(cmd)) into a zeroed buffer of at least
 * the driver's, in the driver's direction (cmd = ioctl->cmd: IOWR).
 */
function controlIoctl(dev: HlDevice, cmd: number, arg: bigint, ctx: IoctlContext): number {
  const nr = decodeIoctl(cmd).nr;
  if (nr !== DRM_IOCTL_HL_INFO_DECL.nr && !dev.defects.has('hl-control-any-ioctl')) {
    throw SysError.of('ENOTTY', 'ioctl', `control node: nr ${nr} is not HL_INFO`);
  }
  const usize = decodeIoctl(cmd).size;
  const kdata = Buffer.alloc(Math.max(usize, hl_info_args.size));
  const dir = decodeIoctl(DRM_IOCTL_HL_INFO_DECL.request).dir;
  if (dir & IOC_WRITE && usize > 0) ctx.copyFromUser(arg, usize).copy(kdata);
  let failure: SysError | null = null;
  try {
    if (nr === DRM_IOCTL_HL_INFO_DECL.nr) infoControl(dev, kdata, ctx);
  } catch (e) {
    if (!(e instanceof SysError)) throw e;
    failure = e;
  }
  if (dir & IOC_READ && usize > 0) ctx.copyToUser(arg, kdata.subarray(0, usize));
  if (failure) throw failure;
  return 0;
}

export function controlCdev(dev: HlDevice): DriverCdev {
  const index = dev.drm.accelIndex;
  return {
    // hdev->cdev_idx = hdev->drm.accel->index.
    name: `accel_controlD${index}`,
    region: 'habanalabs',
    minor: index,
    open(): DriverCdevFile {
      if (dev.controlOpens > 0 && dev.defects.has('hl-control-single-open')) throw SysError.of('EBUSY', 'open', 'control node busy');
      dev.controlOpens++;
      let open = true;
      return {
        ioctl: (cmd, arg, ctx) => controlIoctl(dev, cmd, arg, ctx),
        release: () => {
          if (open) dev.controlOpens--;
          open = false;
        },
      };
    },
  };
}
