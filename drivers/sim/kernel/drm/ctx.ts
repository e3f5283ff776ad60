/**
 * The IoctlContext a handler receives: the calling task's user memory
 * (copy_from_user / copy_to_user), its credentials, and blocking on the
 * virtual clock in the caller's mode (see driver.ts IoctlContext.sleep).
 */
import type { IoctlContext } from './driver';
import type { VirtualClock } from '../clock';
import type { Task } from '../task';
import type { KernelServices } from '../services';

export class IoctlCtx implements IoctlContext {
  constructor(
    readonly task: Task,
    readonly kernel: KernelServices,
    readonly async: boolean,
  ) {}

  get pid(): number {
    return this.task.pid;
  }

  get uid(): number {
    return this.task.cred.uid;
  }

  get admin(): boolean {
    return this.task.admin;
  }

  get clock(): VirtualClock {
    return this.kernel.clock;
  }

  copyFromUser(address: bigint, length: number): Buffer {
    return this.task.mm.copyFromUser(address, length);
  }

  copyToUser(address: bigint, data: Buffer): void {
    this.task.mm.copyToUser(address, data);
  }

  pinUserPages(address: bigint, length: number, write: boolean): Buffer {
    return this.task.mm.pinUserPages(address, length, write);
  }

  sleep<T>(done: () => boolean, deadlineNs: bigint | null, then: (satisfied: boolean) => T): T | Promise<T> {
    if (!this.async) return then(this.kernel.clock.runUntil(done, deadlineNs));
    return this.kernel.clock.waitUntil(done, deadlineNs).then(then);
  }
}
