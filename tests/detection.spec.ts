/**
 * Detection end to end: a driver model that declares no profile
 * (drivers/sim/fixtures/unprofiled-apu.js) booted through openSession with a
 * `sim:./path` spec, as an operator would. The harness must detect the open
 * policy (a second open) and PRIME (GET_CAP), run core, feature-flags and the
 * open-policy tests in full, and skip every test that needs an adapter saying
 * so. When detection cannot tell (the first open fails), the policy is
 * reported unknown and the tests that depend on it skip with that reason.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { profileFor } from '../drivers/registry';
import { bootSimMachine } from '../drivers/sim/machine';
import { createSimSys } from '../drivers/sim/sys';
import { discoverAccelDevices, resolveRoots } from '../harness/discovery';
import { openSession } from '../harness/session';
import { type DeviceUnderTest, type RunOptions, fullName } from '../harness/testing/define';
import { runSubtest, type SubtestResult } from '../harness/testing/execute';
import { families } from './index';

const OPTIONS: RunOptions = { allowDestructive: true };
/** Relative, as an operator writes it: mocha runs from the repository root (.mocharc). */
const FIXTURE = `./${path.relative(process.cwd(), path.resolve(__dirname, '../drivers/sim/fixtures/unprofiled-apu.js'))}`;

type Results = Map<string, SubtestResult>;

async function runAll(dev: DeviceUnderTest): Promise<Results> {
  const results: Results = new Map();
  for (const f of families) for (const st of f.subtests) results.set(fullName(f.name, st.name), await runSubtest(st, dev, [], OPTIONS));
  return results;
}

const show = (name: string, r: SubtestResult): string => `${name}: ${r.status}${r.message ? ` (${r.message})` : ''}`;

/** The subtests that must PASS on an unprofiled device of the given policy: they need no adapter. */
function mustPass(policy: 'shared' | 'exclusive'): string[] {
  const names = families
    .filter((f) => f.name === 'core' || f.name === 'feature-flags')
    .flatMap((f) => f.subtests.map((s) => fullName(f.name, s.name)))
    // A detected profile has PRIME from GET_CAP itself: nothing to compare (see the test).
    .filter((n) => n !== 'accel@core@basic-prime-cap');
  names.push('accel@exclusive-open@basic-second-open', 'accel@exclusive-open@reopen-after-close');
  // GET_CAP reports PRIME on every kernel since 6.6, so the dma-buf rule that needs no buffer runs.
  names.push('accel@dmabuf@bad-import');
  // GEM_CLOSE of handles that do not exist is a core ioctl: no buffer needed either.
  names.push('accel@gem@bad-close');
  if (policy === 'exclusive') {
    // Without an adapter these still check the busy/free part of the exclusive policy.
    names.push(
      'accel@exclusive-open@dup-shares-context',
      'accel@exclusive-open@inherited-fd-shares-context',
      'accel@exclusive-open@passed-fd-shares-context',
      'accel@exclusive-open@last-process-anywhere',
      'accel@exclusive-open@close-every-order',
    );
  }
  return names;
}

describe('detection of a driver no profile declares, through the session', function () {
  this.timeout(60_000);

  for (const policy of ['shared', 'exclusive'] as const) {
    it(`${policy}: policy and PRIME detected; core, feature-flags and the open policy run; adapter tests skip naming the adapter`, async () => {
      const s = await openSession({ device: `sim:${FIXTURE}${policy === 'exclusive' ? '?exclusive=1' : ''}`, env: {} });
      try {
        const [dev] = s.devices as [DeviceUnderTest];
        assert.equal(s.devices.length, 1);
        assert.equal(dev.adapter, null);
        assert.equal(dev.profile.adapter, undefined);
        assert.deepEqual(
          [dev.profile.driver, dev.profile.openPolicy, dev.profile.openPolicySource, dev.profile.prime, dev.profile.jobTimeoutMs],
          ['unprofiled-apu', policy, 'detected', true, null],
        );
        const results = await runAll(dev);
        const required = new Set(mustPass(policy));
        const bad: string[] = [];
        for (const [name, r] of results) {
          if (required.has(name)) {
            if (r.status !== 'pass') bad.push(show(name, r));
          } else if (r.status !== 'skip' || !r.message?.trim()) {
            bad.push(show(name, r));
          }
        }
        assert.deepEqual(bad, [], `unexpected results on an unprofiled ${policy} device:\n${bad.join('\n')}`);
        // Every buffer/job test names the driver whose adapter, uAPI or declaration is missing.
        const vague: string[] = [];
        for (const [name, r] of results) {
          if (r.status === 'skip' && /^accel@(gem|sched|iommu)@/.test(name) && !/adapter|unprofiled-apu/.test(r.message ?? '')) {
            vague.push(show(name, r));
          }
        }
        assert.deepEqual(vague, [], `skips that do not name what is missing:\n${vague.join('\n')}`);
      } finally {
        s.close();
      }
    });
  }

  it('a first open that fails leaves the policy unknown, and the tests that need it skip with the failure', async () => {
    const m = bootSimMachine([FIXTURE]);
    // Not root and in no group: the node (0660 root:render) refuses the open with EACCES.
    const sys = createSimSys(m.kernel, { uid: 1000, gid: 1000, groups: [] });
    const [info] = discoverAccelDevices(sys, resolveRoots({ root: '/' }), { open: true }).devices;
    assert.ok(info, 'discovery sees the device');
    const profile = profileFor(sys, info);
    assert.equal(profile.openPolicy, 'unknown');
    assert.equal(profile.openPolicySource, 'unknown');
    assert.match(profile.openPolicyUnknownReason ?? '', /first open of \/dev\/accel\/accel0 failed with EACCES/);
    const dev: DeviceUnderTest = { label: `sim:${FIXTURE} (uid 1000)`, info, profile, sys, adapter: null, simulated: true };
    const bad: string[] = [];
    const dependsOnPolicy = [
      'basic-second-open',
      'shared-contexts-isolated',
      'dup-shares-context',
      'inherited-fd-shares-context',
      'passed-fd-shares-context',
      'last-process-anywhere',
      'close-every-order',
      'reopen-after-close',
    ].map((n) => `accel@exclusive-open@${n}`);
    const results = await runAll(dev);
    for (const name of dependsOnPolicy) {
      const r = results.get(name);
      assert.ok(r, name);
      if (r.status !== 'skip' || !/EACCES/.test(r.message ?? '')) bad.push(show(name, r));
    }
    assert.deepEqual(bad, [], `policy-dependent tests must skip with the detection failure:\n${bad.join('\n')}`);
  });
});
