import { expect } from 'chai';
import { bootSimMachine, type SimMachine } from '../../sim/machine';
import type { Sys, UserMemory } from '../../../harness/sys/types';
import { O_CLOEXEC, O_RDWR } from '../../../harness/sys/constants';
import type { DriverAdapter } from '../../adapter';
import { createAmdxdnaAdapter } from '../adapter';
import { buildXclbin } from '../fixtures/xclbin';
import { MODELLED_HANG_PDI, MODELLED_NOP_PDI } from '../pdi';
import {
  AMDXDNA_IOCTL,
  DRM_AMDXDNA_HW_CONTEXT_ALL,
  amdxdna_cu_config,
  amdxdna_drm_config_hwctx,
  amdxdna_drm_create_hwctx,
  amdxdna_drm_get_array,
  amdxdna_drm_hwctx_entry,
  amdxdna_hwctx_param_config_cu,
} from '../uapi';

const NOP_XCLBIN = '/opt/npu/nop.xclbin';
const HANG_XCLBIN = '/opt/npu/hang.xclbin';

interface Recorded {
  readonly sys: Sys;
  /** cu_func of each CU the last CONFIG_CU configured. */
  funcs: number[];
  /** num_tiles and max_opc of the last CREATE_HWCTX. */
  created: { numTiles: number; maxOpc: number } | null;
}

/** The machine's Sys, recording what CONFIG_CU and CREATE_HWCTX were asked (user memory read where the caller allocated it). */
function recording(sys: Sys): Recorded {
  const live = new Map<bigint, UserMemory>();
  const rec: Recorded = { sys: Object.create(sys) as Sys, funcs: [], created: null };
  Object.assign(rec.sys, {
    alloc(size: number): UserMemory {
      const m = sys.alloc(size);
      live.set(m.address, m);
      return m;
    },
    ioctl(fd: number, request: number, arg?: Buffer): number {
      if (request === AMDXDNA_IOCTL.CONFIG_HWCTX.request && arg) {
        const mem = live.get(amdxdna_drm_config_hwctx.decode(arg).param_val);
        if (mem) {
          const n = amdxdna_hwctx_param_config_cu.decode(mem.bytes).num_cus;
          rec.funcs = Array.from({ length: n }, (_, i) =>
            amdxdna_cu_config.decode(mem.bytes.subarray(amdxdna_hwctx_param_config_cu.size + i * amdxdna_cu_config.size)).cu_func);
        }
      }
      if (request === AMDXDNA_IOCTL.CREATE_HWCTX.request && arg) {
        const a = amdxdna_drm_create_hwctx.decode(arg);
        rec.created = { numTiles: a.num_tiles, maxOpc: a.max_opc };
      }
      return sys.ioctl(fd, request, arg);
    },
  });
  return rec;
}

function boot(files: Record<string, Buffer>): SimMachine {
  const m = bootSimMachine(['amdxdna']);
  for (const [path, bytes] of Object.entries(files)) m.kernel.fs.addFile(path, () => bytes);
  return m;
}

async function runJob(adapter: DriverAdapter, sys: Sys, kind: 'nop' | 'hang', timeoutMs = 100): Promise<string> {
  const jobs = adapter.jobs;
  if (!jobs) throw new Error('no jobs');
  const fd = sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
  const job = jobs.submit(fd, { kind });
  try {
    return (await jobs.wait(job, timeoutMs)).status;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

describe('amdxdna adapter: jobs from an xclbin (ACCEL_AMDXDNA_XCLBIN, issue #11)', () => {
  it('runs a nop from an xclbin wrapping the modelled PDI, with the CU function and partition shape the xclbin gives', async () => {
    const m = boot({
      [NOP_XCLBIN]: buildXclbin([{ name: 'DPU_NOP', pdi: MODELLED_NOP_PDI, func: 2 }], { columnWidth: 2, opsPerCycle: 4096 }),
    });
    const rec = recording(m.sys);
    const adapter = createAmdxdnaAdapter(rec.sys, { ACCEL_AMDXDNA_XCLBIN: NOP_XCLBIN });
    // The hang kind still comes from the model on a simulated machine.
    expect([...(adapter.jobs?.kinds ?? [])]).to.deep.equal(['nop', 'hang']);
    expect(adapter.unavailable).to.equal(undefined);
    expect(await runJob(adapter, rec.sys, 'nop')).to.equal('ok');
    expect(rec.funcs).to.deep.equal([2, 0]);
    // XRT: num_tiles = columns * core rows (4 on AIE2), max_opc = operations_per_cycle.
    expect(rec.created).to.deep.equal({ numTiles: 8, maxOpc: 4096 });
    const mem = m.sys.alloc(4096);
    const fd = m.sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
    const arr = amdxdna_drm_get_array.encode({ param: DRM_AMDXDNA_HW_CONTEXT_ALL, element_size: amdxdna_drm_hwctx_entry.size, num_element: 1, buffer: mem.address });
    m.sys.ioctl(fd, AMDXDNA_IOCTL.GET_ARRAY.request, arr);
    expect(amdxdna_drm_hwctx_entry.decode(mem.bytes).num_col).to.equal(2);
  });

  it('the PDI really comes from the file: an xclbin wrapping an image the firmware cannot run ends in error, one wrapping the hang PDI never ends', async () => {
    const m = boot({
      [NOP_XCLBIN]: buildXclbin([{ name: 'DPU_X', pdi: Buffer.from('an image the model does not know') }]),
      [HANG_XCLBIN]: buildXclbin([{ name: 'DPU_HANG', pdi: MODELLED_HANG_PDI }]),
    });
    const adapter = createAmdxdnaAdapter(m.sys, { ACCEL_AMDXDNA_XCLBIN: NOP_XCLBIN, ACCEL_AMDXDNA_HANG_XCLBIN: HANG_XCLBIN });
    expect(await runJob(adapter, m.sys, 'nop')).to.equal('error');
    expect(await runJob(adapter, m.sys, 'hang', 50)).to.equal('ETIME');
  });

  it('an xclbin wins over the PDI option of the same kind; the PDI option alone still works', async () => {
    const m = boot({
      [NOP_XCLBIN]: buildXclbin([{ name: 'DPU_NOP', pdi: MODELLED_NOP_PDI }]),
      '/opt/npu/other.pdi': Buffer.from('not a modelled PDI'),
      '/opt/npu/nop.pdi': MODELLED_NOP_PDI,
    });
    const both = createAmdxdnaAdapter(m.sys, { ACCEL_AMDXDNA_XCLBIN: NOP_XCLBIN, ACCEL_AMDXDNA_PDI: '/opt/npu/other.pdi' });
    expect(await runJob(both, m.sys, 'nop')).to.equal('ok');
    const pdi = createAmdxdnaAdapter(m.sys, { ACCEL_AMDXDNA_PDI: '/opt/npu/nop.pdi' });
    expect(await runJob(pdi, m.sys, 'nop')).to.equal('ok');
  });

  it('a malformed, missing or partition-less xclbin: no such job kind, and the adapter says why in one line naming the file', () => {
    const good = buildXclbin([{ name: 'DPU_NOP', pdi: MODELLED_NOP_PDI }]);
    const m = boot({
      '/opt/npu/short.xclbin': good.subarray(0, 400),
      '/opt/npu/bad-magic.xclbin': Buffer.concat([Buffer.from('xclbin1\0'), good.subarray(8)]),
      '/opt/npu/no-aie.xclbin': buildXclbin([{ name: 'DPU_NOP', pdi: MODELLED_NOP_PDI }], { omit: ['AIE_PARTITION'] }),
    });
    const cases: [string, RegExp][] = [
      ['/opt/npu/short.xclbin', /^ACCEL_AMDXDNA_XCLBIN: \/opt\/npu\/short\.xclbin: .*truncated/],
      ['/opt/npu/bad-magic.xclbin', /^ACCEL_AMDXDNA_XCLBIN: \/opt\/npu\/bad-magic\.xclbin: not an xclbin/],
      ['/opt/npu/no-aie.xclbin', /^ACCEL_AMDXDNA_XCLBIN: \/opt\/npu\/no-aie\.xclbin: no AIE_PARTITION/],
      ['/opt/npu/absent.xclbin', /^ACCEL_AMDXDNA_XCLBIN: cannot read \/opt\/npu\/absent\.xclbin: /],
    ];
    for (const [path, why] of cases) {
      const adapter = createAmdxdnaAdapter(m.sys, { ACCEL_AMDXDNA_XCLBIN: path });
      expect([...(adapter.jobs?.kinds ?? [])], path).to.deep.equal(['hang']);
      const reason = adapter.unavailable?.['jobs.nop'] ?? '';
      expect(adapter.unavailable?.jobs, path).to.equal(undefined);
      expect(reason, path).to.match(why);
      expect(reason, path).to.not.contain('\n');
      expect(() => adapter.jobs?.submit(0, { kind: 'nop' }), path).to.throw(path);
    }
  });

  it('on a real machine without the options: no jobs, and the reason names the options', () => {
    const m = boot({});
    const native = Object.create(m.sys, { kind: { value: 'native' } }) as Sys;
    const adapter = createAmdxdnaAdapter(native, {});
    expect(adapter.jobs).to.equal(undefined);
    const nop = 'no nop kernel: set ACCEL_AMDXDNA_XCLBIN (an xclbin for this NPU) or ACCEL_AMDXDNA_PDI';
    const hang = 'no hang kernel: set ACCEL_AMDXDNA_HANG_XCLBIN (an xclbin for this NPU) or ACCEL_AMDXDNA_HANG_PDI';
    expect(adapter.unavailable).to.deep.equal({ 'jobs.nop': nop, 'jobs.hang': hang, jobs: `${nop}; ${hang}` });
    expect(adapter.buffers).to.not.equal(undefined);
  });
});
