/**
 * Self-tests of the arm64 (ethosu) lane that need no QEMU and no arm64 kernel:
 * the scripts parse, the options are checked, the NPU device-tree fragment
 * compiles into QEMU virt's tree, and the register personalities write what
 * the ethosu driver reads (ethosu_device.h offsets). The lane itself runs with
 * `bash harness/lane/arm64/lane.sh` (docs/kernel-lane.md, "The arm64 lane").
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expectedFailures, splitWarnings } from './phase-check';

const here = __dirname;
const scripts = ['fetch.sh', 'mkinitramfs.sh', 'run.sh', 'lane.sh'];
const shell = fs.existsSync('/bin/busybox') ? ['/bin/busybox', 'sh'] : ['sh'];
const hasDtc = spawnSync('dtc', ['--version']).status === 0;

function sh(script: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(shell[0] as string, [...shell.slice(1), '-c', script], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs npu_preset PERSONALITY with devmem replaced by a recorder: offset -> last 32/64-bit value written. */
function preset(personality: string): { status: number | null; regs: Map<number, bigint>; stderr: string } {
  const base = 0x7ffe0000;
  const r = sh(`devmem() { echo "$1 $2 $3"; }
NPU_BASE=${base}
. '${path.join(here, 'guest', 'npu.sh')}'
npu_preset ${personality}`);
  const regs = new Map<number, bigint>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [addr, , value] = line.split(' ');
    regs.set(Number(addr) - base, BigInt(value ?? 'NaN'));
  }
  return { status: r.status, regs, stderr: r.stderr };
}

describe('kernel lane, arm64 (ethosu)', () => {
  describe('scripts', () => {
    for (const s of scripts) {
      it(`${s} parses (bash -n)`, () => {
        const r = spawnSync('bash', ['-n', path.join(here, s)], { encoding: 'utf8' });
        expect(r.status, r.stderr).to.equal(0);
      });
    }
    for (const s of ['init', 'npu.sh']) {
      it(`guest/${s} parses with a POSIX sh (busybox sh when present)`, () => {
        const r = spawnSync(shell[0] as string, [...shell.slice(1), '-n', path.join(here, 'guest', s)], { encoding: 'utf8' });
        expect(r.status, r.stderr).to.equal(0);
      });
    }
    for (const s of ['ethosu.js', 'gic-agent.js']) {
      it(`guest/${s} parses (node --check)`, () => {
        const r = spawnSync(process.execPath, ['--check', path.join(here, 'guest', s)], { encoding: 'utf8' });
        expect(r.status, r.stderr).to.equal(0);
      });
    }

    it('run.sh and lane.sh --help print their usage and exit 0', () => {
      expect(execFileSync('bash', [path.join(here, 'run.sh'), '--help'], { encoding: 'utf8' })).to.match(/Usage: harness\/lane\/arm64\/run\.sh/);
      expect(execFileSync('bash', [path.join(here, 'lane.sh'), '--help'], { encoding: 'utf8' })).to.match(/Usage: harness\/lane\/arm64\/lane\.sh/);
    });

    it('an unknown option or personality is a lane failure (exit 2) before anything is fetched', () => {
      const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'arm64-spec-'));
      try {
        for (const args of [['run.sh', '--bogus'], ['lane.sh', '--bogus'], ['run.sh', '--phases', 'silent chatty']]) {
          const r = spawnSync('bash', [path.join(here, args[0] as string), ...args.slice(1)], {
            encoding: 'utf8',
            env: { ...process.env, ACCEL_LANE_OFFLINE: '1', ACCEL_LANE_CACHE: cache },
          });
          expect(r.status, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
          expect(r.stderr).to.match(/unknown (option|personality)/);
        }
      } finally {
        fs.rmSync(cache, { recursive: true, force: true });
      }
    });
  });

  describe('register personalities (guest/npu.sh)', () => {
    it('both give the same identity: a v2.0.0 r1p0 U85 with 256 MACs, 8 PMU counters, PROT ACTIVE_CSL', () => {
      for (const p of ['silent', 'completing']) {
        const { status, regs, stderr } = preset(p);
        expect(status, stderr).to.equal(0);
        expect(regs.get(0x0000), 'ID').to.equal(0x20000100n);
        expect(regs.get(0x0028), 'CONFIG').to.equal(0x18n);
        expect(regs.get(0x0024), 'PROT').to.equal(2n);
        expect(regs.get(0x1180), 'PMCR of a U85 (pmu_regs + 0x1000)').to.equal(0x4000n);
      }
    });

    it('silent leaves STATUS 0 (no IRQ, reset done); completing sets IRQ_RAISED only', () => {
      expect(preset('silent').regs.get(0x0004)).to.equal(0n);
      expect(preset('completing').regs.get(0x0004)).to.equal(2n);
    });

    it('clears the command queue, region bases and PMU counters a previous phase wrote', () => {
      const { regs } = preset('silent');
      for (const off of [0x0008, 0x0010, 0x0018, 0x0020, 0x0080, 0x00b8, 0x1300, 0x1380]) {
        expect(regs.has(off), `0x${off.toString(16)} cleared`).to.equal(true);
      }
    });

    it('an unknown personality fails', () => {
      const { status, stderr } = preset('chatty');
      expect(status).to.not.equal(0);
      expect(stderr).to.include('unknown personality');
    });
  });

  describe('device tree fragment (npu.dtsi)', () => {
    it('compiles onto a virt-like root and puts the NPU on SPI 100 with its SRAM', function () {
      if (!hasDtc) this.skip();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arm64-dts-'));
      const root = '/dts-v1/;\n/ {\n\t#address-cells = <2>;\n\t#size-cells = <2>;\n\tinterrupt-parent = <&gic>;\n\tgic: intc@8000000 { #interrupt-cells = <3>; interrupt-controller; reg = <0 0x8000000 0 0x10000>; };\n};\n';
      const frag = fs.readFileSync(path.join(here, 'npu.dtsi'), 'utf8').replace(/@REGS@/g, '7ffe0000').replace(/@SRAM@/g, '7fff0000');
      fs.writeFileSync(path.join(dir, 'npu.dts'), root + frag);
      const out = execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dts', path.join(dir, 'npu.dts')], { encoding: 'utf8' });
      fs.rmSync(dir, { recursive: true, force: true });
      expect(out).to.match(/npu@7ffe0000 \{[^}]*compatible = "arm,corstone1000-ethos-u85", "arm,ethos-u85";/s);
      expect(out).to.match(/npu@7ffe0000 \{[^}]*interrupts = <0x00 0x64 0x01>;/s);
      expect(out).to.match(/npu-regs@7ffe0000 \{[^}]*no-map;/s);
      expect(out).to.match(/sram@7fff0000 \{[^}]*compatible = "mmio-sram";/s);
    });
  });
});

describe('arm64 lane: the per-phase verdicts with expected failures (phase-check.ts)', () => {
  const dmesgOfTest = [
    '<4>[104.665986] ethosu 7ffe0000.npu: Tearing down scheduler while jobs are pending!',
    '<4>[104.676049] Memory manager not clean during takedown.',
    '<4>[104.676490] WARNING: drivers/gpu/drm/drm_mm.c:965 at drm_mm_takedown+0x30/0x48 [drm], CPU#0: node/229',
  ].join('\n');
  const results = JSON.stringify({
    tests: {
      'accel@ethosu@unbind-pending-close': { result: 'dmesg-fail', dmesg: dmesgOfTest },
      'accel@gem@basic-create': { result: 'pass', dmesg: '' },
      'accel@gem@bad-close': { result: 'fail', dmesg: '<4>[50.000000] WARNING: not listed' },
    },
  });

  it('a failure is expected only when ethosu\'s shipped expectations list it with that status', () => {
    const exp = { fails: new Map([['accel@ethosu@unbind-pending-close', 'Fail' as const]]), flakes: [], skips: [], sources: [] };
    const expected = expectedFailures(results, 'results.json', exp);
    expect([...expected.keys()]).to.deep.equal(['accel@ethosu@unbind-pending-close']);
    expect(expected.get('accel@ethosu@unbind-pending-close')).to.equal(dmesgOfTest);
  });

  it('a warning line is accepted only when an expected failure captured that very record (time and text)', () => {
    const dmesg = [
      '[   16.306663] ethosu 7ffe0000.npu: Ethos-U NPU, arch v2.0.0',
      '[  104.665986] ethosu 7ffe0000.npu: Tearing down scheduler while jobs are pending!',
      '[  104.676049] Memory manager not clean during takedown.',
      '[  104.676490] WARNING: drivers/gpu/drm/drm_mm.c:965 at drm_mm_takedown+0x30/0x48 [drm], CPU#0: node/229',
      // The same text at another time (a later teardown, rmmod) is not the test's.
      '[  230.000001] Memory manager not clean during takedown.',
      '[   50.000000] WARNING: not listed',
    ].join('\n');
    const split = splitWarnings(dmesg, [dmesgOfTest]);
    expect(split.accepted).to.have.length(3);
    expect(split.unexpected).to.deep.equal(['[  230.000001] Memory manager not clean during takedown.', '[   50.000000] WARNING: not listed']);
  });
});
