// SPDX-License-Identifier: GPL-2.0
/*
 * The interrupt agent of the completing NPU personality (guest/npu.sh):
 * pends SPI 100 in the GICv2 distributor of QEMU's virt machine every
 * PERIOD_MS milliseconds, through one mapping of /dev/mem, until killed.
 *
 *   node /lane/gic-agent.js [PERIOD_MS]
 *
 * It creates /tmp/gic-agent.ready once the first interrupt is pended.
 *
 * One long-lived process rather than a shell loop of busybox devmem: under
 * TCG every fork+exec costs tens of milliseconds of guest CPU, which starved
 * the test runner's workers. The distributor is not claimed by the GIC driver
 * (irq-gic.c maps it with of_iomap, no request_mem_region), so
 * CONFIG_IO_STRICT_DEVMEM lets /dev/mem map it.
 */
'use strict';

const koffi = require(require.resolve('koffi', { paths: ['/opt/accel-conformance'] }));
const fs = require('fs');

const GICD_BASE = 0x08000000; // virt: VIRT_GIC_DIST
const GICD_ISPENDR4 = 0x210; // set-pending for interrupt IDs 128..159
const SPI100 = 1 << (132 % 32); // SPI 100 is GIC interrupt ID 132
const PAGE = 4096;
const period = Number(process.argv[2] ?? 10);
if (!Number.isInteger(period) || period < 1) {
  console.error('usage: gic-agent.js [PERIOD_MS >= 1]');
  process.exit(2);
}

const libc = koffi.load('libc.so.6');
const mmap = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)');
const PROT_RW = 3, MAP_SHARED = 1;
const fd = fs.openSync('/dev/mem', fs.constants.O_RDWR | fs.constants.O_SYNC);
const p = mmap(null, PAGE, PROT_RW, MAP_SHARED, fd, GICD_BASE);
if (p === null || BigInt(koffi.address(p)) === 0xffffffffffffffffn) { // MAP_FAILED
  console.error(`gic-agent: mmap of /dev/mem at 0x${GICD_BASE.toString(16)} failed: errno ${koffi.errno()}`);
  process.exit(1);
}
const gicd = new Uint32Array(koffi.view(p, PAGE));
const pend = () => {
  gicd[GICD_ISPENDR4 / 4] = SPI100;
};
pend();
fs.writeFileSync('/tmp/gic-agent.ready', `${process.pid}\n`);
setInterval(pend, period);
process.on('SIGTERM', () => process.exit(0));
