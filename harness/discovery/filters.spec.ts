import { expect } from 'chai';
import { FilterSyntaxError } from './errors';
import { parseDeviceFilters } from './filters';

describe('device filter parsing', () => {
  it('parses each kind of term', () => {
    const { filters, simSpecs } = parseDeviceFilters(
      'accel:3; /dev/accel/accel1 ;sys:/sys/devices/pci0000:00/0000:00:0b.0/;pci:slot=0000:01:00.0;pci:vendor=8086,device=7D1D;driver:intel_vpu',
    );
    expect(simSpecs).to.deep.equal([]);
    expect(filters).to.deep.equal([
      { kind: 'minor', text: 'accel:3', minor: 3 },
      { kind: 'devnode', text: '/dev/accel/accel1', path: '/dev/accel/accel1' },
      { kind: 'sysfs', text: 'sys:/sys/devices/pci0000:00/0000:00:0b.0/', path: '/sys/devices/pci0000:00/0000:00:0b.0' },
      { kind: 'pci', text: 'pci:slot=0000:01:00.0', slot: '0000:01:00.0' },
      { kind: 'pci', text: 'pci:vendor=8086,device=7D1D', vendor: 0x8086, device: 0x7d1d },
      { kind: 'driver', text: 'driver:intel_vpu', driver: 'intel_vpu' },
    ]);
  });

  it('reads PCI ids as hex in any case, with or without 0x, and slots without a domain', () => {
    const { filters } = parseDeviceFilters('pci:vendor=0xAbCd;pci:slot=01:00.0;pci:slot=0000:0A:1F.7,vendor=1e60');
    expect(filters).to.deep.equal([
      { kind: 'pci', text: 'pci:vendor=0xAbCd', vendor: 0xabcd },
      { kind: 'pci', text: 'pci:slot=01:00.0', slot: '0000:01:00.0' },
      { kind: 'pci', text: 'pci:slot=0000:0A:1F.7,vendor=1e60', slot: '0000:0a:1f.7', vendor: 0x1e60 },
    ]);
  });

  it('returns sim: terms as specs, in order, mixed with real filters', () => {
    const parsed = parseDeviceFilters('sim:apu;accel:0;sim:mt8183,cores=2');
    expect(parsed.simSpecs).to.deep.equal(['apu', 'mt8183,cores=2']);
    expect(parsed.filters).to.have.length(1);
  });

  it('returns drm: terms as DRM node names, apart from the accel filters, once each', () => {
    const parsed = parseDeviceFilters('accel:0;drm:card0;drm:/dev/dri/renderD128;drm:card0');
    expect(parsed.drmNodes).to.deep.equal(['card0', 'renderD128']);
    expect(parsed.filters).to.have.length(1);
    expect(parseDeviceFilters('sim:apu').drmNodes).to.deep.equal([]);
  });

  it('ignores empty terms between separators', () => {
    expect(parseDeviceFilters(';accel:0;;').filters).to.have.length(1);
  });

  const bad: [string, RegExp][] = [
    ['', /empty device filter/],
    [' ; ', /empty device filter/],
    ['accel:', /accel:N/],
    ['accel:x', /accel:N/],
    ['accel:-1', /accel:N/],
    ['accel:256', /out of range 0-255/],
    ['card0', /unknown kind 'card0'/],
    ['foo:bar', /unknown kind 'foo'/],
    ['sys:devices/x', /absolute path/],
    ['pci:', /pci:slot=/],
    ['pci:vendor', /not key=value/],
    ['pci:vendor=xyz', /not a 16-bit hex id/],
    ['pci:vendor=12345', /not a 16-bit hex id/],
    ['pci:device=7d1d', /device= needs vendor=/],
    ['pci:vendor=8086,vendor=8087', /given twice/],
    ['pci:class=0300', /unknown PCI key 'class'/],
    ['pci:slot=1:0.0', /not DDDD:BB:DD\.F/],
    ['pci:slot=0000:01:00.8', /not DDDD:BB:DD\.F/],
    ['driver:', /driver:NAME/],
    ['driver:a b', /driver:NAME/],
    ['sim:', /sim: needs a driver name/],
    ['drm:', /drm:cardN/],
    ['drm:controlD64', /drm:cardN/],
    ['drm:/dev/accel/accel0', /drm:cardN/],
  ];
  for (const [text, why] of bad) {
    it(`rejects '${text}' with a one-line reason`, () => {
      let error: unknown;
      try {
        parseDeviceFilters(text);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(FilterSyntaxError);
      const message = (error as Error).message;
      expect(message).to.match(why);
      expect(message).to.not.contain('\n');
    });
  }
});
