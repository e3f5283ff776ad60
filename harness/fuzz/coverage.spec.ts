/**
 * The differential fuzz must keep seeing the catalogue defects it can
 * express (docs/tests.md, "What the fuzz detects"): at seed 1 (the kernel
 * lane's FUZZ_SEED) and COVERAGE_PROGRAMS programs, each listed defect
 * makes its model differ from the healthy one. A generator change that
 * loses one fails here; `npx ts-node --transpile-only harness/fuzz/coverage-main.ts`
 * prints the whole table.
 */
import { expect } from 'chai';
import type { DefectName } from '../../drivers/sim/defects';
import { measureDefect } from './coverage';

const SEED = 1;
/** Below the lane's 1,000; every listed defect shows within it (the latest, fault-partial-write, at program 651), and each run stops at its first difference. */
const COVERAGE_PROGRAMS = 700;

/** Defects any bundled model shows; measured on sim:apu. */
const DETECTED_ON_APU: readonly DefectName[] = [
  'gem-close-unknown-ok', 'handles-global', 'handles-no-reuse', 'mmap-any-file', 'no-prime-cache',
  'prime-flags-unchecked', 'prime-import-any-fd',
  'gem-new-bad-flags-ok', 'gem-new-dirty-output', 'gem-new-size-zero-ok', 'no-job-timeout', 'queue-drops-after-hang',
  'no-recovery', 'shared-iommu', 'unmap-keeps-mapping', 'unmap-first-page-only', 'unmap-batch-first-only',
  'map-not-refcounted', 'map-unknown-ok', 'ro-ignored', 'ro-first-page-only', 'ro-flag-per-batch', 'fault-partial-write', 'fault-wedges',
  'queue-unbounded-handles', 'dequeue-global', 'checksum-wrong', 'state-any-device', 'map-count-zero-ok',
  'queue-pad-unchecked', 'dequeue-short-buffer-ok', 'fill-empty-ok', 'copy-forward', 'ban-never', 'crash-reported-ok',
];

/** Defects of the exclusive-open rules, which only an exclusive device (sim:mt8183) has. */
const DETECTED_ON_MT8183: readonly DefectName[] = [
  'excl-release-on-close', 'excl-release-on-second-close', 'excl-release-on-foreign-close', 'excl-not-enforced',
  'close-waits-for-hang',
];

describe('fuzz coverage: the catalogue defects the fuzz detects at seed 1', function () {
  this.timeout(120_000);

  for (const [model, defects] of [['sim:apu', DETECTED_ON_APU], ['sim:mt8183', DETECTED_ON_MT8183]] as const) {
    for (const defect of defects) {
      it(`${model}?defect=${defect} differs from ${model} within ${COVERAGE_PROGRAMS} programs`, async () => {
        const c = await measureDefect(model, defect, { seed: SEED, programs: COVERAGE_PROGRAMS });
        expect(c.error, 'the defective model came up').to.equal(undefined);
        expect(c.firstDifference, `${defect} went unseen`).to.not.equal(null);
      });
    }
  }

  it('a defect no program can express is reported as not detected (the measure can say no)', async () => {
    // DRM_IOCTL_VERSION is no op of the program model.
    const c = await measureDefect('sim:apu', 'version-empty-desc', { seed: SEED, programs: 50 });
    expect(c).to.deep.equal({ model: 'sim:apu', defect: 'version-empty-desc', firstDifference: null });
  });
});
