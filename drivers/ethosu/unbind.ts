/**
 * Unbinding a device from its driver and binding it again through sysfs,
 * as an administrator does (drivers/base/bus.c unbind_store/bind_store):
 * the device and its driver are found from the accel node's class device,
 * `/sys/class/accel/accelN/device` and `device/driver`. Nothing here is
 * ethosu's own; it sits with the only test that uses it.
 */
import { basename } from 'node:path';
import { O_CLOEXEC, O_WRONLY } from '../../harness/sys/constants';
import type { Sys } from '../../harness/sys/types';

export interface DriverBinding {
  /** The device's name on its bus (`7ffe0000.npu`). */
  readonly device: string;
  /** /sys/bus/<bus>/drivers/<driver>. */
  readonly driverDir: string;
}

/** The binding of the device behind `devnode`, or why it cannot be changed through sysfs. */
export function findBinding(sys: Sys, devnode: string): DriverBinding | { problem: string } {
  const cls = `/sys/class/accel/${basename(devnode)}`;
  let device: string;
  let driverDir: string;
  try {
    device = basename(sys.fs.realpath(`${cls}/device`));
    driverDir = sys.fs.realpath(`${cls}/device/driver`);
  } catch (e) {
    return { problem: `${cls} has no device/driver link (${e instanceof Error ? e.message : String(e)})` };
  }
  // A driver with suppress_bind_attrs (the APU reference module) has neither file.
  if (!sys.fs.exists(`${driverDir}/unbind`) || !sys.fs.exists(`${driverDir}/bind`)) {
    return { problem: `${driverDir} has no bind/unbind files (the driver suppresses manual binding)` };
  }
  return { device, driverDir };
}

function store(sys: Sys, attr: string, value: string): void {
  const fd = sys.open(attr, O_WRONLY | O_CLOEXEC);
  try {
    sys.write(fd, Buffer.from(value));
  } finally {
    sys.close(fd);
  }
}

/** echo DEVICE > DRIVER/unbind: device_release_driver, the driver's remove. */
export function unbind(sys: Sys, b: DriverBinding): void {
  store(sys, `${b.driverDir}/unbind`, b.device);
}

/** echo DEVICE > DRIVER/bind: device_driver_attach, the driver's probe. */
export function bind(sys: Sys, b: DriverBinding): void {
  store(sys, `${b.driverDir}/bind`, b.device);
}

/** Whether the driver holds the device (its link in the driver's directory, driver_sysfs_add). */
export function isBound(sys: Sys, b: DriverBinding): boolean {
  return sys.fs.exists(`${b.driverDir}/${b.device}`);
}

/** Polls for `path` every 20 ms up to `timeoutMs`; whether it appeared. */
export async function waitForPath(sys: Sys, path: string, timeoutMs: number): Promise<boolean> {
  const deadline = sys.monotonicNs() + BigInt(timeoutMs) * 1_000_000n;
  for (;;) {
    if (sys.fs.exists(path)) return true;
    if (sys.monotonicNs() >= deadline) return false;
    await sys.sleepMs(20);
  }
}
