import { expect } from 'chai';
import { NS_PER_MS, VirtualClock } from './clock';
import { GpuScheduler, type HwCompletion, type SchedBackend, type SchedFaults } from './sched';

type Kind = 'ok' | 'hang' | 'crash';

function make(faults: SchedFaults = {}, hangLimit = 3) {
  const clock = new VirtualClock();
  const ran: string[] = [];
  const backend: SchedBackend<{ kind: Kind; tag: string }> = {
    runJob(job, done: (c: HwCompletion) => void) {
      ran.push(job.payload.tag);
      const p = job.payload;
      if (p.kind === 'hang') return { stop: () => undefined };
      const t = clock.after(5_000n, () => done(p.kind === 'crash' ? { result: 5, recoveryNs: 10n * NS_PER_MS } : { result: 0 }));
      return { stop: () => t.cancel() };
    },
  };
  const sched = new GpuScheduler(clock, { name: 't', timeoutNs: 500n * NS_PER_MS, hangLimit, resetNs: 20n * NS_PER_MS }, backend, faults);
  return { clock, sched, ran };
}

describe('sim/kernel/sched', () => {
  it('runs jobs in order, one at a time, and signals their fences', () => {
    const { clock, sched, ran } = make();
    const e = sched.createEntity('a');
    const j1 = sched.push(e, { kind: 'ok', tag: '1' });
    const j2 = sched.push(e, { kind: 'ok', tag: '2' });
    expect(ran).to.deep.equal(['1']);
    clock.advanceTo(clock.nowNs() + 1_000_000n);
    expect(ran).to.deep.equal(['1', '2']);
    expect(j1.fence.signaled && j2.fence.signaled).to.equal(true);
    expect(j1.result).to.equal(0);
    expect(j1.fence.error).to.equal(0);
  });

  it('times a hang out at the timeout, resets, and runs the innocent job behind', () => {
    const { clock, sched } = make();
    const a = sched.createEntity('a');
    const b = sched.createEntity('b');
    const t0 = clock.nowNs();
    const h = sched.push(a, { kind: 'hang', tag: 'h' });
    const ok = sched.push(b, { kind: 'ok', tag: 'ok' });
    clock.advanceTo(t0 + 500n * NS_PER_MS);
    expect(h.result).to.equal(110);
    expect(h.fence.error).to.equal(-110);
    expect(h.finishedNs).to.equal(t0 + 500n * NS_PER_MS);
    expect(sched.state).to.equal('timedout');
    expect(ok.finished).to.equal(false);
    clock.advanceTo(t0 + 600n * NS_PER_MS);
    expect(sched.state).to.equal('online');
    expect(ok.result).to.equal(0);
  });

  it('hooks: jobTimeout sets each job\'s TDR, timedOut decides the reset (cancel others, stay down)', () => {
    const { clock, sched } = make();
    sched.hooks.override('jobTimeout', (job, ns, base) => (job.payload.tag === 'slow' ? 2_000n * NS_PER_MS : base(job, ns)));
    sched.hooks.override('timedOut', (guilty, reset, base) => {
      reset.cancel((j) => j.entity !== guilty.entity, 125);
      base(guilty, { ...reset, recover: () => reset.stayDown() });
    });
    const a = sched.createEntity('a');
    const b = sched.createEntity('b');
    const t0 = clock.nowNs();
    const slow = sched.push(a, { kind: 'hang', tag: 'slow' });
    const other = sched.push(b, { kind: 'ok', tag: 'other' });
    clock.advanceTo(t0 + 1_000n * NS_PER_MS);
    expect(slow.finished, 'its own TDR is 2 s').to.equal(false);
    clock.advanceTo(t0 + 2_000n * NS_PER_MS);
    expect([slow.result, other.result]).to.deep.equal([110, 125]);
    clock.advanceTo(t0 + 5_000n * NS_PER_MS);
    expect(sched.state).to.equal('timedout');
  });

  it('times each job from its own start, also after a short job before it', () => {
    const { clock, sched } = make();
    const e = sched.createEntity('a');
    sched.push(e, { kind: 'ok', tag: 'ok' });
    const h = sched.push(e, { kind: 'hang', tag: 'h' });
    clock.advanceTo(clock.nowNs() + 2_000n * NS_PER_MS);
    expect(h.result).to.equal(110);
    expect(h.finishedNs! - h.startedNs!).to.equal(500n * NS_PER_MS);
    expect(clock.pendingTimers()).to.be.at.most(1);
  });

  it('bans an entity after hangLimit consecutive timeouts: later jobs ECANCELED without running', () => {
    const { clock, sched, ran } = make({}, 2);
    const a = sched.createEntity('a');
    sched.push(a, { kind: 'hang', tag: 'h1' });
    sched.push(a, { kind: 'hang', tag: 'h2' });
    const late = sched.push(a, { kind: 'ok', tag: 'late' });
    clock.advanceTo(clock.nowNs() + 5_000n * NS_PER_MS);
    expect(late.result).to.equal(125);
    expect(ran).to.deep.equal(['h1', 'h2']);
  });

  it('a successful job clears the hang streak', () => {
    const { clock, sched } = make({}, 2);
    const a = sched.createEntity('a');
    sched.push(a, { kind: 'hang', tag: 'h1' });
    sched.push(a, { kind: 'ok', tag: 'ok' });
    sched.push(a, { kind: 'hang', tag: 'h2' });
    const j = sched.push(a, { kind: 'ok', tag: 'ok2' });
    clock.advanceTo(clock.nowNs() + 5_000n * NS_PER_MS);
    expect(j.result).to.equal(0);
  });

  it('a crash reports EIO and keeps the device down for the recovery time', () => {
    const { clock, sched } = make();
    const a = sched.createEntity('a');
    const c = sched.push(a, { kind: 'crash', tag: 'c' });
    clock.advanceTo(clock.nowNs() + 5_000n);
    expect(c.result).to.equal(5);
    expect(sched.state).to.equal('crashed');
    clock.advanceTo(clock.nowNs() + 10n * NS_PER_MS);
    expect(sched.state).to.equal('online');
  });

  it('killing an entity finishes its queued jobs with ESRCH', () => {
    const { clock, sched } = make();
    const a = sched.createEntity('a');
    const b = sched.createEntity('b');
    sched.push(b, { kind: 'ok', tag: 'b' });
    const q = sched.push(a, { kind: 'ok', tag: 'a' });
    let idle = false;
    sched.killEntity(a, 0n, () => (idle = true));
    expect(q.result).to.equal(3);
    expect(idle).to.equal(true);
    clock.advanceTo(clock.nowNs() + NS_PER_MS);
    expect(sched.pendingJobs).to.equal(0);
  });

  it('defect knobs: drop after hang, kill innocent, no recovery', () => {
    for (const [faults, check] of [
      [{ dropQueuedAfterHang: true }, (r: number | null, s: string) => r === null && s === 'online'],
      [{ resetKillsInnocent: true }, (r: number | null) => r === 125],
      [{ noRecovery: true }, (r: number | null, s: string) => r === null && s === 'timedout'],
    ] as const) {
      const { clock, sched } = make(faults);
      sched.push(sched.createEntity('a'), { kind: 'hang', tag: 'h' });
      const ok = sched.push(sched.createEntity('b'), { kind: 'ok', tag: 'ok' });
      clock.advanceTo(clock.nowNs() + 5_000n * NS_PER_MS);
      expect(check(ok.result, sched.state), JSON.stringify(faults)).to.equal(true);
    }
  });
});
