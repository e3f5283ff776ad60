/**
 * MANAGE on sim:qaic: qaic_control.c qaic_manage_ioctl -> qaic_manage ->
 * qaic_manage_msg_xfer -> encode_message, which turns the user's
 * transactions into a wire message before anything is sent, then msg_xfer,
 * which queues it on the MHI control channel and waits
 * control_resp_timeout_s for the firmware's answer. Every check of the
 * encoding is modelled with the kernel's errno; a message that encodes is
 * sent to a device with no firmware, so the wait ends with ETIMEDOUT and
 * nothing is copied back (qaic_manage_ioctl copies only on 0 or ECANCELED).
 *
 * Model choices (the simulated machine, not kernel semantics): the MHI
 * control ring always has room (msg_xfer's EAGAIN after 20 retries never
 * happens), dma_alloc_coherent never fails, and no two user pages are
 * physically adjacent, so sg_alloc_table_from_pages gives a DMA_XFER one
 * scatterlist entry per page (this only sizes the wire message).
 */
import { SysError } from '../../../harness/sys/errno';
import type { IoctlContext, IoctlReturn } from '../../sim/kernel/drm/driver';
import {
  QAIC_MANAGE_MAX_MSG_LENGTH,
  QAIC_TRANS_ACTIVATE_FROM_USR,
  QAIC_TRANS_DEACTIVATE_FROM_USR,
  QAIC_TRANS_DMA_XFER_FROM_USR,
  QAIC_TRANS_PASSTHROUGH_FROM_USR,
  QAIC_TRANS_STATUS_FROM_USR,
  qaic_manage_msg,
  qaic_manage_trans_activate_to_dev,
  qaic_manage_trans_deactivate,
  qaic_manage_trans_dma_xfer,
  qaic_manage_trans_hdr,
} from '../uapi';
import type { QaicDevice, QaicUser } from './device';

type Errno = 'EINVAL' | 'ENOMEM' | 'ENOSPC' | 'EFAULT' | 'EPERM' | 'ENODEV' | 'ETIMEDOUT';

const fail = (code: Errno, why: string): never => {
  throw SysError.of(code, 'ioctl', why);
};

/** qaic_control.c control_resp_timeout_s default (module parameter, 0600). */
export const CONTROL_RESP_TIMEOUT_S = 60;
/** qaic_control.c QAIC_MANAGE_WIRE_MSG_LENGTH (SZ_64K). */
const WIRE_MSG_LENGTH = 65536;
/** sizeof(struct wire_msg_hdr): eight __le32. */
const WIRE_HDR = 32;
/** sizeof(struct wire_trans_dma_xfer), sizeof(struct wire_addr_size_pair). */
const WIRE_DMA_XFER = 24;
const WIRE_ASP = 16;
/** sizeof(struct wire_trans_activate_to_dev). */
const WIRE_ACTIVATE = 40;
/** qaic_data.c get_dbc_req_elem_size + get_dbc_rsp_elem_size: sizeof(struct dbc_req) 64 + sizeof(struct dbc_rsp) 4. */
const DBC_ELEM = 68;
/** qaic_control.c QAIC_DBC_Q_GAP, QAIC_DBC_Q_BUF_ALIGN. */
const DBC_Q_GAP = 256;
const DBC_Q_BUF_ALIGN = 4096;
const U32 = 0xffffffff;
const U64 = (1n << 64n) - 1n;
const PAGE = 4096n;
/** KMALLOC_MAX_SIZE on x86-64: find_and_map_user_pages halves its page array until kmalloc takes it. */
const KMALLOC_MAX_SIZE = 4096n << 10n;

/** The encoder's state across one message (struct wire_msg's hdr.len, encode_message's user_len). */
interface Encoding {
  /** msg->hdr.len: the wire message so far, its header included. */
  wireLen: number;
  /** user_len: the user bytes consumed. */
  userLen: number;
}

/** The control_resp_timeout_s the device was given (a /sys/module parameter of the model), else the default. */
export function controlRespTimeoutS(dev: QaicDevice): number {
  const v = dev.drm.params.control_resp_timeout_s;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : CONTROL_RESP_TIMEOUT_S;
}

/** encode_passthrough: 8-byte multiples, and room in the wire message (size_add, no wrap in 64 bits). */
function encodePassthrough(len: number, enc: Encoding): void {
  if (len % 8 !== 0) fail('EINVAL', 'encode_passthrough: len % 8');
  if (enc.wireLen + len > WIRE_MSG_LENGTH) fail('ENOSPC', 'encode_passthrough: wire message full');
  enc.wireLen += len;
  enc.userLen += len;
}

/** encode_status: room in the wire message for the user's length. */
function encodeStatus(len: number, enc: Encoding): void {
  if (enc.wireLen + len > WIRE_MSG_LENGTH) fail('ENOSPC', 'encode_status: wire message full');
  enc.wireLen += len;
  enc.userLen += len;
}

/** encode_activate: room, queue_size, pad, then the queue size arithmetic in u32 (check_mul_overflow, the wrap test). */
function encodeActivate(raw: Buffer, len: number, enc: Encoding): void {
  const t = qaic_manage_trans_activate_to_dev.decode(raw);
  if (enc.wireLen + WIRE_ACTIVATE > WIRE_MSG_LENGTH) fail('ENOSPC', 'encode_activate: wire message full');
  if (t.queue_size === 0) fail('EINVAL', 'encode_activate: queue_size 0');
  if (t.pad !== 0) fail('EINVAL', 'encode_activate: pad');
  const size = DBC_ELEM * t.queue_size;
  if (size > U32) fail('EINVAL', 'encode_activate: queue size overflows u32');
  if (size + DBC_Q_GAP + DBC_Q_BUF_ALIGN > U32) fail('EINVAL', 'encode_activate: aligned queue size wraps');
  // dma_alloc_coherent(ALIGN(size + QAIC_DBC_Q_GAP, QAIC_DBC_Q_BUF_ALIGN)) succeeds in the model.
  enc.userLen += len;
  enc.wireLen += WIRE_ACTIVATE;
}

/** encode_deactivate -> disable_dbc: EPERM unless this user owns the channel (then the channel is released). */
function encodeDeactivate(dev: QaicDevice, usr: QaicUser, raw: Buffer, len: number, enc: Encoding): void {
  const t = qaic_manage_trans_deactivate.decode(raw);
  if (t.dbc_id >= dev.dbc.length || t.pad !== 0) fail('EINVAL', 'encode_deactivate: dbc_id or pad');
  enc.userLen += len;
  const dbc = dev.dbc[t.dbc_id];
  const owner = dbc.usr !== null && dbc.usr.handle === usr.handle;
  if (!owner && !dev.has('manage-deactivate-unowned-ok')) fail('EPERM', 'disable_dbc: channel not activated by this file');
  dbc.usr = null;
}

/**
 * encode_dma: room for one address/size pair, find_and_map_user_pages' range
 * checks and pinning (get_user_pages_fast: EFAULT unless every page is
 * mapped), then encode_addr_size_pairs, which fills the wire message up to
 * 1 KiB short of QAIC_MANAGE_WIRE_MSG_LENGTH (the rest goes in a DMA_XFER_CONT
 * round the firmware asks for).
 */
function encodeDma(ctx: IoctlContext, raw: Buffer, len: number, enc: Encoding): void {
  const t = qaic_manage_trans_dma_xfer.decode(raw);
  if (enc.wireLen + WIRE_DMA_XFER + WIRE_ASP > WIRE_MSG_LENGTH) fail('ENOMEM', 'encode_dma: no room for one pair');
  // resources->xferred_dma_size is 0 in the first round.
  const start = t.addr;
  const remaining = t.size;
  if (remaining === 0n) fail('EINVAL', 'find_and_map_user_pages: size 0');
  if (start + remaining > U64) fail('EINVAL', 'find_and_map_user_pages: addr + size overflows');
  const total = remaining + (start & (PAGE - 1n));
  if (total >= U64) fail('EINVAL', 'find_and_map_user_pages: total >= SIZE_MAX');
  const needPages = (total + PAGE - 1n) / PAGE;
  let nrPages = needPages;
  while (nrPages * 8n > KMALLOC_MAX_SIZE) nrPages /= 2n;
  const first = start & ~(PAGE - 1n);
  for (let p = 0n; p < nrPages; p++) ctx.copyFromUser(p === 0n ? start : first + p * PAGE, 1);
  // One scatterlist entry per page (see the header); the pairs that fit, at least one.
  const room = WIRE_MSG_LENGTH - enc.wireLen - WIRE_DMA_XFER;
  const fit = room >= 1024 ? Math.floor((room - 1024) / WIRE_ASP) : 0;
  const pairs = Math.max(1, Math.min(Number(nrPages), fit));
  enc.wireLen += WIRE_DMA_XFER + WIRE_ASP * pairs;
  enc.userLen += len;
}

/**
 * encode_message over the kernel's copy of the message (`data`: the
 * kzalloc'd buffer, zeroes past what the user gave), then the send and the
 * wait for an answer that never comes.
 */
function encodeMessage(dev: QaicDevice, usr: QaicUser, ctx: IoctlContext, len: number, count: number, data: Buffer): void {
  if (count === 0 || len < qaic_manage_trans_hdr.size) fail('EINVAL', 'encode_message: count 0 or len below a header');
  const enc: Encoding = { wireLen: WIRE_HDR, userLen: 0 };
  for (let i = 0; i < count; i++) {
    if (enc.userLen > len - qaic_manage_trans_hdr.size) fail('EINVAL', 'encode_message: no room for the next header');
    const raw = data.subarray(enc.userLen);
    const hdr = qaic_manage_trans_hdr.decode(raw);
    if (hdr.len < qaic_manage_trans_hdr.size || enc.userLen + hdr.len > len) fail('EINVAL', 'encode_message: transaction length');
    switch (hdr.type) {
      case QAIC_TRANS_PASSTHROUGH_FROM_USR:
        encodePassthrough(hdr.len, enc);
        break;
      case QAIC_TRANS_DMA_XFER_FROM_USR:
        encodeDma(ctx, raw, hdr.len, enc);
        break;
      case QAIC_TRANS_ACTIVATE_FROM_USR:
        encodeActivate(raw, hdr.len, enc);
        break;
      case QAIC_TRANS_DEACTIVATE_FROM_USR:
        encodeDeactivate(dev, usr, raw, hdr.len, enc);
        break;
      case QAIC_TRANS_STATUS_FROM_USR:
        encodeStatus(hdr.len, enc);
        break;
      default:
        fail('EINVAL', `encode_message: transaction type ${hdr.type}`);
    }
  }
  if (enc.userLen !== len) fail('EINVAL', 'encode_message: transactions do not add up to len');
}

/**
 * qaic_manage_ioctl: len, QAIC_ONLINE, the copy of the message, qaic_manage's
 * count limit, encode_message, then msg_xfer's wait (ETIMEDOUT: no firmware).
 */
export function manage(dev: QaicDevice, data: Buffer, usr: QaicUser, ctx: IoctlContext): IoctlReturn {
  const a = qaic_manage_msg.decode(data);
  if (a.len > QAIC_MANAGE_MAX_MSG_LENGTH) fail('EINVAL', 'len');
  if (!dev.online) fail('ENODEV', 'device not QAIC_ONLINE');
  // kzalloc(QAIC_MANAGE_MAX_MSG_LENGTH + sizeof(*msg)): the message, zeroes after it. The extra
  // bytes past 4096 stand for what a transaction struct at the very end reads beyond the
  // allocation (docs/upstream-bugs.md); the model reads them as zeroes.
  const msg = Buffer.alloc(QAIC_MANAGE_MAX_MSG_LENGTH + 32);
  if (a.len > 0) ctx.copyFromUser(a.data, a.len).copy(msg);
  if (a.count > QAIC_MANAGE_MAX_MSG_LENGTH / qaic_manage_trans_hdr.size) fail('EINVAL', 'count');
  // The defect sends the message as the user gave it, for the firmware to judge.
  if (!dev.has('manage-unencoded')) encodeMessage(dev, usr, ctx, a.len, a.count, msg);
  const deadline = ctx.clock.nowNs() + BigInt(controlRespTimeoutS(dev)) * 1_000_000_000n;
  return ctx.sleep(() => false, deadline, () => fail('ETIMEDOUT', 'no firmware answers the control channel'));
}
