/** Garbage arguments only ever produce SysError (property test over the core ioctls). */
import { expect } from 'chai';
import fc from 'fast-check';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../../../harness/sys/constants';
import { isSysError } from '../../../../harness/sys/errno';
import { IOC } from '../../../../harness/uapi/ioctl';
import { rig } from '../testing/helpers';

const call = (fn: () => unknown): void => {
  try {
    fn();
  } catch (e) {
    if (!isSysError(e)) throw e;
  }
};

describe('DRM core: garbage in, errno out', () => {
  it('random DRM requests, sizes, contents and pointers only fail with SysError and leak nothing', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dir: fc.integer({ min: 0, max: 3 }),
            nr: fc.oneof(fc.integer({ min: 0, max: 0xff }), fc.constantFrom(0x00, 0x09, 0x0a, 0x0b, 0x0c, 0x2d, 0x2e, 0xb2, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0x40, 0x41)),
            size: fc.integer({ min: 0, max: 96 }),
            fill: fc.uint8Array({ minLength: 0, maxLength: 96 }),
            asInt: fc.boolean(),
            mmapLen: fc.integer({ min: 1, max: 3 * 4096 }),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        (ops) => {
          const r = rig([], undefined);
          const fd = r.open();
          r.gem(fd);
          for (const op of ops) {
            const buf = Buffer.alloc(op.size);
            Buffer.from(op.fill).copy(buf);
            const req = IOC(op.dir, 0x64, op.nr, op.size);
            call(() => r.sys.ioctl(fd, req, op.asInt ? (op.size >= 4 ? buf.readUInt32LE(0) : 0) : buf));
            if (op.size >= 8) call(() => r.sys.mmap(fd, op.mmapLen, PROT_READ | PROT_WRITE, MAP_SHARED, buf.readBigUInt64LE(0) & ~0xfffn));
          }
          for (let f = 3; f < 64; f++) call(() => r.sys.close(f));
          const s = r.k.stats();
          expect(s.bugs).to.deep.equal([]);
          expect([s.files, s.gemObjects, s.dmaBufs, s.syncobjs]).to.deep.equal([0, 0, 0, 0]);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });
});
