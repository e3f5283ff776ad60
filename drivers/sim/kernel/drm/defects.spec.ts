/**
 * Every 'core' defect of drivers/sim/defects.ts breaks exactly its own rule:
 * each probe below detects one rule being broken; under defect D only D's
 * probe may fire.
 */
import { expect } from 'chai';
import { MAP_SHARED, O_EXCL, O_RDWR, PROT_READ, PROT_WRITE, SEEK_SET } from '../../../../harness/sys/constants';
import { isSysError } from '../../../../harness/sys/errno';
import * as drm from '../../../../harness/uapi/drm';
import { IOWR } from '../../../../harness/uapi/ioctl';
import { DMA_BUF_IOCTL_SYNC, DMA_BUF_SYNC_READ, dma_buf_sync } from '../../../../harness/uapi/dma-buf';
import { DEFECTS } from '../../defects';
import { io, rig, type Rig } from '../testing/helpers';
import { makeTestDriver } from '../testing/test-driver';
import { DRIVER_COMPUTE_ACCEL, DRIVER_GEM, DRIVER_RENDER } from './driver';

function fails(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    if (!isSysError(e)) throw e;
    return true;
  }
}

const exp = (r: Rig, fd: number, handle: number, flags = drm.DRM_RDWR): number =>
  io(r.sys, fd, drm.DRM_IOCTL_PRIME_HANDLE_TO_FD, drm.drm_prime_handle, { handle, flags }).fd;
const imp = (r: Rig, fd: number, dfd: number): number => io(r.sys, fd, drm.DRM_IOCTL_PRIME_FD_TO_HANDLE, drm.drm_prime_handle, { fd: dfd }).handle;
const close = (r: Rig, fd: number, handle: number): void => void io(r.sys, fd, drm.DRM_IOCTL_GEM_CLOSE, drm.drm_gem_close, { handle });

/** Each probe returns true when its rule is broken. */
const PROBES: Record<string, (r: Rig) => boolean> = {
  'excl-open-allowed': (r) => !fails(() => r.open(O_RDWR | O_EXCL)),
  'version-empty-desc': (r) => io(r.sys, r.open(), drm.DRM_IOCTL_VERSION, drm.drm_version, {}).desc_len === 0n,
  'unknown-ioctl-enotty': (r) => {
    try {
      r.sys.ioctl(r.open(), IOWR('d', 0x03, 8), Buffer.alloc(8));
    } catch (e) {
      return isSysError(e, 'ENOTTY');
    }
    return true;
  },
  'master-allowed': (r) => !fails(() => r.sys.ioctl(r.open(), drm.DRM_IOCTL_SET_MASTER)),
  'kms-ioctls-succeed': (r) => !fails(() => io(r.sys, r.open(), drm.DRM_IOCTL_MODE_GETRESOURCES, drm.drm_mode_card_res, {})),
  'render-node': (r) => r.sys.fs.exists('/sys/class/drm/renderD128'),
  'prime-cap-missing': (r) =>
    io(r.sys, r.open(), drm.DRM_IOCTL_GET_CAP, drm.drm_get_cap, { capability: drm.DRM_CAP_PRIME }).value !==
    (drm.DRM_PRIME_CAP_IMPORT | drm.DRM_PRIME_CAP_EXPORT),
  'sysfs-dev-wrong-minor': (r) => r.sys.fs.readFile('/sys/class/accel/accel0/dev').toString('utf8') !== '261:0\n',
  'accel-render-accepted': (r) =>
    !fails(() =>
      r.k.registerDrmDriver(makeTestDriver(undefined, DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_RENDER), {
        module: 'probe', params: {}, parentName: 'probe.render', defects: new Set(),
      }),
    ),
  // A second device of the rig's defects with a control node: allocating through it must be refused.
  'control-node-unrestricted': (r) => {
    const [first] = r.k.devices;
    r.k.registerDrmDriver(makeTestDriver(), {
      module: 'testaccel', params: {}, parentName: 'testaccel.ctl', defects: new Set(first?.defects ?? []), controlNode: true,
    });
    const ctl = r.sys.open('/dev/dri/controlD64', O_RDWR);
    return !fails(() => r.gem(ctl));
  },
  'gem-close-unknown-ok': (r) => !fails(() => close(r, r.open(), 99)),
  'handles-global': (r) => {
    const a = r.open();
    const b = r.open();
    r.gem(a);
    return r.gem(b).handle !== 1;
  },
  'handles-no-reuse': (r) => {
    const a = r.open();
    r.gem(a);
    r.gem(a);
    r.gem(a);
    close(r, a, 2);
    return r.gem(a).handle !== 2;
  },
  'close-leaks-objects': (r) => {
    const a = r.open();
    r.gem(a);
    r.sys.close(a);
    return r.k.stats().gemObjects !== 0;
  },
  'mmap-any-file': (r) => {
    const a = r.open();
    const b = r.open();
    const { offset } = r.gem(a);
    return !fails(() => r.sys.mmap(b, 4096, PROT_READ, MAP_SHARED, offset));
  },
  'mmap-no-ref': (r) => {
    const a = r.open();
    const { handle, offset } = r.gem(a);
    const m = r.sys.mmap(a, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
    m.bytes.fill(0x5a);
    close(r, a, handle);
    return m.bytes[0] !== 0x5a || r.k.stats().gemObjects !== 1;
  },
  'no-prime-cache': (r) => {
    const a = r.open();
    const { handle } = r.gem(a);
    const d1 = exp(r, a, handle);
    const d2 = exp(r, a, handle);
    return r.sys.fstat(d1).ino !== r.sys.fstat(d2).ino || imp(r, a, d1) !== handle;
  },
  'dmabuf-no-ref': (r) => {
    const a = r.open();
    const { handle, offset } = r.gem(a);
    const m = r.sys.mmap(a, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
    m.bytes.fill(3);
    r.sys.munmap(m);
    const d = exp(r, a, handle);
    close(r, a, handle);
    const dm = r.sys.mmap(d, 4096, PROT_READ, MAP_SHARED, 0n);
    return dm.bytes[0] !== 3;
  },
  'prime-flags-unchecked': (r) => {
    const a = r.open();
    return !fails(() => exp(r, a, r.gem(a).handle, 0x1000));
  },
  'prime-import-any-fd': (r) => {
    const [p] = r.sys.pipe();
    return !fails(() => imp(r, r.open(), p));
  },
  'dmabuf-lseek-any': (r) => {
    const a = r.open();
    const d = exp(r, a, r.gem(a).handle);
    return !fails(() => r.sys.lseek(d, 4096n, SEEK_SET));
  },
  'dmabuf-sync-any-flags': (r) => {
    const a = r.open();
    const d = exp(r, a, r.gem(a).handle);
    return !fails(() => r.sys.ioctl(d, DMA_BUF_IOCTL_SYNC, dma_buf_sync.encode({ flags: DMA_BUF_SYNC_READ | 0x100n })));
  },
};

const CORE = Object.entries(DEFECTS)
  .filter(([, info]) => info.layer === 'core')
  .map(([name]) => name);

describe('DRM core defects: each breaks exactly its one rule', () => {
  it('has a probe for every core defect of the catalogue', () => {
    expect(Object.keys(PROBES).sort()).to.deep.equal([...CORE].sort());
  });

  it('no probe fires without defects', () => {
    for (const [name, probe] of Object.entries(PROBES)) expect(probe(rig()), name).to.equal(false);
  });

  for (const defect of CORE) {
    it(`${defect}: its probe fires and no other`, () => {
      for (const [name, probe] of Object.entries(PROBES)) {
        expect(probe(rig([defect])), `probe ${name} under ${defect}`).to.equal(name === defect);
      }
    });
  }

  it('render-node: a renderD128 node beside accel0, sharing its parent', () => {
    const r = rig(['render-node']);
    const fs = r.sys.fs;
    expect(fs.realpath('/sys/class/drm/renderD128/device')).to.equal(fs.realpath('/sys/class/accel/accel0/device'));
    const st = fs.stat('/dev/dri/renderD128');
    expect([st.rdevMajor, st.rdevMinor]).to.deep.equal([226, 128]);
    const fd = r.sys.open('/dev/dri/renderD128', O_RDWR);
    // DRM_RENDER_ALLOW decides on a render node.
    expect(io(r.sys, fd, drm.DRM_IOCTL_GET_CAP, drm.drm_get_cap, { capability: drm.DRM_CAP_TIMESTAMP_MONOTONIC }).value).to.equal(1n);
    expect(fails(() => io(r.sys, fd, drm.DRM_IOCTL_SET_CLIENT_CAP, drm.drm_set_client_cap, { capability: 1n }))).to.equal(true);
  });

  it('control node: VERSION (DRM_CONTROL_ALLOW) works, a driver ioctl is EACCES (drm_ioctl_permit)', () => {
    const r = rig();
    r.k.registerDrmDriver(makeTestDriver(), { module: 'testaccel', params: {}, parentName: 'testaccel.ctl', defects: new Set(), controlNode: true });
    const fs = r.sys.fs;
    expect(fs.realpath('/sys/class/drm/controlD64/device')).to.equal(fs.realpath('/sys/class/accel/accel1/device'));
    const fd = r.sys.open('/dev/dri/controlD64', O_RDWR);
    expect(io(r.sys, fd, drm.DRM_IOCTL_VERSION, drm.drm_version, {}).name_len).to.not.equal(0n);
    let code = '';
    try {
      r.gem(fd);
    } catch (e) {
      if (isSysError(e)) code = e.code;
    }
    expect(code).to.equal('EACCES');
  });

  it('leaves no bug record behind under any defect', () => {
    for (const defect of CORE) {
      const r = rig([defect]);
      for (const probe of Object.values(PROBES)) probe(r);
      expect(r.k.stats().bugs, defect).to.deep.equal([]);
    }
  });
});
