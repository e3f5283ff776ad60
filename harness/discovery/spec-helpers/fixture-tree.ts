/**
 * Builds throw-away root trees (sys/, dev/, etc/) in a temp dir, shaped like
 * a real sysfs: class entries are relative symlinks into /sys/devices.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export class FixtureTree {
  readonly root: string;

  constructor(prefix = 'accel-fixture-') {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  }

  abs(rel: string): string {
    return path.join(this.root, rel);
  }

  dir(rel: string): this {
    fs.mkdirSync(this.abs(rel), { recursive: true });
    return this;
  }

  file(rel: string, content: string): this {
    fs.mkdirSync(path.dirname(this.abs(rel)), { recursive: true });
    fs.writeFileSync(this.abs(rel), content);
    return this;
  }

  /** A symlink at `rel` whose (relative, as sysfs writes them) target is `targetRel`. */
  link(rel: string, targetRel: string): this {
    const at = this.abs(rel);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.symlinkSync(path.relative(path.dirname(at), this.abs(targetRel)), at);
    return this;
  }

  /** A character device node; needs root (CAP_MKNOD). */
  chardev(rel: string, major: number, minor: number, gid = 0, mode = 0o660): this {
    const at = this.abs(rel);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    execFileSync('mknod', ['-m', mode.toString(8), at, 'c', String(major), String(minor)]);
    fs.chownSync(at, 0, gid);
    return this;
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export const canMknod = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export interface AccelFixtureOptions {
  /** sys/devices/... path of the parent device. */
  readonly parent: string;
  readonly minor: number;
  /** Contents of `dev`; a directory is made instead when null (unreadable attribute). */
  readonly dev?: string | null;
}

/** sys/class/accel/accelN -> <parent>/accel/accelN, with `dev` and the `device` link back to the parent. */
export function addAccel(t: FixtureTree, o: AccelFixtureOptions): void {
  const name = `accel${o.minor}`;
  const own = `${o.parent}/accel/${name}`;
  if (o.dev === null) t.dir(`${own}/dev`);
  else t.file(`${own}/dev`, o.dev ?? `261:${o.minor}\n`);
  t.link(`${own}/device`, o.parent);
  t.link(`${own}/subsystem`, 'sys/class/accel');
  t.link(`sys/class/accel/${name}`, own);
}

export function addDrmNode(t: FixtureTree, parent: string, name: string, deviceTarget = parent): void {
  const own = `${parent}/drm/${name}`;
  t.link(`${own}/device`, deviceTarget);
  t.link(`sys/class/drm/${name}`, own);
}

export function addPciParent(
  t: FixtureTree,
  parent: string,
  ids: { vendor: string; device: string; subsystemVendor?: string; subsystemDevice?: string },
  driver: string | null,
): void {
  t.file(`${parent}/vendor`, `${ids.vendor}\n`).file(`${parent}/device`, `${ids.device}\n`);
  if (ids.subsystemVendor) t.file(`${parent}/subsystem_vendor`, `${ids.subsystemVendor}\n`);
  if (ids.subsystemDevice) t.file(`${parent}/subsystem_device`, `${ids.subsystemDevice}\n`);
  t.dir('sys/bus/pci/drivers');
  t.link(`${parent}/subsystem`, 'sys/bus/pci');
  if (driver) {
    t.dir(`sys/bus/pci/drivers/${driver}`);
    t.link(`${parent}/driver`, `sys/bus/pci/drivers/${driver}`);
  }
}

export function addPlatformParent(t: FixtureTree, parent: string, driver: string): void {
  t.dir(`sys/bus/platform/drivers/${driver}`);
  t.link(`${parent}/subsystem`, 'sys/bus/platform');
  t.link(`${parent}/driver`, `sys/bus/platform/drivers/${driver}`);
}
