import { expect } from 'chai';
import { bootSimMachine } from '../sim/machine';
import { O_CLOEXEC, O_RDWR } from '../../harness/sys/constants';
import { createIvpuAdapter } from './adapter';

describe('ivpu adapter on sim:ivpu', function () {
  this.timeout(20_000);

  it('offers GEM buffers with their NPU address, NOP and HANG jobs (the simulated firmware), and state', () => {
    const sys = bootSimMachine(['ivpu']).sys;
    const a = createIvpuAdapter(sys);
    expect(a.buffers?.handles).to.equal('gem');
    expect(a.buffers?.deviceAddresses).to.equal(true);
    expect([...(a.jobs?.kinds ?? [])].sort()).to.deep.equal(['hang', 'nop']);
    expect(a.state).to.not.equal(undefined);
    expect(a.deviceMap).to.equal(undefined);
    const fd = sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
    const bo = a.buffers?.create(fd, 5000);
    expect(bo?.size).to.equal(8192);
    expect(a.buffers?.info?.(fd, bo?.handle ?? 0).deviceAddress).to.equal(bo?.deviceAddress);
  });

  it('a NOP ends ok; a HANG ends timedout after two TDR periods and leaves reset_pending 0', async () => {
    const sys = bootSimMachine(['ivpu']).sys;
    const a = createIvpuAdapter(sys);
    const jobs = a.jobs;
    if (!jobs || !a.state) throw new Error('no jobs or state');
    const fd = sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
    expect((await jobs.wait(jobs.submit(fd, { kind: 'nop' }), 100)).status).to.equal('ok');
    const other = sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
    const hang = jobs.submit(other, { kind: 'hang' });
    const r = await jobs.wait(hang, 10_000);
    expect(r.status).to.equal('timedout');
    expect(Number(r.completedNs - hang.submittedNs) / 1e6).to.be.within(4000, 4001);
    expect(a.state.query(fd)).to.deep.equal({ online: true, crashed: false, timedOut: false });
    expect(a.state.resetCount?.(fd)).to.equal(0);
  });

  it('offers no jobs on the simulated APU (no ivpu firmware there)', () => {
    const sys = bootSimMachine(['apu']).sys;
    expect(createIvpuAdapter(sys).jobs).to.equal(undefined);
  });
});
