import { runFuzz } from './fuzz';

describe('sim/fuzz (short run)', function () {
  this.timeout(60_000);
  it('random syscall sequences: only SysError, no leak, no foreign handle, no refcount underflow', async () => {
    await runFuzz({ numRuns: 300, seed: 20260521 });
  });
});
