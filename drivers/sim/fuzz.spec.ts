import { expect } from 'chai';
import * as path from 'node:path';
import { FuzzInvariantError, runFuzz } from './fuzz';

/**
 * Runs the fuzz expecting it to find a violation, and returns the invariant
 * that failed (fast-check reports the counterexample and keeps the property's
 * own error as `cause`).
 */
async function violation(specs: readonly string[], numRuns: number): Promise<string> {
  try {
    await runFuzz({ numRuns, seed: 7, specSets: [specs] });
  } catch (e) {
    const cause = e instanceof Error ? e.cause : undefined;
    expect(cause, 'the failure carries the violated invariant').to.be.instanceOf(FuzzInvariantError);
    return (cause as FuzzInvariantError).message;
  }
  throw new Error(`the fuzz found nothing wrong with ${specs.join(';')} in ${numRuns} programs`);
}

describe('sim/fuzz (short run)', function () {
  this.timeout(60_000);
  it('random syscall sequences: only SysError, no leak, no foreign handle, no refcount underflow', async () => {
    await runFuzz({ numRuns: 300, seed: 20260521 });
  });

  describe('its invariants can fail', () => {
    it('reports leaked objects (close-leaks-objects)', async () => {
      expect(await violation(['apu?defect=close-leaks-objects'], 300)).to.match(/leaked after every fd closed/);
    });

    it('reports a handle seen by a file that does not own it (handles-global)', async () => {
      expect(await violation(['apu?defect=handles-global'], 300)).to.match(/sees handle \d+ it does not own/);
    });

    it('reports a non-SysError thrown through the syscall boundary (a broken plugin)', async () => {
      const plugin = `./${path.relative(process.cwd(), path.join(__dirname, 'fixtures', 'throwing-apu.js'))}`;
      expect(await violation([plugin], 300)).to.match(/threw a non-SysError/);
    });
  });
});
