import { expect } from 'chai';
import { O_CLOEXEC, O_RDWR } from '../../harness/sys/constants';
import { bootSimMachine } from '../sim/machine';
import { createRocketAdapter } from './adapter';

describe('rocket adapter on sim:rocket', () => {
  it('offers GEM buffers only: no jobs (no public register command encoding), no device map', () => {
    const a = createRocketAdapter(bootSimMachine(['rocket']).sys);
    expect(a.buffers?.handles).to.equal('gem');
    expect(a.jobs).to.equal(undefined);
    expect(a.deviceMap).to.equal(undefined);
  });

  it('buffers: page-rounded size, CREATE_BO\'s NPU address and mmap offset; the mapping shows the pages', () => {
    const sys = bootSimMachine(['rocket']).sys;
    const a = createRocketAdapter(sys);
    const buffers = a.buffers;
    if (!buffers?.mmap) throw new Error('no mmap');
    const fd = sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
    const x = buffers.create(fd, 100);
    const y = buffers.create(fd, 4096);
    expect([x.size, x.deviceAddress, y.deviceAddress]).to.deep.equal([4096, 0n, 4096n]);
    const m1 = buffers.mmap(fd, y);
    const m2 = buffers.mmap(fd, y);
    m1.bytes[7] = 0x5a;
    expect(m2.bytes[7]).to.equal(0x5a);
    sys.munmap(m1);
    sys.munmap(m2);
    buffers.close(fd, x.handle);
    expect(buffers.create(fd, 4096).handle).to.equal(x.handle);
  });
});
