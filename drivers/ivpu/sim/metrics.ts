/**
 * The metric streamer of sim:ivpu (ivpu_ms.c), with the firmware's side
 * played by a stand-in. The kernel half is copied: argument checks and
 * their errnos, one instance per metric_group_mask and file (EALREADY), the
 * double buffer the firmware fills and GET_DATA swaps, leftover bytes, the
 * 64 KiB info buffer's bound, cleanup at close and at recovery (IvpuMetrics).
 * Not modelled: the global-context BOs themselves (ivpu_bo_create_global can
 * fail ENOMEM when the 256 MiB global range is full).
 *
 * What the firmware answers is firmware-private (vpu_jsm_api.h carries the
 * messages, not the metric groups), so the stand-in uses this model's OWN
 * convention, not Intel's: every bit of the mask is a group sampling one u64
 * (the sample's sequence number), so sample_size is 8 per group; a sample is
 * written every sampling_period_ns of virtual time into the active buffer
 * until it is full; the info of a mask is 16 bytes per group (u32 group, u32
 * bytes per sample, u64 0).
 */
import { drm_ivpu_metric_streamer_get_data, drm_ivpu_metric_streamer_start, drm_ivpu_metric_streamer_stop } from '../uapi';
import { PAGE_SIZE } from '../../sim/kernel/drm/driver';
import type { IoctlContext } from '../../sim/kernel/drm/driver';
import { fail, fileOf } from './device';
import type { IvpuIoctl } from './ioctls';
import type { IvpuFile, MsInstance } from './objects';
import { IVPU_GLOBAL_RANGE_SIZE } from './hw';

/** ivpu_ms.c MS_INFO_BUFFER_SIZE, MS_NUM_BUFFERS, MS_READ_PERIOD_MULTIPLIER, MS_MIN_SAMPLE_PERIOD_NS. */
const MS_INFO_BUFFER_SIZE = 64 * 1024;
const MS_NUM_BUFFERS = 2n;
const MS_READ_PERIOD_MULTIPLIER = 2n;
const MS_MIN_SAMPLE_PERIOD_NS = 1_000_000n;

const popcount = (mask: bigint): number => mask.toString(2).replace(/0/g, '').length;

/** VPU_JSM_MSG_METRIC_STREAMER_INFO of the stand-in: sample_size and the info blob of a mask. */
function fwInfo(mask: bigint): { sampleSize: number; info: Buffer } {
  const groups = [...Array(64).keys()].filter((g) => (mask >> BigInt(g)) & 1n);
  const info = Buffer.alloc(groups.length * 16);
  groups.forEach((g, i) => {
    info.writeUInt32LE(g, i * 16);
    info.writeUInt32LE(8, i * 16 + 4);
  });
  return { sampleSize: 8 * popcount(mask), info };
}

/** Samples the stand-in has written to the active buffer by `now`. */
function fwPendingSamples(ms: MsInstance, now: bigint): bigint {
  const written = (now - ms.activeSinceNs) / ms.periodNs;
  const fit = BigInt(Math.floor(ms.buffSize / ms.sampleSize));
  return written < fit ? written : fit;
}

/** VPU_JSM_MSG_METRIC_STREAMER_UPDATE with a new buffer: the active buffer's bytes, and the firmware moves on. */
function fwSwap(ms: MsInstance, now: bigint): Buffer {
  const n = fwPendingSamples(ms, now);
  const out = Buffer.alloc(Number(n) * ms.sampleSize);
  const groups = ms.sampleSize / 8;
  for (let i = 0; i < Number(n); i++) {
    for (let g = 0; g < groups; g++) out.writeBigUInt64LE(ms.nextSample + BigInt(i), (i * groups + g) * 8);
  }
  ms.nextSample += n;
  ms.activeSinceNs = now;
  return out;
}

function metricsOf(file: IvpuFile): IvpuFile['metrics'] {
  return file.metrics;
}

/**
 * ivpu_ms.c ivpu_ms_start_ioctl: mask, read_period_samples and the minimum
 * period (EINVAL); one instance per mask (EALREADY); the double buffer must
 * fit the global range (EINVAL); sample_size and max_data_size written on success.
 */
export const msStart: IvpuIoctl = (dev, data, drm, ctx) => {
  const a = drm_ivpu_metric_streamer_start.decode(data);
  const minPeriod = dev.has('ms-period-unchecked') ? 1n : MS_MIN_SAMPLE_PERIOD_NS;
  if (!a.metric_group_mask || !a.read_period_samples || a.sampling_period_ns < minPeriod) {
    throw fail('EINVAL', 'METRIC_STREAMER_START', 'zero mask or read_period_samples, or sampling_period_ns below 1 ms');
  }
  const ms = metricsOf(fileOf(drm));
  if (ms.instances.has(a.metric_group_mask)) throw fail('EALREADY', 'METRIC_STREAMER_START', `mask 0x${a.metric_group_mask.toString(16)} already streams`);
  const { sampleSize } = fwInfo(a.metric_group_mask);
  const raw = BigInt(a.read_period_samples) * BigInt(sampleSize) * MS_READ_PERIOD_MULTIPLIER * MS_NUM_BUFFERS;
  const bufSize = ((raw + BigInt(PAGE_SIZE) - 1n) / BigInt(PAGE_SIZE)) * BigInt(PAGE_SIZE);
  if (bufSize > IVPU_GLOBAL_RANGE_SIZE) throw fail('EINVAL', 'METRIC_STREAMER_START', `buffer of ${bufSize} bytes exceeds the global range`);
  ms.instances.set(a.metric_group_mask, {
    mask: a.metric_group_mask,
    periodNs: a.sampling_period_ns,
    sampleSize,
    buffSize: Number(bufSize / MS_NUM_BUFFERS),
    activeSinceNs: ctx.clock.nowNs(),
    nextSample: 0n,
    leftover: Buffer.alloc(0),
  });
  data.writeUInt32LE(sampleSize, drm_ivpu_metric_streamer_start.offsets.sample_size);
  data.writeUInt32LE(Number(bufSize), drm_ivpu_metric_streamer_start.offsets.max_data_size);
  return 0;
};

const GET = drm_ivpu_metric_streamer_get_data.offsets;

/** copy_leftover_bytes: EFAULT leaves the leftover and the count as they were. */
function copyLeftover(ms: MsInstance, ctx: IoctlContext, ptr: bigint, size: bigint, copied: bigint): bigint {
  if (ms.leftover.length === 0) return copied;
  const room = size - copied;
  const n = room < BigInt(ms.leftover.length) ? Number(room) : ms.leftover.length;
  ctx.copyToUser(BigInt.asUintN(64, ptr + copied), ms.leftover.subarray(0, n));
  ms.leftover = ms.leftover.subarray(n);
  return copied + BigInt(n);
}

/**
 * ivpu_ms.c ivpu_ms_get_data_ioctl: zero mask or no instance (EINVAL);
 * buffer_size 0 asks how much there is (data_size = pending + leftover);
 * buffer_ptr 0 (EINVAL); else leftover first, then a buffer swap and the
 * new leftover. data_size counts what reached user space, even on EFAULT.
 */
export const msGetData: IvpuIoctl = (_dev, data, drm, ctx) => {
  const a = drm_ivpu_metric_streamer_get_data.decode(data);
  if (!a.metric_group_mask) throw fail('EINVAL', 'METRIC_STREAMER_GET_DATA', 'zero mask');
  const ms = metricsOf(fileOf(drm)).instances.get(a.metric_group_mask);
  if (!ms) throw fail('EINVAL', 'METRIC_STREAMER_GET_DATA', `no instance for mask 0x${a.metric_group_mask.toString(16)}`);
  const now = ctx.clock.nowNs();
  if (!a.buffer_size) {
    const pending = fwPendingSamples(ms, now) * BigInt(ms.sampleSize);
    data.writeBigUInt64LE(pending + BigInt(ms.leftover.length), GET.data_size);
    return 0;
  }
  if (!a.buffer_ptr) throw fail('EINVAL', 'METRIC_STREAMER_GET_DATA', 'zero buffer_ptr');
  // copy_samples_to_user: *user_bytes_copied = 0 first, then what each copy moved.
  let copied = 0n;
  data.writeBigUInt64LE(copied, GET.data_size);
  try {
    copied = copyLeftover(ms, ctx, a.buffer_ptr, a.buffer_size, copied);
    if (copied !== a.buffer_size) {
      ms.leftover = fwSwap(ms, now);
      copied = copyLeftover(ms, ctx, a.buffer_ptr, a.buffer_size, copied);
    }
  } finally {
    data.writeBigUInt64LE(copied, GET.data_size);
  }
  return 0;
};

/** ivpu_ms.c ivpu_ms_stop_ioctl: zero mask or no instance (EINVAL). */
export const msStop: IvpuIoctl = (_dev, data, drm) => {
  const { metric_group_mask } = drm_ivpu_metric_streamer_stop.decode(data);
  if (!metric_group_mask) throw fail('EINVAL', 'METRIC_STREAMER_STOP', 'zero mask');
  if (!metricsOf(fileOf(drm)).instances.delete(metric_group_mask)) {
    throw fail('EINVAL', 'METRIC_STREAMER_STOP', `no instance for mask 0x${metric_group_mask.toString(16)}`);
  }
  return 0;
};

/**
 * ivpu_ms.c ivpu_ms_get_info_ioctl: zero mask (EINVAL); buffer_size 0 gives
 * the info size; buffer_ptr 0 (EINVAL); the 64 KiB info BO (EOVERFLOW past
 * it); a user buffer smaller than the info (ENOSPC, data_size untouched);
 * the copy (EFAULT, data_size written all the same).
 */
export const msGetInfo: IvpuIoctl = (_dev, data, _drm, ctx) => {
  const a = drm_ivpu_metric_streamer_get_data.decode(data);
  if (!a.metric_group_mask) throw fail('EINVAL', 'METRIC_STREAMER_GET_INFO', 'zero mask');
  const { info } = fwInfo(a.metric_group_mask);
  if (!a.buffer_size) {
    data.writeBigUInt64LE(BigInt(info.length), GET.data_size);
    return 0;
  }
  if (!a.buffer_ptr) throw fail('EINVAL', 'METRIC_STREAMER_GET_INFO', 'zero buffer_ptr');
  if (info.length > MS_INFO_BUFFER_SIZE) throw fail('EOVERFLOW', 'METRIC_STREAMER_GET_INFO', 'info larger than the info buffer');
  if (a.buffer_size < BigInt(info.length)) throw fail('ENOSPC', 'METRIC_STREAMER_GET_INFO', `buffer_size ${a.buffer_size} < ${info.length}`);
  try {
    ctx.copyToUser(a.buffer_ptr, info);
  } finally {
    data.writeBigUInt64LE(BigInt(info.length), GET.data_size);
  }
  return 0;
};
