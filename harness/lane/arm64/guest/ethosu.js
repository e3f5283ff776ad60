// SPDX-License-Identifier: GPL-2.0
/*
 * Raw ethosu ioctls for the arm64 lane guest (koffi into libc; structs laid
 * out by hand after include/uapi/drm/ethosu_accel.h). One command:
 *
 *   node /lane/ethosu.js probe silent|completing
 *       Proves the register personality is what the phase claims: submits
 *       one job (a 16-byte DMA) and waits on its output BO
 *       (DRM_IOCTL_ETHOSU_BO_WAIT). A completing NPU finishes it
 *       well before the 500 ms scheduler timeout; a silent one only ends it
 *       through the timeout (ethosu_job_timedout), so the wait lasts at least
 *       that long. Exit 0 when the timing matches, 1 when not.
 *
 * The teardown bug this lane found (unbinding or unloading ethosu with a
 * closed file's job pending) is the suite's accel@ethosu@unbind-pending-close.
 */
'use strict';

const fs = require('fs');

const koffi = require(require.resolve('koffi', { paths: ['/opt/accel-conformance'] }));
const lib = koffi.load('libc.so.6');
const ioctl = lib.func('int ioctl(int fd, unsigned long request, void *arg)');
const errnoOf = () => koffi.errno();

const IOWR = (nr, size) => ((3 << 30) | (size << 16) | (0x64 << 8) | nr) >>> 0;
const DRM_COMMAND_BASE = 0x40;
const ETHOSU = {
  BO_CREATE: IOWR(DRM_COMMAND_BASE + 1, 16), // struct drm_ethosu_bo_create
  BO_WAIT: IOWR(DRM_COMMAND_BASE + 2, 16), // struct drm_ethosu_bo_wait
  CMDSTREAM_BO_CREATE: IOWR(DRM_COMMAND_BASE + 4, 24), // struct drm_ethosu_cmdstream_bo_create
  SUBMIT: IOWR(DRM_COMMAND_BASE + 5, 16), // struct drm_ethosu_submit
};
const JOB_SIZE = 40; // struct drm_ethosu_job: cmd_bo, sram_size, region_bo_handles[8]
const JOB_TIMEOUT_MS = 500; // ethosu_job.c

function call(fd, req, buf, what) {
  if (ioctl(fd, req, buf) !== 0) throw new Error(`${what}: errno ${errnoOf()}`);
}

/*
 * The smallest job that writes: DMA 16 bytes from region 0 to region 1, then
 * stop. ethosu_gem_cmdstream_copy_and_validate records region 1 as an output
 * region, so ethosu_attach_object_fences puts the job's fence on the region 1
 * BO (and on no other: a BO_WAIT on the command BO would return at once).
 */
const NPU_OP_STOP = 0x0, NPU_OP_DMA_START = 0x10;
const NPU_SET_DMA0_SRC_REGION = 0x130, NPU_SET_DMA0_DST_REGION = 0x131;
const NPU_SET_DMA0_SRC = 0x4030, NPU_SET_DMA0_DST = 0x4031, NPU_SET_DMA0_LEN = 0x4032; // + a 32-bit word
const DMA_LEN = 16;

function createBo(fd, size) {
  const arg = Buffer.alloc(16); // struct drm_ethosu_bo_create
  arg.writeBigUInt64LE(BigInt(size), 0);
  call(fd, ETHOSU.BO_CREATE, arg, 'BO_CREATE');
  return arg.readUInt32LE(12);
}

function dmaStream(fd) {
  const words = [
    NPU_SET_DMA0_SRC_REGION | (0 << 16), // region 0, mode 0
    NPU_SET_DMA0_DST_REGION | (1 << 16), // region 1
    NPU_SET_DMA0_SRC, 0,
    NPU_SET_DMA0_DST, 0,
    NPU_SET_DMA0_LEN, DMA_LEN,
    NPU_OP_DMA_START,
    NPU_OP_STOP,
  ];
  const cmds = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => cmds.writeUInt32LE(w >>> 0, i * 4));
  const arg = Buffer.alloc(24); // struct drm_ethosu_cmdstream_bo_create
  arg.writeUInt32LE(cmds.length, 0);
  arg.writeBigUInt64LE(BigInt(koffi.address(cmds)), 8);
  call(fd, ETHOSU.CMDSTREAM_BO_CREATE, arg, 'CMDSTREAM_BO_CREATE');
  return arg.readUInt32LE(16);
}

/* Submits the DMA job; returns the handle of its output BO. */
function submitDma(fd) {
  const cmdBo = dmaStream(fd);
  const src = createBo(fd, 4096);
  const dst = createBo(fd, 4096);
  const job = Buffer.alloc(JOB_SIZE);
  job.writeUInt32LE(cmdBo, 0);
  job.writeUInt32LE(src, 8); // region_bo_handles[0]
  job.writeUInt32LE(dst, 12); // region_bo_handles[1]
  const arg = Buffer.alloc(16); // struct drm_ethosu_submit
  arg.writeBigUInt64LE(BigInt(koffi.address(job)), 0);
  arg.writeUInt32LE(1, 8);
  call(fd, ETHOSU.SUBMIT, arg, 'SUBMIT');
  return dst;
}

function boWait(fd, handle, timeoutMs) {
  const arg = Buffer.alloc(16);
  arg.writeUInt32LE(handle, 0);
  // timeout_ns is absolute, on CLOCK_MONOTONIC (drm_timeout_abs_to_jiffies); hrtime is that clock.
  arg.writeBigInt64LE(process.hrtime.bigint() + BigInt(timeoutMs) * 1000000n, 8);
  return ioctl(fd, ETHOSU.BO_WAIT, arg) === 0 ? 0 : errnoOf();
}

function probe(personality) {
  const fd = fs.openSync('/dev/accel/accel0', 'r+');
  try {
    const t0 = process.hrtime.bigint();
    const out = submitDma(fd);
    const err = boWait(fd, out, 5000);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`probe ${personality}: BO_WAIT returned ${err === 0 ? 0 : `errno ${err}`} after ${ms.toFixed(0)} ms`);
    if (err !== 0) return 1;
    if (personality === 'completing' && ms >= JOB_TIMEOUT_MS * 0.8) {
      console.log(`probe completing: the job was not completed by the interrupt (${ms.toFixed(0)} ms, timeout ${JOB_TIMEOUT_MS} ms)`);
      return 1;
    }
    if (personality === 'silent' && ms < JOB_TIMEOUT_MS * 0.9) {
      console.log(`probe silent: the job ended before the ${JOB_TIMEOUT_MS} ms timeout (${ms.toFixed(0)} ms): something completed it`);
      return 1;
    }
    return 0;
  } finally {
    fs.closeSync(fd);
  }
}

const [cmd, arg] = process.argv.slice(2);
if (cmd === 'probe' && (arg === 'silent' || arg === 'completing')) process.exitCode = probe(arg);
else {
  console.error('usage: ethosu.js probe silent|completing');
  process.exitCode = 2;
}
