/**
 * Cost of one ioctl through the native backend, on /dev/null with
 * DRM_IOCTL_VERSION: the kernel answers ENOTTY at once, so what is measured is
 * the crossing into C and back (`rawNsPerCall`) plus turning the failure into
 * a SysError (`nsPerCall`, the figure tests pay).
 */
import { O_RDWR } from '../constants';
import { isSysError } from '../errno';
import { DRM_IOCTL_VERSION, drm_version } from '../../uapi/drm';
import { libc } from './libc';
import { NativeSys } from './native-sys';

export interface IoctlBenchResult {
  /** Through NativeSys.ioctl, including the thrown SysError. */
  readonly nsPerCall: number;
  /** The bare koffi binding, errno read but nothing thrown. */
  readonly rawNsPerCall: number;
  readonly iterations: number;
}

function timeNs(iterations: number, body: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) body();
  return Number(process.hrtime.bigint() - start) / iterations;
}

export function benchNativeIoctl(iterations = 200_000): IoctlBenchResult {
  const sys = new NativeSys();
  const c = libc();
  const fd = sys.open('/dev/null', O_RDWR);
  const arg = drm_version.encode();
  try {
    const viaSys = (): void => {
      try {
        sys.ioctl(fd, DRM_IOCTL_VERSION, arg);
      } catch (e) {
        if (!isSysError(e, 'ENOTTY')) throw e;
      }
    };
    let errno = 0;
    const raw = (): void => {
      if (c.ioctlPtr(fd, DRM_IOCTL_VERSION, arg) < 0) errno = c.errno();
    };
    // Warm up so both loops run optimised code.
    timeNs(Math.min(iterations, 10_000), viaSys);
    timeNs(Math.min(iterations, 10_000), raw);
    const nsPerCall = timeNs(iterations, viaSys);
    const rawNsPerCall = timeNs(iterations, raw);
    if (errno !== 25) throw new Error(`bench: ioctl on /dev/null gave errno ${errno}, expected ENOTTY (25)`);
    return { nsPerCall, rawNsPerCall, iterations };
  } finally {
    sys.close(fd);
  }
}

if (require.main === module) {
  const r = benchNativeIoctl(Number(process.argv[2] ?? 200_000));
  console.log(
    `native ioctl(/dev/null, DRM_IOCTL_VERSION) -> ENOTTY: ${r.nsPerCall.toFixed(0)} ns/call via Sys, ` +
      `${r.rawNsPerCall.toFixed(0)} ns/call bare binding (${r.iterations} calls)`,
  );
}
