import { expect } from 'chai';
import { DEFAULT_TEST_TIMEOUT_MS, testTimeoutMs } from './timeouts';

describe('watchdog budget per test', () => {
  it('takes --per-test-timeout over everything', () => {
    expect(testTimeoutMs({ perTestTimeoutMs: 1500, subtestTimeoutMs: 90_000, jobTimeoutMs: 500 })).to.equal(1500);
  });

  it("takes the subtest's own budget over the derived one", () => {
    expect(testTimeoutMs({ subtestTimeoutMs: 90_000, jobTimeoutMs: 500 })).to.equal(90_000);
  });

  it('scales with the job timeouts a subtest waits out: a 30 s driver timeout is never held to a fixed budget', () => {
    expect(testTimeoutMs({ subtestTimeoutMs: 60_000, subtestJobTimeouts: 10, jobTimeoutMs: 500 })).to.equal(60_000);
    expect(testTimeoutMs({ subtestTimeoutMs: 60_000, subtestJobTimeouts: 10, jobTimeoutMs: 30_000 })).to.equal(1_210_000);
    expect(testTimeoutMs({ subtestTimeoutMs: 60_000, subtestJobTimeouts: 10, jobTimeoutMs: null })).to.equal(60_000);
  });

  it("derives from the driver's job timeout with a margin, never below half the default", () => {
    expect(testTimeoutMs({ jobTimeoutMs: 10_000 })).to.equal(50_000);
    expect(testTimeoutMs({ jobTimeoutMs: 500 })).to.equal(DEFAULT_TEST_TIMEOUT_MS / 2);
    expect(testTimeoutMs({ jobTimeoutMs: null })).to.equal(DEFAULT_TEST_TIMEOUT_MS);
  });
});
