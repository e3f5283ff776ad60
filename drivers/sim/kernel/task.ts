/**
 * A simulated process (struct task_struct with its files_struct and
 * mm_struct). Credentials decide capable(CAP_SYS_ADMIN) (uid 0) and device
 * node permissions (fs/namei.c generic_permission).
 */
import { AddressSpace } from './mm';
import { FdTable } from './vfs/fdtable';

export interface Credentials {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups. */
  readonly groups: readonly number[];
}

export class Task {
  readonly files: FdTable;
  readonly mm = new AddressSpace();
  alive = true;

  constructor(
    readonly pid: number,
    readonly cred: Credentials,
  ) {
    this.files = new FdTable({ pid, uid: cred.uid });
  }

  get admin(): boolean {
    return this.cred.uid === 0;
  }

  inGroup(gid: number): boolean {
    return this.cred.gid === gid || this.cred.groups.includes(gid);
  }
}
