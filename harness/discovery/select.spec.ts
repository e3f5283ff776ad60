import { expect } from 'chai';
import { DeviceSelectionError } from './errors';
import { parseDeviceFilters } from './filters';
import { resolveRoots } from './roots';
import { parseFilterSource, pickFilterSource, selectDevices } from './select';
import type { AccelDevice } from './types';

const roots = resolveRoots({ root: '/fx' });

function device(over: Partial<AccelDevice> & { minor: number }): AccelDevice {
  const name = `accel${over.minor}`;
  return {
    name,
    sysfsPath: `/fx/sys/class/accel/${name}`,
    devnode: `/fx/dev/accel/${name}`,
    devnodeStatus: 'ok',
    parent: null,
    bus: null,
    driver: null,
    drmNodes: [],
    ...over,
  };
}

const npu = device({
  minor: 0,
  parent: '/fx/sys/devices/pci0000:00/0000:00:0b.0',
  bus: 'pci',
  driver: 'intel_vpu',
  pci: { slot: '0000:00:0b.0', vendor: 0x8086, device: 0x7d1d },
  drmNodes: [{ name: 'renderD128', kind: 'render', devnode: '/fx/dev/dri/renderD128', sysfsPath: '/fx/sys/class/drm/renderD128' }],
});
const apu = device({ minor: 1, parent: '/fx/sys/devices/platform/soc/19000000.apu', bus: 'platform', driver: 'mtk_apu' });
// PCI ids unreadable: the slot still comes from the parent's name.
const gaudi = device({ minor: 2, parent: '/fx/sys/devices/pci0000:00/0000:00:1c.0/0000:03:00.0', bus: 'pci', driver: 'habanalabs' });
const all = [npu, apu, gaudi];

const pick = (text: string): string[] =>
  selectDevices(all, parseDeviceFilters(text).filters, roots, '--device').map((d) => d.name);

describe('device filter matching', () => {
  it('matches by minor, devnode and sibling DRM node', () => {
    expect(pick('accel:1')).to.deep.equal(['accel1']);
    expect(pick('/fx/dev/accel/accel2')).to.deep.equal(['accel2']);
    expect(pick('/dev/accel/accel2'), '/dev is read as the --dev-root').to.deep.equal(['accel2']);
    expect(pick('/dev/dri/renderD128')).to.deep.equal(['accel0']);
  });

  it('matches by sysfs path: the parent, the class entry or the device directory, under --sysfs-root', () => {
    expect(pick('sys:/sys/devices/platform/soc/19000000.apu')).to.deep.equal(['accel1']);
    expect(pick('sys:/fx/sys/devices/platform/soc/19000000.apu/')).to.deep.equal(['accel1']);
    expect(pick('sys:/sys/class/accel/accel0')).to.deep.equal(['accel0']);
    expect(pick('sys:/sys/devices/pci0000:00/0000:00:0b.0/accel/accel0')).to.deep.equal(['accel0']);
  });

  it('matches PCI slot, vendor and device, case-insensitively', () => {
    expect(pick('pci:slot=0000:00:0B.0')).to.deep.equal(['accel0']);
    expect(pick('pci:slot=03:00.0')).to.deep.equal(['accel2']);
    expect(pick('pci:vendor=8086')).to.deep.equal(['accel0']);
    expect(pick('pci:vendor=8086,device=7D1D')).to.deep.equal(['accel0']);
  });

  it('matches by driver', () => {
    expect(pick('driver:mtk_apu')).to.deep.equal(['accel1']);
  });

  it('returns the union in filter order without duplicates', () => {
    expect(pick('driver:habanalabs;accel:0;pci:vendor=8086')).to.deep.equal(['accel2', 'accel0']);
  });

  it('fails a filter that matches nothing, listing what is available', () => {
    const run = (text: string): DeviceSelectionError => {
      try {
        pick(text);
      } catch (e) {
        if (e instanceof DeviceSelectionError) return e;
        throw e;
      }
      throw new Error(`'${text}' matched`);
    };
    for (const text of ['accel:7', 'pci:vendor=8086,device=0001', 'driver:ivpu', 'accel:0;driver:nope', 'pci:vendor=1e60', '/dev/accel/accel9']) {
      const e = run(text);
      expect(e.kind).to.equal('no-match');
      expect(e.message).to.match(/^--device: filter '.*' matched no device$/);
      expect(e.details[0]).to.equal('available devices:');
      expect(e.details.slice(1).map((l) => l.trim().split(':')[0])).to.deep.equal(['accel0', 'accel1', 'accel2']);
    }
    const e = run('driver:nope');
    expect(e.details).to.include(
      `  accel0: accel:0  /fx/dev/accel/accel0  pci:slot=0000:00:0b.0  pci:vendor=8086,device=7d1d  driver:intel_vpu  sys:/fx/sys/devices/pci0000:00/0000:00:0b.0`,
    );
  });

  it('says none are available when there are no devices', () => {
    try {
      selectDevices([], parseDeviceFilters('accel:0').filters, roots, 'ACCEL_DEVICE');
      expect.fail('selected from nothing');
    } catch (e) {
      expect((e as DeviceSelectionError).message).to.equal("ACCEL_DEVICE: filter 'accel:0' matched no device");
      expect((e as DeviceSelectionError).details).to.deep.equal(['available devices: none']);
    }
  });
});

describe('--device and ACCEL_DEVICE', () => {
  it('prefers --device over ACCEL_DEVICE', () => {
    expect(pickFilterSource('accel:1', { ACCEL_DEVICE: 'accel:0' })).to.deep.equal({ text: 'accel:1', origin: '--device' });
  });

  it('falls back to ACCEL_DEVICE, treating an empty value as unset', () => {
    expect(pickFilterSource(undefined, { ACCEL_DEVICE: 'driver:x' })).to.deep.equal({ text: 'driver:x', origin: 'ACCEL_DEVICE' });
    expect(pickFilterSource(undefined, { ACCEL_DEVICE: '  ' })).to.equal(null);
    expect(pickFilterSource(undefined, {})).to.equal(null);
  });

  it('keeps an empty --device, so it is reported rather than ignored', () => {
    const src = pickFilterSource('', { ACCEL_DEVICE: 'accel:0' });
    expect(src).to.deep.equal({ text: '', origin: '--device' });
    expect(() => parseFilterSource(src!)).to.throw(DeviceSelectionError, /^--device: empty device filter/);
  });

  it('names the source of a malformed filter', () => {
    expect(() => parseFilterSource({ text: 'bogus', origin: 'ACCEL_DEVICE' })).to.throw(/^ACCEL_DEVICE: device filter 'bogus'/);
  });
});
