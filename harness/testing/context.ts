/**
 * The TestContext a subtest receives: it owns what the test opens, so a
 * failing test cannot leave a device busy (an exclusive device would fail
 * every later test) and cleanups run however the test ends.
 */
import type { AdapterCapabilities, CapabilityGroup, DriverAdapter } from '../../drivers/adapter';
import { O_CLOEXEC, O_RDWR } from '../sys/constants';
import { isSysError } from '../sys/errno';
import type { Sys } from '../sys/types';
import { type DeviceUnderTest, type RunOptions, SkipError, type TestContext } from './define';

interface OpenFd {
  readonly fd: number;
  readonly sys: Sys;
}

export class SubtestContext implements TestContext {
  readonly sys: Sys;
  readonly jobTimeoutMs: number | null;
  readonly lines: string[] = [];
  private readonly fds: OpenFd[] = [];
  private readonly cleanups: (() => void | Promise<void>)[] = [];

  constructor(
    readonly dev: DeviceUnderTest,
    readonly others: readonly DeviceUnderTest[],
    readonly options: RunOptions,
  ) {
    this.sys = dev.sys;
    this.jobTimeoutMs = options.jobTimeoutMs ?? dev.profile.jobTimeoutMs ?? null;
  }

  open(flags: number = O_RDWR | O_CLOEXEC, device: DeviceUnderTest = this.dev): number {
    const fd = device.sys.open(device.info.devnode, flags);
    this.fds.push({ fd, sys: device.sys });
    return fd;
  }

  close(fd: number): void {
    const i = this.fds.findIndex((o) => o.fd === fd);
    if (i < 0) throw new Error(`t.close(${fd}): not an fd opened with t.open`);
    const [entry] = this.fds.splice(i, 1);
    (entry as OpenFd).sys.close(fd);
  }

  adapter(device: DeviceUnderTest = this.dev): DriverAdapter {
    if (device.adapter) return device.adapter;
    const named = device.profile.adapter ? `adapter '${device.profile.adapter}' is not available` : 'no driver adapter';
    return this.skip(`${named} for driver '${device.profile.driver}' (${device.label})`);
  }

  capability<K extends CapabilityGroup>(group: K, device: DeviceUnderTest = this.dev): NonNullable<AdapterCapabilities[K]> {
    const adapter = this.adapter(device);
    const found = adapter[group];
    if (!found) return this.skip(`adapter '${adapter.name}' has no ${group} capability (${device.label})`);
    return found as NonNullable<AdapterCapabilities[K]>;
  }

  defer(fn: () => void | Promise<void>): void {
    this.cleanups.push(fn);
  }

  skip(reason: string): never {
    throw new SkipError(reason);
  }

  log(line: string): void {
    this.lines.push(line);
  }

  /**
   * Deferred cleanups (last first), then every tracked fd. Returns the
   * errors cleanups raised; an fd already closed by the test is not one.
   */
  async cleanup(): Promise<unknown[]> {
    const errors: unknown[] = [];
    while (this.cleanups.length > 0) {
      const fn = this.cleanups.pop() as () => void | Promise<void>;
      try {
        await fn();
      } catch (e) {
        errors.push(e);
      }
    }
    while (this.fds.length > 0) {
      const { fd, sys } = this.fds.pop() as OpenFd;
      try {
        sys.close(fd);
      } catch (e) {
        if (!isSysError(e, 'EBADF')) errors.push(e);
      }
    }
    return errors;
  }
}
