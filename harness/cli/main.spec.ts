import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addAccel, addDrmNode, addPciParent, addPlatformParent, canMknod, FixtureTree } from '../discovery/spec-helpers/fixture-tree';
import { EXIT } from './exit-codes';
import { checkSchema } from './spec-helpers/schema-check';
import { cliInProcess, cliProcess, REPO } from './spec-helpers/run-cli';

const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'docs/list-v1.schema.json'), 'utf8')) as Record<string, unknown>;

const oneLine = (text: string): void => {
  expect(text.endsWith('\n'), 'ends with a newline').to.equal(true);
  expect(text.trimEnd().split('\n'), text).to.have.length(1);
};

describe('CLI: arguments', () => {
  it('--help shows the commands and the exit codes', async () => {
    const r = await cliInProcess(['--help']);
    expect(r.code).to.equal(EXIT.OK);
    expect(r.stdout).to.contain('accel-conformance list');
    for (const line of ['0  no unexpected failure', '1  unexpected test failures', '2  usage or configuration error', '3  aborted', '4  no test matched']) {
      expect(r.stdout).to.contain(line);
    }
    expect(r.stderr).to.equal('');
  });

  it('list --help shows its options', async () => {
    const r = await cliInProcess(['list', '--help']);
    expect(r.code).to.equal(EXIT.OK);
    for (const opt of ['--json', '--device', '--sysfs-root', '--dev-root', '--root', 'ACCEL_DEVICE']) expect(r.stdout).to.contain(opt);
  });

  const usage: [string, string[], RegExp][] = [
    ['an unknown option', ['list', '--bogus'], /^accel-conformance: error: Unknown argument: bogus/],
    ['an unknown command', ['lst'], /Unknown argument: lst/],
    ['no command', [], /a command is required/],
    ['an option without its value', ['list', '--sysfs-root'], /Not enough arguments following: sysfs-root/],
    ['a stray positional', ['list', 'accel0'], /Unknown argument: accel0/],
    ['a repeated root', ['list', '--dev-root', '/a', '--dev-root', '/b'], /--dev-root was given more than once/],
    ['a malformed filter', ['list', '--device', 'gpu:0'], /--device: device filter 'gpu:0': unknown kind 'gpu'/],
    ['an empty filter', ['list', '--device', ''], /--device: empty device filter/],
  ];
  for (const [what, argv, message] of usage) {
    it(`rejects ${what} with one line and exit 2`, async () => {
      const r = await cliInProcess(argv);
      expect(r.code).to.equal(EXIT.USAGE);
      expect(r.stdout).to.equal('');
      oneLine(r.stderr);
      expect(r.stderr).to.match(message);
    });
  }

  it('rejects a sysfs root that does not exist (exit 2)', async () => {
    const r = await cliInProcess(['list', '--sysfs-root', '/nonexistent-accel-root']);
    expect(r.code).to.equal(EXIT.USAGE);
    oneLine(r.stderr);
    expect(r.stderr).to.contain('sysfs root /nonexistent-accel-root is not usable (ENOENT)');
  });
});

describe('CLI: list', () => {
  let empty: FixtureTree;
  let machine: FixtureTree;

  before(function () {
    empty = new FixtureTree();
    empty.dir('sys/class/drm').dir('dev');
    if (!canMknod()) return;
    machine = new FixtureTree();
    machine.file('etc/group', 'root:x:0:\nrender:x:109:\n');
    const npu = 'sys/devices/pci0000:00/0000:00:0b.0';
    addPciParent(machine, npu, { vendor: '0x8086', device: '0x7d1d', subsystemVendor: '0x1028', subsystemDevice: '0x0b1a' }, 'intel_vpu');
    addAccel(machine, { parent: npu, minor: 0 });
    addDrmNode(machine, npu, 'renderD128');
    machine.chardev('dev/accel/accel0', 261, 0, 109);
    addPlatformParent(machine, 'sys/devices/platform/19000000.apu', 'mtk_apu');
    addAccel(machine, { parent: 'sys/devices/platform/19000000.apu', minor: 1 });
  });
  after(() => {
    empty.remove();
    machine?.remove();
  });

  const on = (t: FixtureTree): string[] => ['--root', t.root];

  it('says plainly that there is no accel device, and exits 0', async () => {
    const r = await cliInProcess(['list', ...on(empty)]);
    expect(r.code).to.equal(EXIT.OK);
    expect(r.stdout).to.equal(`No accel devices: ${empty.abs('sys/class/accel')} does not exist (no accel driver is loaded, or the kernel lacks CONFIG_DRM_ACCEL).\n`);
    expect(r.stderr).to.equal('');
  });

  it('--json on a machine without devices is a valid empty document', async () => {
    const r = await cliInProcess(['list', '--json', ...on(empty)]);
    expect(r.code).to.equal(EXIT.OK);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(checkSchema(schema, doc)).to.deep.equal([]);
    expect(doc).to.deep.include({ schema: 'accel-conformance/list/v1', accelClassPresent: false, devices: [], filter: null });
  });

  describe('on a fixture machine', () => {
    before(function () {
      if (!canMknod()) this.skip();
    });

    it('prints a table row per device and the details to act on', async () => {
      const r = await cliInProcess(['list', ...on(machine)]);
      expect(r.code).to.equal(EXIT.OK);
      const lines = r.stdout.split('\n');
      expect(lines[0]).to.match(/^DEVICE\s+NODE\s+STATUS\s+DRIVER\s+BUS\s+PCI ID\s+DRM VERSION$/);
      expect(lines[1]).to.match(/^accel0\s+\S+\/dev\/accel\/accel0\s+ok\s+intel_vpu\s+pci 0000:00:0b\.0\s+8086:7d1d \(1028:0b1a\)\s+\((ENXIO|ENODEV)\)$/);
      expect(lines[2]).to.match(/^accel1\s+\S+\/dev\/accel\/accel1\s+missing\s+mtk_apu\s+platform 19000000\.apu\s+-\s+-$/);
      expect(r.stdout).to.match(/ {2}drm: {6}renderD128 \(render, \S+\/dev\/dri\/renderD128\)/);
      expect(r.stdout).to.match(/ {2}open: {5}open \S+accel0: (ENXIO|ENODEV)/);
      expect(r.stdout).to.contain('  fix:      no driver serves minor 0');
      expect(r.stdout).to.contain(`mknod -m 0660 ${machine.abs('dev/accel/accel1')} c 261 1`);
    });

    it('--json follows docs/list-v1.schema.json', async () => {
      const r = await cliInProcess(['list', '--json', ...on(machine)]);
      expect(r.code).to.equal(EXIT.OK);
      const doc = JSON.parse(r.stdout) as { devices: Record<string, unknown>[] };
      expect(checkSchema(schema, doc)).to.deep.equal([]);
      expect(doc.devices.map((d) => d.name)).to.deep.equal(['accel0', 'accel1']);
      expect(doc.devices[0]).to.deep.include({
        label: 'accel0',
        minor: 0,
        devnodeStatus: 'ok',
        bus: 'pci',
        driver: 'intel_vpu',
        pci: { slot: '0000:00:0b.0', vendor: '8086', device: '7d1d', subsystemVendor: '1028', subsystemDevice: '0b1a' },
        version: null,
        simSpec: null,
      });
      expect((doc.devices[1] as { pci: unknown; openError: unknown }).pci).to.equal(null);
      expect((doc.devices[1] as { openError: unknown }).openError, 'a missing node is not opened').to.equal(null);
    });

    it('the schema check catches a document that breaks the schema', () => {
      const broken = { schema: 'accel-conformance/list/v1', roots: { root: '/', sysfsRoot: '/sys', devRoot: '/dev' }, filter: null, accelClassPresent: true, devices: [{ name: 'gpu0' }] };
      const errors = checkSchema(schema, broken);
      expect(errors).to.include("$.devices[0]: missing 'minor'");
      expect(errors).to.include("$.devices[0].name: 'gpu0' does not match ^accel[0-9]+$");
    });

    it('--device selects, and beats ACCEL_DEVICE', async () => {
      const pick = async (argv: string[], env: NodeJS.ProcessEnv): Promise<unknown[]> => {
        const r = await cliInProcess(['list', '--json', ...argv, ...on(machine)], env);
        expect(r.code, r.stderr).to.equal(EXIT.OK);
        return (JSON.parse(r.stdout) as { devices: { name: string }[] }).devices.map((d) => d.name);
      };
      expect(await pick([], { ACCEL_DEVICE: 'driver:mtk_apu' })).to.deep.equal(['accel1']);
      expect(await pick(['--device', 'pci:vendor=8086'], { ACCEL_DEVICE: 'driver:mtk_apu' })).to.deep.equal(['accel0']);
      expect(await pick(['--device', '/dev/dri/renderD128'], {})).to.deep.equal(['accel0']);
      expect(await pick(['--device', 'accel:1', '--device', 'accel:0'], {})).to.deep.equal(['accel1', 'accel0']);
    });

    it('fails a filter that matches nothing with exit 2 and the available devices', async () => {
      const r = await cliInProcess(['list', '--device', 'pci:vendor=1e60', ...on(machine)]);
      expect(r.code).to.equal(EXIT.USAGE);
      expect(r.stdout).to.equal('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines[0]).to.equal("accel-conformance: error: --device: filter 'pci:vendor=1e60' matched no device");
      expect(lines[1]).to.equal('available devices:');
      expect(lines[2]).to.match(/^ {2}accel0: accel:0 .*pci:vendor=8086,device=7d1d {2}driver:intel_vpu/);
      expect(lines[3]).to.match(/^ {2}accel1: accel:1 .*driver:mtk_apu/);
    });

    it('names ACCEL_DEVICE when the environment filter matches nothing', async () => {
      const r = await cliInProcess(['list', ...on(machine)], { ACCEL_DEVICE: 'accel:9' });
      expect(r.code).to.equal(EXIT.USAGE);
      expect(r.stderr.split('\n')[0]).to.equal("accel-conformance: error: ACCEL_DEVICE: filter 'accel:9' matched no device");
    });
  });
});

describe('CLI: list --device sim:', () => {
  it('boots the bundled simulator and lists its devices through discovery', async () => {
    const r = await cliInProcess(['list', '--json', '--device', 'sim:apu;sim:mt8183']);
    expect(r.code, r.stderr).to.equal(EXIT.OK);
    const doc = JSON.parse(r.stdout) as { accelClassPresent: unknown; devices: Record<string, unknown>[] };
    expect(checkSchema(schema, doc)).to.deep.equal([]);
    expect(doc.accelClassPresent, 'the running kernel is not scanned').to.equal(null);
    expect(doc.devices.map((d) => [d.label, d.simSpec, d.devnode, d.devnodeStatus, d.openError])).to.deep.equal([
      ['sim:apu', 'apu', '/dev/accel/accel0', 'ok', null],
      ['sim:mt8183', 'mt8183', '/dev/accel/accel1', 'ok', null],
    ]);
    const version = doc.devices[0]?.version as { name: string } | null;
    expect(version?.name, 'DRM_IOCTL_VERSION answered by the simulated driver').to.equal(doc.devices[0]?.driver);
  });

  it('rejects a spec the simulator does not know, in one line with exit 2', async () => {
    const r = await cliInProcess(['list', '--device', 'sim:no-such-driver']);
    expect(r.code).to.equal(EXIT.USAGE);
    oneLine(r.stderr);
    expect(r.stderr).to.match(/^accel-conformance: error: .*sim:no-such-driver.*no-such-driver/);
  });
});

describe('CLI: as a process', function () {
  this.timeout(60_000);
  let empty: FixtureTree;
  before(() => {
    empty = new FixtureTree();
    empty.dir('sys').dir('dev');
  });
  after(() => empty.remove());

  it('list on an empty root exits 0 with a message', () => {
    const r = cliProcess(['list', '--sysfs-root', empty.abs('sys'), '--dev-root', empty.abs('dev')]);
    expect(r.code, r.stderr).to.equal(EXIT.OK);
    expect(r.stdout).to.match(/^No accel devices: .*class\/accel does not exist/);
  });

  it('list --json prints the v1 document', () => {
    const r = cliProcess(['list', '--json', '--root', empty.root]);
    expect(r.code, r.stderr).to.equal(EXIT.OK);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(checkSchema(schema, doc)).to.deep.equal([]);
    expect(doc.devices).to.deep.equal([]);
  });

  it('a bad option exits 2 with one line on stderr', () => {
    const r = cliProcess(['list', '--no-such-option']);
    expect(r.code).to.equal(EXIT.USAGE);
    expect(r.stdout).to.equal('');
    oneLine(r.stderr);
  });

  it('a filter matching nothing exits 2 and lists what is available', () => {
    const r = cliProcess(['list', '--root', empty.root], { ACCEL_DEVICE: 'driver:ivpu' });
    expect(r.code).to.equal(EXIT.USAGE);
    expect(r.stderr).to.equal(`accel-conformance: error: ACCEL_DEVICE: filter 'driver:ivpu' matched no device\navailable devices: none (${empty.abs('sys/class/accel')} does not exist)\n`);
  });

  it('--help loads neither koffi, discovery nor the simulator', () => {
    const probe = [
      "const { runCli } = require('./harness/cli/main');",
      "runCli(['--help'], { stdout() {}, stderr() {}, env: {} }).then(() => console.log(JSON.stringify(Object.keys(require.cache))));",
    ].join('\n');
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', probe], { cwd: REPO, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const loaded = JSON.parse(r.stdout) as string[];
    expect(loaded.some((p) => p.includes('/harness/cli/commands/list'))).to.equal(true);
    const heavy = loaded.filter((p) => /node_modules\/koffi|\/harness\/discovery\/|\/harness\/sys\/|\/drivers\/|\/harness\/cli\/list\//.test(p));
    expect(heavy).to.deep.equal([]);
  });
});
