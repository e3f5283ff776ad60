// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-lane stress: several processes open, map, queue and close at random
 * against the real apu module at once, with faults, hangs, crashes and files
 * closed while jobs are in flight. Each "verify" round checks its FILL +
 * CHECKSUM results exactly; "chaos" rounds only check that every result is
 * one the uAPI allows. The host's run.sh then checks that apu unloads, no
 * GEM object is left and the kernel log has no warning.
 *
 * Usage (guest): node /lane/stress.js [--seconds N] [--workers N] [--seed N]
 */
'use strict';

const { fork } = require('child_process');
const lib = require('./apu-lib');

const argv = process.argv.slice(2);
const opt = (name, def) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : def);
const seconds = opt('--seconds', 20);
const workers = opt('--workers', 4);
const seed = opt('--seed', Date.now() % 100000);

if (!lib.koffi) {
  console.log('stress: koffi not found');
  process.exit(1);
}
const { Dev, mem, mmap, fillArgs, csumArgs, copyArgs, fnv, sleep, gemObjects } = lib;
const { EINVAL, EFAULT, ETIMEDOUT, EIO, ECANCELED } = lib;
const ESRCH = 3;
const ALLOWED = new Set([0, EFAULT, EINVAL, ETIMEDOUT, EIO, ECANCELED, ESRCH]);

/* xorshift32, seeded per worker. */
function rng(s) {
  let x = s >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

function openDevice(r) {
  for (;;) {
    try {
      return Dev.open();
    } catch (e) {
      if (e.code !== 'EBUSY' && e.code !== 'EAGAIN') throw e;
      sleep(1 + r(10));
    }
  }
}

function worker(id) {
  const r = rng(seed * 7919 + id * 104729);
  const deadline = Date.now() + seconds * 1000;
  const stats = { rounds: 0, jobs: 0, verified: 0, closedInFlight: 0, results: {} };
  const fail = (msg) => {
    console.log(`worker ${id}: FAIL ${msg}`);
    process.exit(1);
  };
  while (Date.now() < deadline) {
    stats.rounds++;
    const d = openDevice(r);
    const bos = [];
    for (let i = 0, n = 1 + r(4); i < n; i++) {
      const size = 4096 * (1 + r(16)) - r(2) * r(4096);
      const ro = r(5) === 0;
      const b = d.gemNew(Math.max(size, 1), ro ? 1 : 0);
      if (b.e) fail(`GEM_NEW errno ${b.e}`);
      const m = d.map(r(3) === 0 ? [b.handle, b.handle] : [b.handle]);
      if (m.e) fail(`MAP errno ${m.e}`);
      bos.push({ ...b, size: Math.ceil(Math.max(size, 1) / 4096) * 4096, ro, addr: m.addrs[0] });
    }
    const verify = r(2) === 0;
    const syncs = [];
    if (verify) {
      // Deterministic: FILL a writable object, CHECKSUM it, compare.
      const b = bos.find((x) => !x.ro);
      if (b) {
        const len = 1 + r(b.size);
        const value = r(256);
        const s1 = d.syncobj();
        const s2 = d.syncobj();
        if (d.queue(1, fillArgs(b.addr, len, value), 0, s1, [b.handle])) fail('QUEUE FILL');
        if (d.queue(3, csumArgs(b.addr, len), 8, s2, [b.handle])) fail('QUEUE CHECKSUM');
        const w = d.wait(s2, 30000);
        if (w) fail(`waiting for FILL + CHECKSUM: errno ${w}, STATE ${d.state()}`);
        const f = d.dequeue(s1);
        const c = d.dequeue(s2);
        if (f.e || f.result !== 0) fail(`FILL errno ${f.e} result ${f.result}`);
        if (c.e || c.result !== 0) fail(`CHECKSUM errno ${c.e} result ${c.result}`);
        const want = fnv(Buffer.alloc(len, value));
        if (c.out.readUInt32LE(0) !== want) fail(`CHECKSUM ${c.out.readUInt32LE(0).toString(16)} want ${want.toString(16)}`);
        const mm = mmap(d.fd, b.size, b.offset);
        if (mm.b[0] !== value || mm.b[len - 1] !== value) fail('mmap does not show the FILL');
        mm.unmap();
        stats.verified++;
      }
    } else {
      for (let i = 0, n = 1 + r(12); i < n; i++) {
        const live = bos.filter((x) => !x.closed);
        if (live.length === 0) break;
        const b = live[r(live.length)];
        const off = BigInt(r(b.size));
        const any = () => (r(4) === 0 ? 0x20000000n + BigInt(r(1 << 20)) : b.addr + off);
        const kind = r(100);
        const s = d.syncobj();
        let q;
        if (kind < 3) q = d.queue(4, null, 0, s);
        else if (kind < 6) q = d.queue(5, null, 0, s);
        else if (kind < 30) q = d.queue(1, fillArgs(any(), r(3 * 4096), r(256)), 0, s, [b.handle]);
        else if (kind < 55) q = d.queue(2, copyArgs(any(), any(), r(2 * 4096)), 0, s, [b.handle]);
        else if (kind < 80) q = d.queue(3, csumArgs(any(), r(4 * 4096)), 8, s, [b.handle]);
        else q = d.queue(0, null, 0, s);
        if (q) fail(`QUEUE errno ${q}`);
        syncs.push(s);
        stats.jobs++;
        if (r(10) === 0) {
          // Unmap or close an object while jobs may use it.
          if (r(2)) {
            d.unmap([b.handle]);
          } else {
            d.gemClose(b.handle);
            b.closed = true;
          }
        }
      }
      if (r(4) === 0) {
        stats.closedInFlight++;
      } else {
        for (const s of syncs) {
          let got;
          for (let k = 0; k < 300; k++) {
            if (d.wait(s, 100) === 0) {
              got = d.dequeue(s);
              break;
            }
          }
          if (!got) fail(`job never ended (syncobj ${s}), STATE ${d.state()}`);
          if (got.e) fail(`DEQUEUE errno ${got.e}`);
          if (!ALLOWED.has(got.result)) fail(`result ${got.result} not allowed by the uAPI`);
          stats.results[got.result] = (stats.results[got.result] || 0) + 1;
        }
      }
    }
    d.close();
  }
  console.log(`worker ${id}: ${JSON.stringify(stats)}`);
  process.exit(0);
}

if (argv[0] === '--worker') {
  worker(Number(argv[1]));
} else {
  console.log(`stress: ${workers} workers, ${seconds} s, seed ${seed}`);
  const before = gemObjects();
  let done = 0;
  let failed = 0;
  for (let i = 0; i < workers; i++) {
    const args = ['--worker', String(i), '--seconds', String(seconds), '--seed', String(seed)];
    const p = fork(__filename, args, { stdio: 'inherit' });
    p.on('exit', (code) => {
      if (code !== 0) failed++;
      if (++done === workers) {
        sleep(100);
        const after = gemObjects();
        const leak = after !== before;
        console.log(`stress: gem_objects ${before} before, ${after} after`);
        console.log(`${workers - failed + (leak ? -1 : 0)} passed, ${failed + (leak ? 1 : 0)} failed`);
        process.exit(failed || leak ? 1 : 0);
      }
    });
  }
}
