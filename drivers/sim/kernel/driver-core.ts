/**
 * The driver core's manual binding on the simulated platform bus
 * (drivers/base/bus.c bind_store/unbind_store, dd.c device_driver_attach,
 * device_release_driver): a driver registered here gets the write-only
 * `bind` and `unbind` attributes (0200) in /sys/bus/platform/drivers/<name>/.
 * Writing a device's name to `unbind` runs the driver's remove (then the
 * device's devres, which the callback includes); writing it to `bind`
 * probes the device again. A driver that is not registered here has no such
 * files, as a platform_driver with suppress_bind_attrs (the APU module).
 */
import { SysError } from '../../../harness/sys/errno';
import type { KernelLogBuffer } from './printk';
import type { FsTree } from './vfs/tree';

/** What the bus calls for one device of a bindable driver. */
export interface BindableDevice {
  /** driver->probe on the device (its sysfs and nodes come back); throws a SysError when probe fails. */
  probe(): void;
  /** device_release_driver: driver->remove, then devres_release_all. */
  remove(): void;
}

interface Binding {
  readonly driver: string;
  readonly ops: BindableDevice;
  bound: boolean;
}

/** sysfs_streq: a trailing newline is ignored (echo NAME > unbind). */
const deviceName = (data: Buffer): string => data.toString('utf8').replace(/\n$/, '');

export class PlatformBus {
  private readonly devices = new Map<string, Binding>();
  private readonly drivers = new Set<string>();

  constructor(
    private readonly fs: FsTree,
    private readonly log: KernelLogBuffer,
  ) {}

  /** Declares `device` (bound at boot to `driver`) as one the driver core may unbind and bind again. */
  add(driver: string, device: string, ops: BindableDevice): void {
    this.devices.set(device, { driver, ops, bound: true });
    if (this.drivers.has(driver)) return;
    this.drivers.add(driver);
    const dir = `/sys/bus/platform/drivers/${driver}`;
    this.fs.addFile(`${dir}/unbind`, () => '', 0o200, (data) => this.unbind(driver, deviceName(data), data.length));
    this.fs.addFile(`${dir}/bind`, () => '', 0o200, (data) => this.bind(driver, deviceName(data), data.length));
  }

  isBound(device: string): boolean {
    return this.devices.get(device)?.bound ?? false;
  }

  /** unbind_store: ENODEV unless the device exists and is bound to this driver. */
  private unbind(driver: string, device: string, count: number): number {
    const b = this.devices.get(device);
    if (!b || b.driver !== driver || !b.bound) throw SysError.of('ENODEV', 'write', `unbind ${device}`);
    b.ops.remove();
    b.bound = false;
    this.fs.remove(`/sys/bus/platform/drivers/${driver}/${device}`);
    this.fs.remove(`/sys/devices/platform/${device}/driver`);
    return count;
  }

  /** bind_store: ENODEV for no such device, EBUSY when it already has a driver (__driver_probe_device). */
  private bind(driver: string, device: string, count: number): number {
    const b = this.devices.get(device);
    if (!b || b.driver !== driver) throw SysError.of('ENODEV', 'write', `bind ${device}`);
    if (b.bound) throw SysError.of('EBUSY', 'write', `bind ${device}: already bound`);
    try {
      b.ops.probe();
    } catch (e) {
      // really_probe: "probe of <dev> failed with error <n>", and the device stays unbound.
      this.log.printk(4, `${driver} ${device}: probe failed: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    b.bound = true;
    return count;
  }
}
