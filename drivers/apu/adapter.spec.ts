import { expect } from 'chai';
import { ApuAdapter, encodeJob, jobStatusOf } from './adapter';
import { bootSimMachine } from '../sim/machine';
import { isSysError } from '../../harness/sys/errno';
import { openDev } from './sim/testkit';

describe('apu/adapter', () => {
  it('maps job results to statuses as docs/uapi-apu.md lists them', () => {
    expect([0, 110, 14, 125, 5, 22, 3].map(jobStatusOf)).to.deep.equal(['ok', 'timedout', 'fault', 'canceled', 'crashed', 'error', 'error']);
    expect(encodeJob({ kind: 'checksum', src: 0n, len: 1 }).sizeOut).to.equal(8);
    expect(encodeJob({ kind: 'copy', src: 1n, dst: 2n, len: 3 }).args.length).to.equal(24);
  });

  it('a wait that expires throws ETIME and keeps the job, a later wait collects it', async () => {
    const m = bootSimMachine(['apu']);
    const a = new ApuAdapter(m.sys);
    const fd = openDev(m.sys);
    const job = a.submit(fd, { kind: 'hang' });
    let err: unknown = null;
    await a.wait(job, 100).catch((e: unknown) => (err = e));
    expect(isSysError(err, 'ETIME')).to.equal(true);
    const r = await a.wait(job, 1000);
    expect(r.status).to.equal('timedout');
    expect(r.errno).to.equal(110);
  });

  it('a refused submit leaves no syncobj behind and throws the SysError', () => {
    const m = bootSimMachine(['apu']);
    const a = new ApuAdapter(m.sys);
    const fd = openDev(m.sys);
    let err: unknown = null;
    try {
      a.submit(fd, { kind: 'nop' }, [42]);
    } catch (e) {
      err = e;
    }
    expect(isSysError(err, 'ENOENT')).to.equal(true);
    expect(m.kernel.stats().syncobjs).to.equal(0);
  });

  it('reports device state', async () => {
    const m = bootSimMachine(['mt8183']);
    const a = new ApuAdapter(m.sys);
    const fd = openDev(m.sys);
    expect(a.deviceState(fd)).to.deep.equal({ online: true, crashed: false, timedOut: false });
    await a.wait(a.submit(fd, { kind: 'crash' }), 100);
    expect(a.deviceState(fd)).to.deep.equal({ online: false, crashed: true, timedOut: false });
  });
});
