/**
 * The amdxdna ioctls on the simulated kernel, each the model of the kernel
 * function named beside it (drivers/accel/amdxdna/amdxdna_ctx.c,
 * amdxdna_gem.c, amdxdna_pci_drv.c, aie2_ctx.c, aie2_pci.c, Linux 7.3).
 * Argument checks come in the kernel's order with the kernel's errno; `data`
 * is drm_ioctl's kernel copy, copied back after the call even when it fails.
 *
 * Not modelled: user-pointer and dma-buf-fd SHARE BOs (CREATE_BO with vaddr,
 * amdxdna_gem_create_ubuf_object: EOPNOTSUPP here), the carveout, command
 * chains, and the GET_INFO answers only firmware has (AIE_STATUS, SENSORS,
 * TELEMETRY: EOPNOTSUPP here); other firmware facts are fixed modelled values.
 */
import { SysError, type ErrnoName } from '../../../harness/sys/errno';
import type { PdiKind } from '../pdi';
import type { DrmFile, GemObject, IoctlContext, IoctlReturn } from '../../sim/kernel/drm/driver';
import { PAGE_SIZE } from '../../sim/kernel/drm/driver';
import {
  AMDXDNA_BO_CMD,
  AMDXDNA_BO_DEV,
  AMDXDNA_BO_DEV_HEAP,
  AMDXDNA_BO_SHARE,
  AMDXDNA_CMD_SUBMIT_EXEC_BUF,
  AMDXDNA_HWCTX_STATE_ACTIVE,
  AMDXDNA_INVALID_ADDR,
  AMDXDNA_INVALID_DOORBELL_OFFSET,
  DRM_AMDXDNA_BO_USAGE,
  DRM_AMDXDNA_GET_FORCE_PREEMPT_STATE,
  DRM_AMDXDNA_GET_FRAME_BOUNDARY_PREEMPT_STATE,
  DRM_AMDXDNA_GET_POWER_MODE,
  DRM_AMDXDNA_HWCTX_ASSIGN_DBG_BUF,
  DRM_AMDXDNA_HWCTX_CONFIG_CU,
  DRM_AMDXDNA_HWCTX_REMOVE_DBG_BUF,
  DRM_AMDXDNA_HW_CONTEXT_ALL,
  DRM_AMDXDNA_HW_LAST_ASYNC_ERR,
  DRM_AMDXDNA_QUERY_AIE_METADATA,
  DRM_AMDXDNA_QUERY_AIE_VERSION,
  DRM_AMDXDNA_QUERY_CLOCK_METADATA,
  DRM_AMDXDNA_QUERY_FIRMWARE_VERSION,
  DRM_AMDXDNA_QUERY_HW_CONTEXTS,
  DRM_AMDXDNA_QUERY_RESOURCE_INFO,
  DRM_AMDXDNA_SET_FORCE_PREEMPT,
  DRM_AMDXDNA_SET_FRAME_BOUNDARY_PREEMPT,
  DRM_AMDXDNA_SET_POWER_MODE,
  POWER_MODE_TURBO,
  SYNC_DIRECT_FROM_DEVICE,
  amdxdna_async_error,
  amdxdna_cu_config,
  amdxdna_drm_attribute_state,
  amdxdna_drm_bo_usage,
  amdxdna_drm_config_hwctx,
  amdxdna_drm_create_bo,
  amdxdna_drm_create_hwctx,
  amdxdna_drm_destroy_hwctx,
  amdxdna_drm_exec_cmd,
  amdxdna_drm_get_array,
  amdxdna_drm_get_bo_info,
  amdxdna_drm_get_info,
  amdxdna_drm_get_resource_info,
  amdxdna_drm_hwctx_entry,
  amdxdna_drm_query_aie_metadata,
  amdxdna_drm_query_aie_version,
  amdxdna_drm_query_clock_metadata,
  amdxdna_drm_query_firmware_version,
  amdxdna_drm_query_hwctx,
  amdxdna_drm_set_power_mode,
  amdxdna_drm_set_state,
  amdxdna_drm_sync_bo,
  amdxdna_hwctx_param_config_cu,
  amdxdna_qos_info,
  type AmdxdnaIoctlName,
} from '../uapi';
import {
  HWCTX_MAX_CMDS,
  IDLE_WAIT_NS,
  MAX_ARG_COUNT,
  MAX_CHAIN_CMDBUF_SIZE,
  MAX_HWCTX_ID,
  MAX_NUM_CUS,
  NPU4,
  devAddrOf,
  pdiKindOf,
  xdnaBo,
  type CuConfig,
  type XdnaBo,
  type XdnaClient,
  type XdnaDevice,
  type XdnaHwctx,
} from './device';

type Handler = (dev: XdnaDevice, data: Buffer, file: DrmFile, ctx: IoctlContext) => IoctlReturn;

const fail = (code: ErrnoName, why: string): never => {
  throw SysError.of(code, 'ioctl', why);
};

export const clientOf = (file: DrmFile): XdnaClient => file.driverPriv as XdnaClient;

const pageAlign = (n: bigint): bigint => (n + BigInt(PAGE_SIZE - 1)) & ~BigInt(PAGE_SIZE - 1);

/** A size the simulated core can allocate; beyond it shmem cannot back the object (ENOMEM). */
function objSize(size: bigint): number {
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) fail('ENOMEM', 'drm_gem_shmem_create: too large');
  return Number(size);
}

/* ---- BOs (amdxdna_gem.c) ---- */

function newBo(type: XdnaBo['type'], internal: boolean, client: XdnaClient | null): XdnaBo {
  return { type, internal, client, devAddr: 0n, node: null, heap: null, uva: AMDXDNA_INVALID_ADDR, maps: 0, imported: false, assignedHwctx: 0 };
}

/** amdxdna_gem_add_bo_usage, at the first handle (amdxdna_gem_obj_open); DEV BOs count as heap usage only. */
export function addBoUsage(obj: GemObject, client: XdnaClient, cmdExternal = false): void {
  const bo = xdnaBo(obj);
  if (bo.type === 'dev') return;
  client.totalBoUsage += obj.size;
  if (bo.internal && !(cmdExternal && bo.type === 'share')) client.totalIntBoUsage += obj.size;
}

/** amdxdna_drm_create_share_bo (the shmem case): SHARE, CMD and the heap's pages. */
function createShareBo(dev: XdnaDevice, a: ReturnType<typeof amdxdna_drm_create_bo.decode>): GemObject {
  if (a.vaddr !== 0n) fail('EOPNOTSUPP', 'user-pointer / dma-buf-fd BOs (amdxdna_gem_create_ubuf_object) are not modelled');
  const heap = a.type === AMDXDNA_BO_DEV_HEAP;
  const bo = newBo(heap ? 'dev-heap' : 'share', heap || a.type === AMDXDNA_BO_CMD, null);
  const obj = dev.drm.gemObjectCreate(objSize(a.size), {
    open: (o, f) => {
      const b = xdnaBo(o);
      if (b.client) return;
      b.client = clientOf(f);
      addBoUsage(o, b.client, dev.has('bo-usage-cmd-external'));
    },
    mmap: (o) => {
      if (dev.has('mmap-copy')) return Buffer.from(o.memory);
      return undefined;
    },
  });
  obj.driverPriv = bo;
  // __drm_gem_shmem_init creates the fake offset with the object.
  dev.drm.gemMmapOffset(obj);
  return obj;
}

/** amdxdna_drm_create_dev_heap_bo. */
function createHeapBo(dev: XdnaDevice, client: XdnaClient, a: ReturnType<typeof amdxdna_drm_create_bo.decode>): GemObject {
  const aligned = a.size % BigInt(NPU4.devMemSize) === 0n || dev.has('heap-unaligned-ok');
  if (a.size === 0n || !aligned) fail('EINVAL', 'heap size not a multiple of dev_mem_size');
  const obj = createShareBo(dev, a);
  if (client.totalHeapSize + obj.size > NPU4.devHeapMaxSize) {
    obj.put();
    fail('ENOSPC', 'heaps above dev_heap_max_size');
  }
  const bo = xdnaBo(obj);
  bo.devAddr = NPU4.devMemBase + BigInt(client.totalHeapSize);
  client.heaps.push(obj);
  client.totalHeapSize += obj.size;
  // The client's dev_heap_xa holds its own reference until close.
  obj.get();
  return obj;
}

/** drm_mm_insert_node_generic(DRM_MM_INSERT_BEST) in [dev_mem_base, + dev_heap_max_size). */
function heapInsert(client: XdnaClient, size: number, align: bigint): bigint | null {
  const end = NPU4.devMemBase + BigInt(NPU4.devHeapMaxSize);
  let best: { start: bigint; hole: bigint } | null = null;
  let cursor = NPU4.devMemBase;
  const consider = (holeStart: bigint, holeEnd: bigint): void => {
    const start = (holeStart + align - 1n) & ~(align - 1n);
    if (start + BigInt(size) > holeEnd) return;
    const hole = holeEnd - holeStart;
    if (!best || hole < best.hole) best = { start, hole };
  };
  for (const n of client.heapNodes) {
    consider(cursor, n.start);
    cursor = n.start + BigInt(n.size);
  }
  consider(cursor, end);
  return best ? (best as { start: bigint }).start : null;
}

/**
 * amdxdna_init_dev_bo: the heap holding the node, mapped by user space
 * (its uva: a DEV BO's user address is inside the heap's mapping), and the
 * heaps it spans mapped contiguously; EAGAIN when a heap is missing or
 * unmapped, EINVAL when the mappings are not contiguous.
 */
function initDevBo(client: XdnaClient, start: bigint, size: number): { heap: GemObject; uva: bigint } {
  if (client.heaps.length === 0) fail('EAGAIN', 'empty heap xa');
  let id = 0;
  while (id < client.heaps.length && xdnaBo(client.heaps[id] as GemObject).devAddr <= start) id++;
  id--;
  const first = client.heaps[id] as GemObject;
  let expUva = xdnaBo(first).uva;
  const uva = start - xdnaBo(first).devAddr + expUva;
  for (; id < client.heaps.length; id++) {
    const h = xdnaBo(client.heaps[id] as GemObject);
    if (h.uva === AMDXDNA_INVALID_ADDR) fail('EAGAIN', `heap ${id} is not mapped`);
    if (h.uva !== expUva) fail('EINVAL', `heap ${id} uva is not contiguous`);
    if (h.devAddr + BigInt((client.heaps[id] as GemObject).size) >= start + BigInt(size)) break;
    expUva += BigInt((client.heaps[id] as GemObject).size);
  }
  if (id === client.heaps.length) fail('EAGAIN', 'can not find heap end');
  return { heap: first, uva };
}

/** amdxdna_drm_create_dev_bo -> amdxdna_gem_heap_alloc: a range of the client's heaps, no pages of its own. */
export function createDevBo(dev: XdnaDevice, client: XdnaClient, size: bigint): GemObject {
  const aligned = pageAlign(size);
  if (aligned === 0n) fail('EINVAL', 'DEV BO size 0');
  if (aligned > BigInt(NPU4.devHeapMaxSize)) fail('EINVAL', 'DEV BO above dev_heap_max_size');
  const n = Number(aligned);
  const align = 1n << BigInt(Math.max(12, NPU4.devMemBufShift));
  const start = heapInsert(client, n, align);
  if (start === null) fail('ENOSPC', 'drm_mm_insert_node_generic: no hole');
  const at = start as bigint;
  const { heap, uva } = dev.has('dev-bo-without-heap-ok') && client.heaps.length === 0
    ? { heap: null as unknown as GemObject, uva: AMDXDNA_INVALID_ADDR }
    : initDevBo(client, at, n);
  const node = { start: at, size: n };
  client.heapNodes.push(node);
  client.heapNodes.sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  client.heapUsage += n;
  const bo = newBo('dev', true, client);
  bo.node = node;
  bo.heap = heap;
  bo.uva = uva;
  heap?.get();
  const obj = dev.drm.gemObjectCreate(n, {
    // amdxdna_gem_dev_obj_funcs: no mmap (drm_gem_mmap_obj: EINVAL), free returns the range.
    mmap: () => fail('EINVAL', 'a DEV BO has no mmap (amdxdna_gem_dev_obj_funcs)'),
    free: (o) => {
      const b = xdnaBo(o);
      const i = client.heapNodes.indexOf(node);
      if (i >= 0) client.heapNodes.splice(i, 1);
      client.heapUsage -= n;
      b.heap?.put();
    },
  });
  obj.driverPriv = bo;
  return obj;
}

/** amdxdna_drm_create_bo_ioctl. */
const createBo: Handler = (dev, data, file) => {
  const a = amdxdna_drm_create_bo.decode(data);
  const client = clientOf(file);
  if (a.flags && !dev.has('create-bo-flags-ok')) fail('EINVAL', 'flags MBZ');
  let obj: GemObject;
  switch (a.type) {
    case AMDXDNA_BO_CMD:
    case AMDXDNA_BO_SHARE:
      obj = createShareBo(dev, a);
      break;
    case AMDXDNA_BO_DEV_HEAP:
      obj = createHeapBo(dev, client, a);
      break;
    case AMDXDNA_BO_DEV:
      // amdxdna_update_heap afterwards attaches new heaps to the contexts: nothing the model tracks.
      obj = createDevBo(dev, client, a.size);
      break;
    default:
      return fail('EINVAL', `BO type ${a.type}`);
  }
  try {
    const handle = dev.drm.gemHandleCreate(file, obj);
    amdxdna_drm_create_bo.write(data, 0, { ...a, handle });
  } finally {
    // The handle holds the object now.
    obj.put();
  }
  return 0;
};

/** amdxdna_drm_get_bo_info_ioctl. */
const getBoInfo: Handler = (dev, data, file) => {
  const a = amdxdna_drm_get_bo_info.decode(data);
  if (a.ext || a.ext_flags || a.pad) fail('EINVAL', 'ext, ext_flags or pad');
  const obj = dev.drm.gemObjectLookup(file, a.handle);
  if (!obj) return fail('ENOENT', 'no such BO');
  const bo = xdnaBo(obj);
  const dev_ = bo.type === 'dev' && !dev.has('dev-bo-map-offset');
  amdxdna_drm_get_bo_info.write(data, 0, {
    ...a,
    vaddr: bo.uva,
    xdna_addr: devAddrOf(obj),
    map_offset: dev_ ? AMDXDNA_INVALID_ADDR : dev.drm.gemMmapOffset(obj),
  });
  obj.put();
  return 0;
};

/** amdxdna_drm_sync_bo_ioctl -> amdxdna_flush_bo; FROM_DEVICE then syncs a debug BO (amdxdna_hwctx_sync_debug_bo). */
const syncBo: Handler = (dev, data, file) => {
  const a = amdxdna_drm_sync_bo.decode(data);
  const client = clientOf(file);
  const obj = dev.drm.gemObjectLookup(file, a.handle);
  if (!obj) return fail('ENOENT', 'no such BO');
  try {
    const bo = xdnaBo(obj);
    if (bo.type !== 'dev') {
      // amdxdna_flush_bo.
      if (bo.imported) fail('EOPNOTSUPP', 'imported BO');
      if (a.offset >= BigInt(obj.size)) fail('EINVAL', 'offset beyond the BO');
      if (a.offset + a.size > (1n << 64n) - 1n) fail('EINVAL', 'offset + size overflows');
    }
    if (a.direction === SYNC_DIRECT_FROM_DEVICE) {
      // amdxdna_hwctx_sync_debug_bo: the context the BO is assigned to as debug BO, none for other BOs.
      const ctx = client.hwctxs.get(bo.assignedHwctx);
      if (!ctx && !dev.has('sync-bo-from-device-ok')) fail('EINVAL', 'FROM_DEVICE on a BO assigned to no context as debug BO');
    }
  } finally {
    obj.put();
  }
  return 0;
};

/* ---- contexts (amdxdna_ctx.c, aie2_ctx.c) ---- */

/** xa_load(&client->hwctx_xa, id): the file's own contexts only. */
function findHwctx(dev: XdnaDevice, client: XdnaClient, id: number): XdnaHwctx | undefined {
  if (!dev.has('hwctx-any-file')) return client.hwctxs.get(id);
  for (const c of dev.clients) {
    const h = c.hwctxs.get(id);
    if (h) return h;
  }
  return undefined;
}

/** aie2_hwctx_col_list: num_tiles / core rows columns, each start a multiple of the width (COL_ALIGN_NATURE). */
function colCount(numTiles: number): number {
  if (!numTiles) fail('EINVAL', 'num_tiles 0');
  const numCol = Math.floor(numTiles / NPU4.coreRows);
  if (!numCol || numCol > NPU4.cols) fail('EINVAL', `num_col ${numCol}`);
  return numCol;
}

/** amdxdna_drm_create_hwctx_ioctl -> aie2_hwctx_init. */
const createHwctx: Handler = (dev, data, file, ctx) => {
  const a = amdxdna_drm_create_hwctx.decode(data);
  const client = clientOf(file);
  if (a.ext || a.ext_flags) fail('EINVAL', 'ext or ext_flags');
  const qos = amdxdna_qos_info.decode(ctx.copyFromUser(a.qos_p, amdxdna_qos_info.size));
  // aie2_hwctx_init: heap 0 must exist; the four command buffers are DEV BOs in it.
  const heap = client.heaps[0];
  if (!heap) return fail('ENOENT', 'the client dev heap object does not exist');
  const cmdBufs: GemObject[] = [];
  try {
    for (let i = 0; i < HWCTX_MAX_CMDS; i++) cmdBufs.push(createDevBo(dev, client, BigInt(MAX_CHAIN_CMDBUF_SIZE)));
  } catch (e) {
    for (const b of cmdBufs) b.put();
    throw e;
  }
  let numCol: number;
  try {
    numCol = colCount(a.num_tiles);
  } catch (e) {
    for (const b of cmdBufs) b.put();
    throw e;
  }
  // xa_alloc_cyclic in [1, MAX_HWCTX_ID]: ids go round, the lowest free at or after next.
  let id = 0;
  for (let i = 0; i < MAX_HWCTX_ID; i++) {
    const from = dev.has('hwctx-id-lowest') ? 1 : client.nextHwctxId;
    const cand = ((from - 1 + i) % MAX_HWCTX_ID) + 1;
    if (!client.hwctxs.has(cand)) {
      id = cand;
      break;
    }
  }
  if (!id) {
    for (const b of cmdBufs) b.put();
    return fail('EBUSY', 'no free context id');
  }
  client.nextHwctxId = (id % MAX_HWCTX_ID) + 1;
  heap.get();
  const { handle: syncobjHandle, syncobj } = dev.drm.syncobjCreate(file);
  const hwctx: XdnaHwctx = {
    id,
    client,
    qos,
    numTiles: a.num_tiles,
    numCol,
    // AIE2_TEMPORAL_ONLY (NPU4 firmware): every context gets the whole array from column 0.
    startCol: NPU4.firstCol,
    syncobj,
    syncobjHandle,
    heap,
    cmdBufs,
    cus: null,
    cuKinds: [],
    seq: 0n,
    completed: 0n,
    inflight: [],
    running: null,
    tdr: null,
    tdrHeld: false,
    destroyed: false,
    restarts: 0,
  };
  client.hwctxs.set(id, hwctx);
  amdxdna_drm_create_hwctx.write(data, 0, { ...a, handle: id, syncobj_handle: syncobjHandle, umq_doorbell: AMDXDNA_INVALID_DOORBELL_OFFSET });
  return 0;
};

/** amdxdna_drm_destroy_hwctx_ioctl -> amdxdna_hwctx_destroy_rcu -> aie2_hwctx_fini. */
const destroyHwctx: Handler = (dev, data, file, ctx) => {
  const a = amdxdna_drm_destroy_hwctx.decode(data);
  const client = clientOf(file);
  if (a.pad) fail('EINVAL', 'pad');
  const hwctx = findHwctx(dev, client, a.handle);
  if (!hwctx) return fail('EINVAL', `no context ${a.handle}`);
  hwctx.client.hwctxs.delete(a.handle);
  // aie2_hwctx_wait_for_idle: up to 2 s for the last command, under dev_lock (the TDR handler waits for it).
  hwctx.tdrHeld = true;
  const last = hwctx.syncobj.fence;
  const deadline = ctx.clock.nowNs() + IDLE_WAIT_NS;
  if (last) last.onSignal(() => ctx.clock.kick());
  return ctx.sleep(() => !last || last.signaled, deadline, () => {
    dev.finiHwctx(hwctx);
    return 0;
  });
};

/** amdxdna_drm_config_hwctx_ioctl -> aie2_hwctx_config. */
const configHwctx: Handler = (dev, data, file, ctx) => {
  const a = amdxdna_drm_config_hwctx.decode(data);
  const client = clientOf(file);
  if (a.pad) fail('EINVAL', 'pad');
  let buf: Buffer | null = null;
  switch (a.param_type) {
    case DRM_AMDXDNA_HWCTX_CONFIG_CU:
      if (a.param_val_size > PAGE_SIZE) fail('E2BIG', 'CU config above PAGE_SIZE');
      buf = Buffer.alloc(PAGE_SIZE);
      ctx.copyFromUser(a.param_val, a.param_val_size).copy(buf);
      break;
    case DRM_AMDXDNA_HWCTX_ASSIGN_DBG_BUF:
    case DRM_AMDXDNA_HWCTX_REMOVE_DBG_BUF:
      break;
    default:
      return fail('EINVAL', `config type ${a.param_type}`);
  }
  const hwctx = findHwctx(dev, client, a.handle);
  if (!hwctx) return fail('EINVAL', `no context ${a.handle}`);
  if (buf) return configCu(dev, hwctx, file, buf, a.param_val_size);
  return configDebugBo(dev, hwctx, file, Number(a.param_val & 0xffffffffn), a.param_type === DRM_AMDXDNA_HWCTX_ASSIGN_DBG_BUF);
};

/** aie2_hwctx_cu_config + aie2_config_cu. */
function configCu(dev: XdnaDevice, hwctx: XdnaHwctx, file: DrmFile, buf: Buffer, size: number): number {
  const head = amdxdna_hwctx_param_config_cu.decode(buf);
  if (head.pad.some((p) => p !== 0)) fail('EINVAL', 'config pad');
  if (hwctx.cus && !dev.has('cu-reconfig-ok')) fail('EINVAL', 'CUs are configured already');
  if (!head.num_cus) fail('EINVAL', 'num_cus 0');
  const total = amdxdna_hwctx_param_config_cu.size + head.num_cus * amdxdna_cu_config.size;
  if (total > size) fail('EINVAL', 'CU config larger than size');
  // aie2_config_cu (hwctx->cus already set: on failure it is freed again).
  if (head.num_cus > MAX_NUM_CUS) fail('EINVAL', 'above MAX_NUM_CUS');
  const cus: CuConfig[] = [];
  const kinds: PdiKind[] = [];
  for (let i = 0; i < head.num_cus; i++) {
    const c = amdxdna_cu_config.decode(buf.subarray(amdxdna_hwctx_param_config_cu.size + i * amdxdna_cu_config.size));
    if (c.pad.some((p) => p !== 0)) fail('EINVAL', 'cu pad');
    const obj = dev.drm.gemObjectLookup(file, c.cu_bo);
    if (!obj) return fail('EINVAL', `no CU BO ${c.cu_bo}`);
    const isDev = xdnaBo(obj).type === 'dev';
    const kind = isDev ? pdiKindOf(obj) : 'unknown';
    obj.put();
    if (!isDev) fail('EINVAL', 'a CU BO must be a DEV BO');
    cus.push({ cuBo: c.cu_bo, cuFunc: c.cu_func });
    kinds.push(kind);
  }
  hwctx.cus = cus;
  hwctx.cuKinds = kinds;
  return 0;
}

/** aie2_hwctx_cfg_debug_bo: a DEV BO assigned to (or removed from) one context. */
function configDebugBo(dev: XdnaDevice, hwctx: XdnaHwctx, file: DrmFile, handle: number, attach: boolean): number {
  const obj = dev.drm.gemObjectLookup(file, handle);
  if (!obj || xdnaBo(obj).type !== 'dev') {
    obj?.put();
    return fail('EINVAL', `no DEV BO ${handle}`);
  }
  const bo = xdnaBo(obj);
  obj.put();
  if (attach && bo.assignedHwctx !== 0) fail('EBUSY', 'the BO is a debug BO already');
  if (!attach && bo.assignedHwctx !== hwctx.id) fail('EINVAL', 'the BO is not this context\'s debug BO');
  // The firmware's answer to ATTACH/DETACH_DEBUG_BO is modelled as success.
  bo.assignedHwctx = attach ? hwctx.id : 0;
  return 0;
}

/* ---- execution ---- */

/** amdxdna_drm_submit_cmd_ioctl -> amdxdna_drm_submit_execbuf -> amdxdna_cmd_submit -> aie2_cmd_submit. */
const execCmd: Handler = (dev, data, file, ctx) => {
  const a = amdxdna_drm_exec_cmd.decode(data);
  const client = clientOf(file);
  if (a.ext || a.ext_flags) fail('EINVAL', 'ext or ext_flags');
  if (a.type !== AMDXDNA_CMD_SUBMIT_EXEC_BUF) fail('EINVAL', `command type ${a.type}`);
  if (a.arg_count > MAX_ARG_COUNT) fail('EINVAL', 'arg_count above MAX_ARG_COUNT');
  if (a.cmd_count !== 1) fail('EINVAL', 'cmd_count is not 1');
  const cmdHandle = Number(a.cmd_handles & 0xffffffffn);
  const argHandles: number[] = [];
  if (a.arg_count) {
    const raw = ctx.copyFromUser(a.args, 4 * a.arg_count);
    for (let i = 0; i < a.arg_count; i++) argHandles.push(raw.readUInt32LE(4 * i));
  }
  const held: GemObject[] = [];
  const release = (): void => {
    for (const o of held) o.put();
  };
  // amdxdna_cmd_submit: a user command needs its command BO, a SHARE (or CMD) BO of the file.
  let cmdBo: GemObject | null = null;
  if (cmdHandle !== 0) {
    cmdBo = dev.drm.gemObjectLookup(file, cmdHandle);
    if (cmdBo && xdnaBo(cmdBo).type !== 'share') {
      cmdBo.put();
      cmdBo = null;
    }
    if (!cmdBo) return fail('EINVAL', `no command BO ${cmdHandle}`);
  } else if (!dev.has('exec-no-cmd-bo-ok')) {
    return fail('EINVAL', 'a user command needs a command BO');
  }
  if (cmdBo) held.push(cmdBo);
  // amdxdna_arg_bos_lookup: each argument BO looked up (and pinned).
  const args: GemObject[] = [];
  for (const h of argHandles) {
    const o = dev.drm.gemObjectLookup(file, h);
    if (!o) {
      release();
      for (const x of args) x.put();
      return fail('ENOENT', `no argument BO ${h}`);
    }
    args.push(o);
  }
  const hwctx = findHwctx(dev, client, a.hwctx);
  if (!hwctx) {
    release();
    for (const x of args) x.put();
    return fail('EINVAL', `no context ${a.hwctx}`);
  }
  if (!cmdBo) {
    // Before the fix the scheduler met a NULL command BO: here the command is dropped with its seq.
    for (const x of args) x.put();
    amdxdna_drm_exec_cmd.write(data, 0, { ...a, seq: hwctx.seq++ });
    return 0;
  }
  const submit = (): number => {
    const seq = dev.push(hwctx, cmdBo as GemObject, args);
    amdxdna_drm_exec_cmd.write(data, 0, { ...a, seq });
    return 0;
  };
  // aie2_cmd_submit: down_interruptible(&job_sem), HWCTX_MAX_CMDS commands in flight at most.
  if (hwctx.inflight.length < HWCTX_MAX_CMDS) return submit();
  return ctx.sleep(() => hwctx.inflight.length < HWCTX_MAX_CMDS || hwctx.destroyed, null, (ok) => {
    if (!ok || hwctx.destroyed) {
      release();
      for (const x of args) x.put();
      fail('EINTR', 'down_interruptible(job_sem) never returns');
    }
    return submit();
  });
};

/** amdxdna_drm_wait_cmd_ioctl: AIE2 devices have no cmd_wait op (only aie4_ops does): user space waits on the syncobj. */
const waitCmd: Handler = (dev) => {
  if (dev.has('wait-cmd-supported')) return 0;
  return fail('EOPNOTSUPP', 'aie2_ops has no cmd_wait');
};

/* ---- queries (aie2_pci.c) ---- */

/** copy_to_user of min(buffer_size, sizeof) bytes, as most aie2_get_info cases do. */
function copyMin(ctx: IoctlContext, buffer: bigint, size: number, value: Buffer): void {
  ctx.copyToUser(buffer, value.subarray(0, Math.min(size, value.length)));
}

/** aie2_hwctx_status_cb over every client's contexts, `elem` bytes of struct amdxdna_drm_hwctx_entry each. */
function walkHwctx(dev: XdnaDevice, ctx: IoctlContext, buffer: bigint, count: number, elem: number): number {
  let written = 0;
  for (const c of dev.clients) {
    for (const h of c.hwctxs.values()) {
      // aie2_hwctx_status_cb: EINVAL with no room left stops the walk (the caller ignores it).
      if (written >= count) return written;
      const e = amdxdna_drm_hwctx_entry.encode({
        context_id: h.id,
        start_col: h.startCol,
        num_col: h.numCol,
        pid: BigInt(c.pid),
        command_submissions: h.seq,
        command_completions: h.completed,
        heap_usage: BigInt(c.heapUsage),
        priority: BigInt(h.qos.priority),
        gops: h.qos.gops,
        fps: h.qos.fps,
        dma_bandwidth: h.qos.dma_bandwidth,
        latency: h.qos.latency,
        frame_exec_time: h.qos.frame_exec_time,
        state: AMDXDNA_HWCTX_STATE_ACTIVE,
        // SVA: the PASID the open bound (amdxdna_sva_init); the model numbers them by client.
        pasid: c.file.clientId,
      });
      ctx.copyToUser(buffer + BigInt(written * elem), e.subarray(0, elem));
      written++;
    }
  }
  return written;
}

/** Modelled firmware facts of an NPU4 (what aie2_get_info reads from the firmware). */
function metadata(): Buffer {
  const tile = (rows: number, start: number, dma: number, locks: number, events: number) => ({
    row_count: rows,
    row_start: start,
    dma_channel_count: dma,
    lock_count: locks,
    event_reg_count: events,
    pad: [0, 0, 0],
  });
  return amdxdna_drm_query_aie_metadata.encode({
    col_size: 0x100000,
    cols: NPU4.cols,
    rows: 6,
    version: { major: 2, minor: 0 },
    core: tile(NPU4.coreRows, 2, 4, 16, 128),
    mem: tile(1, 1, 12, 64, 128),
    shim: tile(1, 0, 4, 16, 128),
  });
}

/** amdxdna_drm_get_info_ioctl -> aie2_get_info. */
const getInfo: Handler = (dev, data, _file, ctx) => {
  const a = amdxdna_drm_get_info.decode(data);
  const name = (s: string): number[] => Array.from({ length: 16 }, (_, i) => s.charCodeAt(i) || 0);
  switch (a.param) {
    case DRM_AMDXDNA_QUERY_AIE_METADATA:
      copyMin(ctx, a.buffer, a.buffer_size, metadata());
      return 0;
    case DRM_AMDXDNA_QUERY_AIE_VERSION:
      copyMin(ctx, a.buffer, a.buffer_size, amdxdna_drm_query_aie_version.encode({ major: 2, minor: 0 }));
      return 0;
    case DRM_AMDXDNA_QUERY_CLOCK_METADATA:
      copyMin(ctx, a.buffer, a.buffer_size, amdxdna_drm_query_clock_metadata.encode({
        mp_npu_clock: { name: name('MP-NPU Clock'), freq_mhz: 1267, pad: 0 },
        h_clock: { name: name('H Clock'), freq_mhz: 1800, pad: 0 },
      }));
      return 0;
    case DRM_AMDXDNA_QUERY_HW_CONTEXTS: {
      // aie2_get_hwctx_status: entries of sizeof(struct amdxdna_drm_query_hwctx); buffer_size shrinks by what was written.
      const elem = amdxdna_drm_query_hwctx.size;
      const n = walkHwctx(dev, ctx, a.buffer, Math.floor(a.buffer_size / elem), elem);
      amdxdna_drm_get_info.write(data, 0, { ...a, buffer_size: a.buffer_size - n * elem });
      return 0;
    }
    case DRM_AMDXDNA_QUERY_FIRMWARE_VERSION:
      copyMin(ctx, a.buffer, a.buffer_size, amdxdna_drm_query_firmware_version.encode({ major: 1, minor: 1, patch: 0, build: 0 }));
      return 0;
    case DRM_AMDXDNA_GET_POWER_MODE:
      copyMin(ctx, a.buffer, a.buffer_size, Buffer.from([dev.powerMode, 0, 0, 0, 0, 0, 0, 0]));
      return 0;
    case DRM_AMDXDNA_QUERY_RESOURCE_INFO: {
      let tasks = 0;
      for (const c of dev.clients) tasks += c.hwctxs.size;
      copyMin(ctx, a.buffer, a.buffer_size, amdxdna_drm_get_resource_info.encode({
        npu_clk_max: 1800n,
        npu_tops_max: 50n,
        npu_task_max: BigInt(NPU4.hwctxLimit),
        npu_tops_curr: 50n,
        npu_task_curr: BigInt(tasks),
      }));
      return 0;
    }
    case DRM_AMDXDNA_GET_FORCE_PREEMPT_STATE:
    case DRM_AMDXDNA_GET_FRAME_BOUNDARY_PREEMPT_STATE: {
      const state = a.param === DRM_AMDXDNA_GET_FORCE_PREEMPT_STATE ? dev.forcePreempt : dev.frameBoundaryPreempt;
      copyMin(ctx, a.buffer, a.buffer_size, amdxdna_drm_attribute_state.encode({ state, pad: [0, 0, 0, 0, 0, 0, 0] }));
      return 0;
    }
    default:
      // AIE_STATUS, SENSORS and TELEMETRY answer firmware data the model does not have, as unknown params.
      return fail('EOPNOTSUPP', `GET_INFO param ${a.param}`);
  }
};

/** amdxdna_drm_get_array_ioctl -> aie2_get_array. */
const getArray: Handler = (dev, data, _file, ctx) => {
  const a = amdxdna_drm_get_array.decode(data);
  if (a.pad || !a.num_element || !a.element_size) fail('EINVAL', 'pad, num_element or element_size');
  switch (a.param) {
    case DRM_AMDXDNA_HW_CONTEXT_ALL: {
      // aie2_query_ctx_status_array.
      if (a.element_size > 4096 || a.num_element > 1024) fail('EINVAL', 'element_size or num_element too large');
      const elem = Math.min(a.element_size, amdxdna_drm_hwctx_entry.size);
      const count = Math.floor((a.num_element * a.element_size) / elem);
      const n = walkHwctx(dev, ctx, a.buffer, count, elem);
      amdxdna_drm_get_array.write(data, 0, { ...a, element_size: elem, num_element: n });
      return 0;
    }
    case DRM_AMDXDNA_HW_LAST_ASYNC_ERR: {
      // aie2_get_array_async_error: the last async error (none in the model: zeroes).
      const elem = Math.min(a.element_size, amdxdna_async_error.size);
      amdxdna_drm_get_array.write(data, 0, { ...a, num_element: 1, element_size: elem });
      ctx.copyToUser(a.buffer, Buffer.alloc(elem));
      return 0;
    }
    case DRM_AMDXDNA_BO_USAGE: {
      // amdxdna_drm_get_bo_usage.
      const min = Math.min(a.element_size, amdxdna_drm_bo_usage.size);
      if (a.num_element !== 1) fail('EINVAL', 'num_element is not 1');
      const raw = Buffer.alloc(amdxdna_drm_bo_usage.size);
      ctx.copyFromUser(a.buffer, min).copy(raw);
      const q = amdxdna_drm_bo_usage.decode(raw);
      if (!q.pid) fail('EINVAL', 'pid 0');
      let total = 0;
      let internal = 0;
      let heap = 0;
      for (const c of dev.clients) {
        if (BigInt(c.pid) !== q.pid) continue;
        total += c.totalBoUsage;
        internal += c.totalIntBoUsage;
        heap += c.heapUsage;
      }
      const out = amdxdna_drm_bo_usage.encode({ pid: q.pid, total_usage: BigInt(total), internal_usage: BigInt(internal), heap_usage: BigInt(heap) });
      ctx.copyToUser(a.buffer, out.subarray(0, min));
      return 0;
    }
    default:
      return fail('EOPNOTSUPP', `GET_ARRAY param ${a.param}`);
  }
};

/** amdxdna_drm_set_state_ioctl (DRM_ROOT_ONLY) -> aie2_set_state. */
const setState: Handler = (dev, data, _file, ctx) => {
  const a = amdxdna_drm_set_state.decode(data);
  switch (a.param) {
    case DRM_AMDXDNA_SET_POWER_MODE: {
      const p = amdxdna_drm_set_power_mode.decode(ctx.copyFromUser(a.buffer, amdxdna_drm_set_power_mode.size));
      if (p.pad.some((x) => x !== 0)) fail('EINVAL', 'pad');
      if (p.power_mode > POWER_MODE_TURBO && !dev.has('power-mode-unchecked')) fail('EINVAL', `power mode ${p.power_mode}`);
      dev.powerMode = p.power_mode;
      return 0;
    }
    case DRM_AMDXDNA_SET_FORCE_PREEMPT:
    case DRM_AMDXDNA_SET_FRAME_BOUNDARY_PREEMPT: {
      const s = amdxdna_drm_attribute_state.decode(ctx.copyFromUser(a.buffer, amdxdna_drm_attribute_state.size));
      if (s.state > 1) fail('EINVAL', 'state');
      if (s.pad.some((x) => x !== 0)) fail('EINVAL', 'pad');
      if (a.param === DRM_AMDXDNA_SET_FORCE_PREEMPT) dev.forcePreempt = s.state;
      else dev.frameBoundaryPreempt = s.state;
      return 0;
    }
    default:
      return fail('EOPNOTSUPP', `SET_STATE param ${a.param}`);
  }
};

export const AMDXDNA_HANDLERS: Record<AmdxdnaIoctlName, Handler> = {
  CREATE_HWCTX: createHwctx,
  DESTROY_HWCTX: destroyHwctx,
  CONFIG_HWCTX: configHwctx,
  CREATE_BO: createBo,
  GET_BO_INFO: getBoInfo,
  SYNC_BO: syncBo,
  EXEC_CMD: execCmd,
  GET_INFO: getInfo,
  SET_STATE: setState,
  WAIT_CMD: waitCmd,
  GET_ARRAY: getArray,
};
