/**
 * The suite, run in-process through execute.ts on the bundled simulated
 * drivers: clean devices pass (or skip with a reason); every catalogued
 * defect makes its listed subtests fail; every subtest is proven by some
 * defect or mutation. On the virtual clock a hang costs microseconds.
 */
import * as assert from 'node:assert/strict';
import { detectProfile } from '../drivers/registry';
import { DEFECTS, type DefectName } from '../drivers/sim/defects';
import { openSession, type Session } from '../harness/session';
import { type DeviceUnderTest, type RunOptions, type Subtest, fullName } from '../harness/testing/define';
import { runSubtest, type SubtestResult } from '../harness/testing/execute';
import { families } from './index';
import { TEARDOWN_BUDGET_MS } from './lib/device';
import { DEFECT_PROOFS, MUTATION_PROOFS, otherFor, provenTests, simSpec } from './proofs';
import { DRIVER_MODULES } from '../drivers/modules';
import { bundledModel } from '../drivers/sim/machine';
import { parseFails, toCiStatus, type CiStatus } from '../harness/runner/expectations';
import { readFileSync } from 'node:fs';

const OPTIONS: RunOptions = { allowDestructive: true };

const ALL: { name: string; subtest: Subtest }[] = families.flatMap((f) =>
  f.subtests.map((s) => ({ name: fullName(f.name, s.name), subtest: s })),
);
const byName = new Map(ALL.map((e) => [e.name, e.subtest]));


/** Sets environment variables (an adapter reads them when the session opens); returns what undoes it. */
function withEnv(env: Readonly<Record<string, string>>): () => void {
  const before = Object.keys(env).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, env);
  return () => {
    for (const [k, v] of before) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

async function session(device: string): Promise<Session> {
  return openSession({ device, env: {} });
}

function describeResult(name: string, label: string, r: SubtestResult): string {
  return `${name} on ${label}: ${r.status}${r.message ? ` (${r.message})` : ''}`;
}

describe('conformance suite on the bundled simulated drivers', function () {
  this.timeout(120_000);

  it('every subtest passes, or skips with a stated reason, on sim:apu and sim:mt8183', async () => {
    const s = await session('sim:apu;sim:mt8183');
    try {
      assert.equal(s.devices.length, 2);
      const bad: string[] = [];
      for (const dev of s.devices) {
        const others = s.devices.filter((d) => d !== dev);
        for (const { name, subtest } of ALL) {
          const r = await runSubtest(subtest, dev, others, OPTIONS);
          if (r.status === 'fail' || (r.status === 'skip' && !r.message?.trim())) bad.push(describeResult(name, dev.label, r));
        }
      }
      assert.deepEqual(bad, [], `failures on healthy simulated devices:\n${bad.join('\n')}`);
    } finally {
      s.close();
    }
  });

  it('on the control-node fixture every subtest passes or skips with a reason, and control-node runs and passes', async () => {
    const s = await session(`${simSpec('control-apu')};${simSpec('mt8183')}`);
    try {
      const [dev, other] = s.devices as [DeviceUnderTest, DeviceUnderTest];
      assert.equal(dev.profile.controlNode, true, 'the fixture declares a control node');
      const bad: string[] = [];
      for (const { name, subtest } of ALL) {
        const r = await runSubtest(subtest, dev, [other], OPTIONS);
        const mustPass = name === 'accel@exclusive-open@control-node';
        if (r.status === 'fail' || (r.status === 'skip' && (mustPass || !r.message?.trim()))) bad.push(describeResult(name, dev.label, r));
      }
      assert.deepEqual(bad, [], `failures on the healthy control-node fixture:\n${bad.join('\n')}`);
    } finally {
      s.close();
    }
  });

  describe('every catalogued defect fails its listed subtests', () => {
    for (const proof of DEFECT_PROOFS) {
      it(`${proof.defect} (sim:${proof.sim}) fails ${proof.mustFail.join(', ')}`, async () => {
        const query = [proof.params, `defect=${proof.defect}`].filter((q) => q !== undefined).join('&');
        const restoreEnv = withEnv(proof.env ?? {});
        const s = await session(`${simSpec(proof.sim, query)};${simSpec(otherFor(proof.sim))}`);
        try {
          const [dev, other] = s.devices as [DeviceUnderTest, DeviceUnderTest];
          const missed: string[] = [];
          for (const name of proof.mustFail) {
            const subtest = byName.get(name);
            assert.ok(subtest, `proof table names unknown subtest ${name}`);
            const r = await runSubtest(subtest, dev, [other], OPTIONS);
            if (r.status !== 'fail') missed.push(describeResult(name, dev.label, r));
          }
          assert.deepEqual(missed, [], `defect ${proof.defect} went unnoticed:\n${missed.join('\n')}`);
        } finally {
          s.close();
          restoreEnv();
        }
      });
    }
  });

  describe('every mutation fails its listed subtests', () => {
    for (const m of MUTATION_PROOFS) {
      it(`${m.name} fails ${m.mustFail.join(', ')}`, async () => {
        const s = await session('sim:apu;sim:mt8183');
        try {
          const { device, others } = m.mutate(s.devices);
          const missed: string[] = [];
          for (const name of m.mustFail) {
            const subtest = byName.get(name);
            assert.ok(subtest, `mutation names unknown subtest ${name}`);
            const r = await runSubtest(subtest, device, others, OPTIONS);
            if (r.status !== 'fail') missed.push(describeResult(name, device.label, r));
          }
          assert.deepEqual(missed, [], `mutation ${m.name} went unnoticed:\n${missed.join('\n')}`);
        } finally {
          s.close();
        }
      });
    }
  });

  it('a driver with no profile or adapter still runs core, feature-flags and the open policy; the rest skips with a reason', async () => {
    const s = await session('sim:apu;sim:mt8183');
    try {
      const bad: string[] = [];
      for (const known of s.devices) {
        // The last test's close may still be tearing an exclusive device down (EAGAIN, docs/uapi-apu.md),
        // which detection reports as an unknown policy instead of retrying: let it finish (virtual time).
        await known.sys.sleepMs(TEARDOWN_BUDGET_MS);
        // What the registry gives a driver it has no profile for (tests/detection.spec.ts boots one end to end).
        const profile = detectProfile(known.sys, known.info);
        assert.equal(profile.openPolicy, known.profile.openPolicy, `${known.label}: detected vs declared policy (${profile.openPolicyUnknownReason})`);
        const unknown: DeviceUnderTest = { ...known, adapter: null, profile };
        const mustRun = ['core', 'feature-flags'];
        for (const f of families) {
          for (const st of f.subtests) {
            const name = fullName(f.name, st.name);
            const r = await runSubtest(st, unknown, [], OPTIONS);
            const skipOk = r.status === 'skip' && !!r.message?.trim();
            const required = mustRun.includes(f.name) && !['basic-prime-cap'].includes(st.name);
            if (r.status === 'fail' || (!skipOk && r.status !== 'pass') || (required && r.status !== 'pass')) {
              bad.push(describeResult(name, `${known.label} (no adapter)`, r));
            }
          }
        }
        for (const name of ['basic-second-open', 'reopen-after-close']) {
          const r = await runSubtest(byName.get(`accel@exclusive-open@${name}`) as Subtest, unknown, [], OPTIONS);
          if (r.status !== 'pass') bad.push(describeResult(name, `${known.label} (no adapter)`, r));
        }
      }
      assert.deepEqual(bad, []);
    } finally {
      s.close();
    }
  });

  it('--job-timeout-ms is what hang-timeout holds the driver to', async () => {
    const s = await session('sim:apu');
    try {
      const [dev] = s.devices as [DeviceUnderTest];
      const hang = byName.get('accel@sched@hang-timeout') as Subtest;
      // sim:apu times out at 500 ms: a claimed 100 ms must be caught, a claimed 450 ms must pass.
      const strict = await runSubtest(hang, dev, [], { ...OPTIONS, jobTimeoutMs: 100 });
      assert.equal(strict.status, 'fail', describeResult('hang-timeout with --job-timeout-ms 100', dev.label, strict));
      const loose = await runSubtest(hang, dev, [], { ...OPTIONS, jobTimeoutMs: 450 });
      assert.equal(loose.status, 'pass', describeResult('hang-timeout with --job-timeout-ms 450', dev.label, loose));
    } finally {
      s.close();
    }
  });

  it('every defect of the catalogue is in the proof table', () => {
    // accel-render-accepted breaks a rule of the simulated kernel's registration, which no
    // driver test can see: its spec (drivers/sim/kernel/drm/defects.spec.ts) proves it.
    const mapped = new Set<string>([...DEFECT_PROOFS.map((p) => p.defect), 'accel-render-accepted']);
    const unmapped = (Object.keys(DEFECTS) as DefectName[]).filter((d) => !mapped.has(d));
    if (unmapped.length > 0) console.log(`defects with no proof: ${unmapped.join(', ')}`);
    assert.deepEqual(unmapped, []);
  });

  it('every subtest is proven able to fail', () => {
    const proven = provenTests();
    const unknown = [...proven].filter((n) => !byName.has(n));
    assert.deepEqual(unknown, [], 'proofs name subtests that do not exist');
    const unproven = ALL.map((e) => e.name).filter((n) => !proven.has(n));
    if (unproven.length > 0) console.log(`unproven subtests:\n  ${unproven.join('\n  ')}`);
    assert.deepEqual(unproven, []);
  });

  /**
   * Each driver module's simulated models, beyond the two APU models checked
   * above: healthy, every test passes, skips with a reason, or gives exactly
   * what the module's shipped expectations say (the model reproduces the real
   * driver's known deviations); every test that runs there is proven able to
   * fail by a defect of one of the module's own models; every defect the
   * model declares is in a proof.
   */
  for (const m of DRIVER_MODULES) {
    const models = Object.keys(m.simModels ?? {});
    if (m.name === 'apu' || models.length === 0) continue;
    describe(`driver module ${m.name}`, () => {
      for (const name of models) {
        it(`sim:${name} is healthy under its shipped expectations, and every test that runs there is proven on ${m.name}`, async () => {
          const model = bundledModel(name);
          assert.ok(model, `sim:${name} does not load`);
          const shipped = m.expectations?.[model.driverName]?.fails;
          const expected: ReadonlyMap<string, CiStatus> = shipped ? parseFails(readFileSync(shipped, 'utf8'), shipped) : new Map();
          const s = await session(`sim:${name};sim:apu`);
          try {
            const [dev, other] = s.devices as [DeviceUnderTest, DeviceUnderTest];
            const bad: string[] = [];
            const ran: string[] = [];
            for (const { name: test, subtest } of ALL) {
              const r = await runSubtest(subtest, dev, [other], OPTIONS);
              const listed = expected.get(test);
              if (listed !== undefined) {
                // A listed test that skips with a reason was not judged (harness/runner/expectations.ts classify).
                const notJudged = r.status === 'skip' && !!r.message?.trim();
                if (!notJudged && toCiStatus(r.status) !== listed) bad.push(`${describeResult(test, dev.label, r)}, expected ${listed}`);
                continue;
              }
              if (r.status === 'fail' || (r.status === 'skip' && !r.message?.trim())) bad.push(describeResult(test, dev.label, r));
              if (r.status === 'pass') ran.push(test);
            }
            assert.deepEqual(bad, [], `unexpected results on healthy sim:${name}:\n${bad.join('\n')}`);
            const proven = new Set(DEFECT_PROOFS.filter((p) => models.includes(p.sim)).flatMap((p) => p.mustFail));
            const unproven = ran.filter((t) => !proven.has(t));
            assert.deepEqual(unproven, [], `tests that pass on sim:${name} but no defect of ${m.name} makes fail`);
            const declared = Object.keys(model.defects ?? {});
            const mapped = new Set(DEFECT_PROOFS.filter((p) => models.includes(p.sim)).map((p) => p.defect));
            assert.deepEqual(declared.filter((d) => !mapped.has(d)), [], `defects of sim:${name} with no proof`);
          } finally {
            s.close();
          }
        });
      }
    });
  }
});
