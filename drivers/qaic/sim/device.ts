/**
 * The simulated Cloud AI 100 behind sim:qaic: the parts of struct
 * qaic_device (drivers/accel/qaic/qaic.h) the uAPI reaches without firmware.
 * The device is QAIC_ONLINE (the model never goes through a subsystem
 * restart), has DBC_NUM = 16 DMA bridge channels (qaic_drv.c create_qdev)
 * and no workload: a channel gets its owner (dbc->usr) only from the
 * firmware's ACTIVATE answer to a MANAGE message (qaic_control.c
 * decode_activate), which the model does not have, so every channel stays
 * without one. That is where the model of ATTACH_SLICE_BO, EXECUTE_BO,
 * WAIT_BO and PERF_STATS_BO stops: each check the kernel makes before the
 * ownership check is modelled exactly, the ownership check then refuses.
 */
import type { DrmDevice } from '../../sim/kernel/drm/driver';

/** qaic_drv.c DBC_NUM. */
export const QAIC_NUM_DBC = 16;
/** qaic.h QAIC_SSR_DBC_SENTINEL: no subsystem restart in progress. */
export const QAIC_SSR_DBC_SENTINEL = 0xffffffff;

/**
 * qaic_drv.c qaic_usrs: one ida for the whole module (every qaic device of
 * the machine), ida_alloc giving the lowest free id at qaic_open, ida_free
 * (free_usr) giving it back when the user's last reference goes at
 * qaic_postclose.
 */
export class QaicUserIda {
  private readonly used = new Set<number>();

  alloc(): number {
    let id = 0;
    while (this.used.has(id)) id++;
    this.used.add(id);
    return id;
  }

  free(id: number): void {
    this.used.delete(id);
  }
}

/** struct qaic_user: one per open file (qaic_drv.c qaic_open), its handle from the qaic_usrs ida. */
export interface QaicUser {
  readonly handle: number;
}

/** struct dma_bridge_chan, as far as the uAPI sees it. */
export interface DmaBridgeChannel {
  readonly id: number;
  /** The file whose workload was activated on this channel; null without one. */
  usr: QaicUser | null;
}

/** struct qaic_bo's bookkeeping the ioctls look at. */
export interface QaicBo {
  /** Set by ATTACH_SLICE_BO, cleared by DETACH_SLICE_BO. */
  sliced: boolean;
  /** bo->dbc->id: the channel the BO is sliced on; absent while it has none. */
  dbcId?: number;
}

export class QaicDevice {
  /** QAIC_ONLINE: qaic_open and every ioctl answer ENODEV otherwise. */
  online = true;
  /** The channel a subsystem restart is in progress on (EPIPE), else the sentinel. */
  ssrDbc = QAIC_SSR_DBC_SENTINEL;
  readonly dbc: DmaBridgeChannel[] = Array.from({ length: QAIC_NUM_DBC }, (_, id) => ({ id, usr: null }));
  /** Set at the first open (only the open-once defect looks at it). */
  openedOnce = false;

  constructor(
    readonly drm: DrmDevice,
    readonly defects: ReadonlySet<string>,
    private readonly users: QaicUserIda,
  ) {}

  has(defect: string): boolean {
    return this.defects.has(defect);
  }

  /** qaic_open: a new user, its handle from the module's ida. */
  newUser(): QaicUser {
    return { handle: this.users.alloc() };
  }

  /** qaic_postclose: release_dbc for every channel this user owned, then free_usr gives the handle back. */
  releaseUser(usr: QaicUser): void {
    for (const c of this.dbc) if (c.usr === usr) c.usr = null;
    this.users.free(usr.handle);
  }
}
