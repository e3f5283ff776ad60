/**
 * Self-tests of the kernel lane that need no QEMU and no kernel: the scripts
 * parse, the guest runs the suite (and the stress workload) only, the guest library's ioctl numbers (loaded from the compiled
 * declarations in dist/) and checksum agree with the project's uAPI mirror, and the guest's module parameter handling
 * quotes what it is given. The lane itself runs with `bash harness/lane/run.sh`
 * (docs/kernel-lane.md).
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import * as apu from '../../drivers/apu/uapi';
import * as drm from '../uapi/drm';
import { checkListJson, diffKernelAndSim, judgeCleanRun, parseResults, type TestOutcome } from './differential';

const here = __dirname;
const scripts = ['run.sh', 'compare.sh', 'kernel-lane.sh', 'fetch-kernel.sh', 'build-module.sh', 'build-root.sh', 'mkinitramfs.sh', 'lib.sh'];

interface GuestLib {
  koffi: unknown;
  R: Record<string, number>;
  fnv(buf: Buffer): number;
}

describe('kernel lane', () => {
  describe('scripts', () => {
    for (const s of scripts) {
      it(`${s} parses (bash -n)`, () => {
        const r = spawnSync('bash', ['-n', path.join(here, s)], { encoding: 'utf8' });
        expect(r.status, r.stderr).to.equal(0);
      });
    }

    it('guest/init parses with a POSIX sh (busybox sh when present)', () => {
      const sh = fs.existsSync('/bin/busybox') ? ['/bin/busybox', 'sh'] : ['sh'];
      const r = spawnSync(sh[0] as string, [...sh.slice(1), '-n', path.join(here, 'guest', 'init')], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
    });

    it('run.sh --help prints the usage and exits 0 without touching anything', () => {
      const out = execFileSync('bash', [path.join(here, 'run.sh'), '--help'], { encoding: 'utf8' });
      expect(out).to.match(/Usage: harness\/lane\/run\.sh/);
      expect(out).to.include('--params');
    });

    it('kernel-lane.sh --help prints the usage; an unknown option is a lane failure (exit 2)', () => {
      const out = execFileSync('bash', [path.join(here, 'kernel-lane.sh'), '--help'], { encoding: 'utf8' });
      expect(out).to.match(/Usage: harness\/lane\/kernel-lane\.sh/);
      const r = spawnSync('bash', [path.join(here, 'kernel-lane.sh'), '--bogus'], { encoding: 'utf8' });
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include('unknown option');
    });

    it("build-root.sh takes the module's compiler from the kernel's .kernelvariables, and refuses one it has no release for", () => {
      const kdir = fs.mkdtempSync(path.join(os.tmpdir(), 'accel-kvars-'));
      try {
        fs.mkdirSync(path.join(kdir, 'headers'));
        const vars = (cc: string): void =>
          fs.writeFileSync(path.join(kdir, 'headers', '.kernelvariables'), `CCACHE = ccache\nCC = $(if $(DEBIAN_KERNEL_USE_CCACHE),$(CCACHE)) $(CROSS_COMPILE)${cc}\n`);
        vars('gcc-12');
        expect(execFileSync('bash', [path.join(here, 'build-root.sh'), '--compiler', kdir], { encoding: 'utf8' }).trim()).to.equal('gcc-12');
        vars('gcc-14');
        expect(execFileSync('bash', [path.join(here, 'build-root.sh'), '--compiler', kdir], { encoding: 'utf8' }).trim()).to.equal('gcc-14');
        vars('gcc-99');
        const r = spawnSync('bash', [path.join(here, 'build-root.sh'), kdir], { encoding: 'utf8', env: { ...process.env, ACCEL_LANE_OFFLINE: '1' } });
        expect(r.status).to.equal(1);
        expect(r.stderr).to.include('no Debian release known for the kernel\'s compiler gcc-99');
      } finally {
        fs.rmSync(kdir, { recursive: true, force: true });
      }
    });

    it('the guest runs the compiled suite and the stress workload, no checking script of its own', () => {
      expect(fs.readdirSync(path.join(here, 'guest')).sort()).to.deep.equal(['apu-lib.js', 'init', 'stress.js']);
      const lane = fs.readFileSync(path.join(here, 'kernel-lane.sh'), 'utf8');
      expect([...lane.matchAll(/node \/lane\/(\S+)/g)].map((m) => m[1])).to.deep.equal(['stress.js']);
      const run = fs.readFileSync(path.join(here, 'run.sh'), 'utf8');
      expect(run).to.include("echo 'node dist/harness/cli/main.js run --device accel:0 --allow-destructive");
    });

    it('kernel-lane.sh --fuzz takes a number of programs per boot; anything else is a lane failure (exit 2)', () => {
      const out = execFileSync('bash', [path.join(here, 'kernel-lane.sh'), '--help'], { encoding: 'utf8' });
      expect(out).to.include('--fuzz N');
      for (const bad of [['--fuzz'], ['--fuzz', 'many'], ['--fuzz', '-1']]) {
        const r = spawnSync('bash', [path.join(here, 'kernel-lane.sh'), ...bad], { encoding: 'utf8' });
        expect(r.status, bad.join(' ')).to.equal(2);
        expect(r.stderr).to.include('--fuzz needs a number of programs');
      }
      // Each amd64 boot fuzzes the module against the model of its parameters, with HANG and CRASH jobs.
      const lane = fs.readFileSync(path.join(here, 'kernel-lane.sh'), 'utf8');
      expect(lane).to.match(/boot shared '' "fuzz_against=sim:apu\n/);
      expect(lane).to.match(/boot exclusive 'exclusive=1 timeout_ms=200' "fuzz_against=sim:mt8183\n/);
      expect(lane).to.include('fuzz --device accel:0 --allow-destructive --against "$fuzz_against"');
    });

    it('run.sh rejects an unknown option as a lane failure (exit 2)', () => {
      const r = spawnSync('bash', [path.join(here, 'run.sh'), '--no-such-option'], { encoding: 'utf8' });
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include('unknown option');
    });
  });

  describe('guest/apu-lib.js against harness/uapi', () => {
    // apu-lib binds libc through koffi on load; the project's node_modules has it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require(path.join(here, 'guest', 'apu-lib.js')) as GuestLib;

    it('finds koffi', () => {
      expect(lib.koffi).to.not.equal(null);
    });

    const same: [string, number][] = [
      ['VERSION', drm.DRM_IOCTL_VERSION],
      ['GEM_CLOSE', drm.DRM_IOCTL_GEM_CLOSE],
      ['PRIME_HANDLE_TO_FD', drm.DRM_IOCTL_PRIME_HANDLE_TO_FD],
      ['PRIME_FD_TO_HANDLE', drm.DRM_IOCTL_PRIME_FD_TO_HANDLE],
      ['MODE_CREATE_DUMB', drm.DRM_IOCTL_MODE_CREATE_DUMB],
      ['MODE_MAP_DUMB', drm.DRM_IOCTL_MODE_MAP_DUMB],
      ['SYNCOBJ_CREATE', drm.DRM_IOCTL_SYNCOBJ_CREATE],
      ['SYNCOBJ_DESTROY', drm.DRM_IOCTL_SYNCOBJ_DESTROY],
      ['STATE', apu.DRM_IOCTL_APU_STATE],
      ['GEM_NEW', apu.DRM_IOCTL_APU_GEM_NEW],
      ['GEM_QUEUE', apu.DRM_IOCTL_APU_GEM_QUEUE],
      ['GEM_DEQUEUE', apu.DRM_IOCTL_APU_GEM_DEQUEUE],
      ['MAP', apu.DRM_IOCTL_APU_GEM_IOMMU_MAP],
      ['UNMAP', apu.DRM_IOCTL_APU_GEM_IOMMU_UNMAP],
    ];
    for (const [name, want] of same) {
      it(`${name} is 0x${want.toString(16)}`, () => {
        expect((lib.R[name] as number).toString(16)).to.equal(want.toString(16));
      });
    }

    it('SYNCOBJ_WAIT has the same nr, in its 40-byte form (with deadline_nsec, since 6.5)', () => {
      const w = lib.R['SYNCOBJ_WAIT'] as number;
      expect(w & 0xffff).to.equal(drm.DRM_IOCTL_SYNCOBJ_WAIT & 0xffff);
      expect((w >>> 16) & 0x3fff).to.equal(drm.drm_syncobj_wait.size + 8);
    });

    it('computes the same FNV-1a as the uAPI mirror', () => {
      const b = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7 + 3) & 0xff));
      expect(lib.fnv(b)).to.equal(apu.fnv1a32(b));
      expect(lib.fnv(Buffer.alloc(0))).to.equal(0x811c9dc5);
    });
  });

  describe('guest configuration', () => {
    it('mkinitramfs.sh writes the apu parameters so that busybox sh reads them back unchanged', () => {
      const src = fs.readFileSync(path.join(here, 'mkinitramfs.sh'), 'utf8');
      const line = src.split('\n').find((l) => l.includes("printf 'APU_PARAMS=%s\\n'"));
      expect(line, 'the APU_PARAMS line of mkinitramfs.sh').to.be.a('string');
      const params = "exclusive=1 timeout_ms=200 odd='quote'";
      const script = `params=${JSON.stringify(params)}\n${(line as string).trim()}\n`;
      const written = execFileSync('bash', ['-c', script], { encoding: 'utf8' });
      const sh = fs.existsSync('/bin/busybox') ? '/bin/busybox' : 'sh';
      const args = sh === 'sh' ? ['-c'] : ['sh', '-c'];
      const read = execFileSync(sh, [...args, `${written}\nprintf '%s' "$APU_PARAMS"`], { encoding: 'utf8' });
      expect(read).to.equal(params);
    });
  });

  describe('differential check (differential.ts)', () => {
    const run = (entries: Record<string, TestOutcome>): Map<string, TestOutcome> => new Map(Object.entries(entries));
    const skipped: TestOutcome = { status: 'skip', message: 'only one device selected' };

    it('accepts equal statuses, whatever the messages', () => {
      const r = diffKernelAndSim(
        run({ 'accel@a@x': { status: 'pass' }, 'accel@a@y': { status: 'skip', message: 'apu has the exclusive open policy' } }),
        run({ 'accel@a@x': { status: 'pass' }, 'accel@a@y': { status: 'skip', message: 'mt8183-apu has the exclusive open policy' } }),
      );
      expect(r.compared).to.equal(2);
      expect(r.differences).to.deep.equal([]);
    });

    it('flags a status difference with both outcomes', () => {
      const r = diffKernelAndSim(
        run({ 'accel@gem@bad-close': { status: 'fail', message: 'GEM_CLOSE: expected EINVAL, got ENOENT' } }),
        run({ 'accel@gem@bad-close': { status: 'pass' } }),
      );
      expect(r.differences).to.have.length(1);
      expect(r.differences[0]?.kernel?.status).to.equal('fail');
      expect(r.differences[0]?.sim?.status).to.equal('pass');
    });

    it('flags a skip on either side', () => {
      expect(diffKernelAndSim(run({ t: skipped }), run({ t: { status: 'pass' } })).differences).to.have.length(1);
      expect(diffKernelAndSim(run({ t: { status: 'pass' } }), run({ t: skipped })).differences).to.have.length(1);
    });

    it('flags a test that exists on one side only', () => {
      const r = diffKernelAndSim(run({ a: { status: 'pass' }, b: { status: 'pass' } }), run({ a: { status: 'pass' }, c: skipped }));
      expect(r.differences.map((d) => d.test)).to.deep.equal(['b', 'c']);
    });

    it('reads results.json: the runner\'s message, else the first line of stderr', () => {
      const text = JSON.stringify({
        tests: {
          'accel@x@skipped': { result: 'skip', err: '', 'accel-message': skipped.message },
          'accel@x@failed': { result: 'fail', err: '\nassertion: expected EINVAL\nstack' },
        },
      });
      const r = parseResults(text, 'results.json');
      expect(r.get('accel@x@skipped')).to.deep.equal(skipped);
      expect(r.get('accel@x@failed')).to.deep.equal({ status: 'fail', message: 'assertion: expected EINVAL' });
      expect(() => parseResults(JSON.stringify({ tests: { t: { result: 'bogus' } } }), 'f')).to.throw(/no known result/);
    });
  });

  describe('clean-run and list verdicts (differential.ts)', () => {
    const run = (entries: Record<string, TestOutcome>): Map<string, TestOutcome> => new Map(Object.entries(entries));

    it('passes only with reasoned skips, no failing result, enough passes and the required passes', () => {
      const good = run({ a: { status: 'pass' }, b: { status: 'pass' }, c: { status: 'skip', message: 'no IOMMU' } });
      expect(judgeCleanRun(good, 2, ['a']).problems).to.deep.equal([]);
      expect(judgeCleanRun(good, 3).problems).to.have.length(1);
      expect(judgeCleanRun(good, 0, ['c']).problems[0]).to.match(/c must pass: skip/);
      expect(judgeCleanRun(run({ a: { status: 'skip' } }), 0).problems[0]).to.match(/without a reason/);
      for (const status of ['fail', 'crash', 'timeout', 'dmesg-warn', 'notrun'] as const) {
        expect(judgeCleanRun(run({ a: { status } }), 0).problems, status).to.have.length(1);
      }
    });

    it('finds the module\'s platform device in list --json, and says what it saw otherwise', () => {
      const dev = { name: 'accel0', driver: 'apu', bus: 'platform', parent: '/sys/devices/platform/apu.0' };
      expect(checkListJson(JSON.stringify({ devices: [dev] }), 'apu', 'platform')).to.deep.equal([]);
      const unbound = checkListJson(JSON.stringify({ devices: [{ ...dev, driver: null }] }), 'apu', 'platform');
      expect(unbound[0]).to.match(/accel0 driver=null bus=platform/);
      expect(checkListJson(JSON.stringify({ devices: [] }), 'apu', 'platform')).to.have.length(1);
    });
  });
});
