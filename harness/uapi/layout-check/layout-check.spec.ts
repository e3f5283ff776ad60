import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DRM_UAPI, drm_gem_flink, drm_gem_open } from '../drm';
import { drmIoctl } from '../drm';
import type { UapiHeader } from '../header';
import { struct, u32, u64 } from '../layout';
import { allUapiHeaders, buildCatalogue } from './catalogue';
import { LayoutCheckSetupError, checkCatalogue, formatLayoutReport, runLayoutCheck, systemHeaderSet, versionBefore } from './check';

const SYSTEM_DRM_INCLUDE = '/usr/include/libdrm';

/**
 * A copy of the system's DRM uAPI headers with `edit` applied to drm.h. An edit
 * that changes nothing is a setup error unless `mayBeUnchanged`: the host's
 * header may already be the newer one the edit makes.
 */
function patchedDrmHeaders(edit: (drmH: string) => string, mayBeUnchanged = false): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accel-drm-h-'));
  for (const f of ['drm.h', 'drm_mode.h']) fs.copyFileSync(path.join(SYSTEM_DRM_INCLUDE, f), path.join(dir, f));
  const file = path.join(dir, 'drm.h');
  const before = fs.readFileSync(file, 'utf8');
  const after = edit(before);
  if (after === before && !mayBeUnchanged) throw new Error('test setup: the drm.h edit matched nothing');
  fs.writeFileSync(file, after);
  return dir;
}

/** Appends `member` as the last member of `struct name`, unless the header already has it (newer libdrm). */
const appendMember = (name: string, member: string) => (h: string): string => {
  const body = new RegExp(`struct ${name} \\{[^}]*\\}`).exec(h)?.[0] ?? '';
  if (body.includes(member)) return h;
  return h.replace(new RegExp(`(struct ${name} \\{[^}]*)\\};`), `$1\t${member}\n};`);
};

/** Mismatch lines without the header-set suffix. */
const bare = (ms: readonly string[]): string[] => ms.map((m) => m.replace(/ \([^()]*\)$/, ''));

describe('uapi layout check against the C headers', function () {
  this.timeout(120_000);
  const tmp: string[] = [];
  after(() => tmp.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('every ioctl, struct, member and constant the project declares agrees with the machine\'s headers', () => {
    // No try/catch: a missing compiler or header fails here with the package to install.
    const result = runLayoutCheck();
    expect(result.mismatches, formatLayoutReport(result)).to.deep.equal([]);
    const drm = result.counts.find((c) => c.include === 'drm/drm.h');
    expect(drm && drm.ioctls + drm.absent).to.be.at.least(60);
    expect(result.counts.map((c) => c.include)).to.include.members(['drm/drm.h', 'linux/dma-buf.h', 'apu_drm.h', 'sys/stat.h', 'sys/socket.h']);
  });

  it('catalogues every UapiHeader: generic ones, the native layouts and each driver module\'s', () => {
    const includes = allUapiHeaders().map((h) => h.include);
    expect(includes).to.include.members(['drm/drm.h', 'linux/dma-buf.h', 'sys/stat.h', 'sys/socket.h', 'apu_drm.h']);
    const cat = buildCatalogue();
    const names = cat.flatMap((e) => e.constants.map((c) => c.name));
    expect(names).to.include.members(['DRM_IOCTL_VERSION', 'DRM_IOCTL_MODE_GETCRTC', 'DRM_IOCTL_SYNCOBJ_WAIT', 'DMA_BUF_SET_NAME_B', 'DRM_IOCTL_APU_GEM_QUEUE', 'APU_CMD_COUNT']);
    const wait = cat.flatMap((e) => e.structs).find((s) => s.name === 'drm_syncobj_wait');
    expect(wait && Object.fromEntries(wait.members.map((m) => [m.name, m.size]))).to.deep.equal({
      handles: 8, timeout_nsec: 8, count_handles: 4, flags: 4, first_signaled: 4, pad: 4,
    });
    expect(wait?.appended).to.deep.equal([{ field: 'deadline_nsec', size: 8 }]);
  });

  it('names each wrong member offset, member size, struct size and ioctl number', () => {
    const wrongOrder = struct('drm_gem_open', { handle: u32, name: u32, size: u64 });
    const wrongSize = struct('drm_gem_flink', { handle: u32, name: u64 });
    const header: UapiHeader = {
      ...DRM_UAPI,
      structs: [...DRM_UAPI.structs.filter((s) => s !== drm_gem_open && s !== drm_gem_flink), wrongOrder, wrongSize],
      ioctls: [
        ...DRM_UAPI.ioctls.filter((d) => d.name !== 'DRM_IOCTL_GEM_OPEN'),
        drmIoctl('DRM_IOCTL_GEM_OPEN', 'IOWR', 0x0b, struct('drm_gem_open', { a: u64, b: u64, c: u64 })),
        drmIoctl('DRM_IOCTL_NOT_IN_ANY_HEADER', 'IO', 0x01, null),
      ],
    };
    const { mismatches } = checkCatalogue(buildCatalogue([header]));
    expect(bare(mismatches)).to.include.members([
      'drm_gem_open.name: offset TS 4, C 0',
      'drm_gem_open.handle: offset TS 0, C 4',
      'drm_gem_flink.name: offset TS 8, C 4',
      'drm_gem_flink.name: size TS 8, C 4',
      'drm_gem_flink: sizeof TS 16, C 8',
      'DRM_IOCTL_GEM_OPEN: TS 0xC018640B, C 0xC010640B',
      'DRM_IOCTL_NOT_IN_ANY_HEADER: not defined by the headers',
    ]);
    expect(mismatches).to.have.length(7);
  });

  it('accepts a newer header that appends the documented drm_syncobj fields', () => {
    const dir = patchedDrmHeaders(
      (h) => appendMember('drm_syncobj_handle', '__u64 point;')(appendMember('drm_syncobj_wait', '__u64 deadline_nsec;')(h)),
      true,
    );
    tmp.push(dir);
    const result = checkCatalogue(buildCatalogue([DRM_UAPI]), { drmInclude: dir });
    expect(result.mismatches, formatLayoutReport(result)).to.deep.equal([]);
    const accepted = result.notes.filter((n) => n.includes('accepted'));
    expect(accepted.join('\n')).to.contain('drm_syncobj_wait: C size 40 > TS 32').and.contain('DRM_IOCTL_SYNCOBJ_WAIT');
    expect(accepted.join('\n')).to.contain('drm_syncobj_handle: C size 24 > TS 16').and.contain('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE');
  });

  it('rejects a struct grown by a field that is not documented as appended', () => {
    const dir = patchedDrmHeaders(appendMember('drm_gem_close', '__u64 surprise;'));
    tmp.push(dir);
    const { mismatches } = checkCatalogue(buildCatalogue([DRM_UAPI]), { drmInclude: dir });
    expect(bare(mismatches)).to.include('drm_gem_close: sizeof TS 8, C 16');
    expect(bare(mismatches)).to.include('DRM_IOCTL_GEM_CLOSE: TS 0x40086409, C 0x40106409');
  });

  it('records a declaration an older header lacks as absent (since), and a missing one without since as a mismatch', () => {
    const dir = patchedDrmHeaders((h) => h.replace(/#define DRM_IOCTL_GEM_FLINK[^\n]*\n/, '').replace(/#define DRM_IOCTL_GEM_OPEN[^\n]*\n/, ''));
    tmp.push(dir);
    const header: UapiHeader = { ...DRM_UAPI, since: { ...DRM_UAPI.since, DRM_IOCTL_GEM_FLINK: '99.0' } };
    const result = checkCatalogue(buildCatalogue([header]), { sets: [{ ...systemHeaderSet(dir), label: 'old' }], drmInclude: dir });
    expect(result.mismatches).to.deep.equal(['DRM_IOCTL_GEM_OPEN: not defined by the headers (old)']);
    expect(result.notes).to.include('DRM_IOCTL_GEM_FLINK: absent (old), since 99.0');
    expect(versionBefore('6.12.117-1', '6.15')).to.equal(true);
    expect(versionBefore('7.3.4-1~bpo13+1', '6.15')).to.equal(false);
  });

  it('fails with the package to install when the compiler or headers are missing', () => {
    expect(() => runLayoutCheck({ cc: 'accel-no-such-cc' }))
      .to.throw(LayoutCheckSetupError, /C compiler 'accel-no-such-cc' not found.*apt-get install gcc/);
    expect(() => runLayoutCheck({ drmInclude: '/nonexistent/libdrm' }))
      .to.throw(LayoutCheckSetupError, /drm\.h missing.*libdrm-dev/);
    expect(() => runLayoutCheck({ systemInclude: '/nonexistent' }))
      .to.throw(LayoutCheckSetupError, /dma-buf\.h missing.*linux-libc-dev/);
  });
});
