import { expect } from 'chai';
import { O_CLOEXEC, O_RDWR } from '../../harness/sys/constants';
import { bootSimMachine } from '../sim/machine';
import { errnoOf } from '../apu/sim/testkit';
import { HabanalabsAdapter } from './adapter';

describe('habanalabs adapter on sim:habanalabs', () => {
  const boot = (): { sys: ReturnType<typeof bootSimMachine>['sys']; a: HabanalabsAdapter; fd: number } => {
    const sys = bootSimMachine(['habanalabs']).sys;
    return { sys, a: new HabanalabsAdapter(sys), fd: sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC) };
  };

  it('offers buffers (driver handles, no mmap), deviceMap, NOP and endless jobs and state; no dma-buf (no import)', () => {
    const { a } = boot();
    expect(a.buffers.handles).to.equal('driver');
    expect(a.buffers.mmap).to.equal(undefined);
    expect([...a.jobs.kinds]).to.have.members(['nop', 'hang']);
    expect((a as { dmabuf?: unknown }).dmabuf).to.equal(undefined);
  });

  it('device memory: sizes in allocation pages, mapped all or nothing, freed once unmapped', () => {
    const { a, fd } = boot();
    const bo = a.buffers.create(fd, 4096);
    expect(bo.size).to.equal(768 * 1024 * 1024);
    expect(errnoOf(() => a.deviceMap.map(fd, [bo.handle, 999]))).to.equal('EINVAL');
    // The failed batch left nothing mapped: the allocation frees.
    a.buffers.close(fd, bo.handle);
    const again = a.buffers.create(fd, 4096);
    const [va] = a.deviceMap.map(fd, [again.handle]);
    expect(va).to.be.a('bigint');
    expect(errnoOf(() => a.buffers.close(fd, again.handle))).to.equal('EINVAL');
    a.deviceMap.unmap(fd, [again.handle]);
    a.buffers.close(fd, again.handle);
  });

  it('a NOP completes; an endless job times out after timeout_locked and the device comes back', async () => {
    const { sys, a, fd } = boot();
    const nop = await a.jobs.wait(a.jobs.submit(fd, { kind: 'nop' }), 1000);
    expect(nop.status).to.equal('ok');
    const hang = a.jobs.submit(fd, { kind: 'hang' });
    let expired = '';
    try {
      await a.jobs.wait(hang, 1000);
    } catch (e) {
      expired = (e as { code: string }).code;
    }
    expect(expired).to.equal('ETIMEDOUT');
    const r = await a.jobs.wait(hang, 60_000);
    expect(r.status).to.equal('timedout');
    expect(Number(r.completedNs - hang.submittedNs) / 1e9).to.be.closeTo(30, 0.01);
    expect(a.state.query(fd).online).to.equal(false);
    await sys.sleepMs(3000);
    expect(a.state.query(fd)).to.deep.equal({ online: true, crashed: false, timedOut: false });
    expect(a.state.resetCount?.(fd)).to.equal(1);
  });
});
