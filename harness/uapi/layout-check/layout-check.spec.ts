import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { struct, u32, u64 } from '../layout';
import { IOWR } from '../ioctl';
import { buildCatalogue, type Catalogue } from './catalogue';
import { LayoutCheckSetupError, checkCatalogue, formatLayoutReport, runLayoutCheck } from './check';

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

const structBody = (name: string): RegExp => new RegExp(`(struct ${name} \\{[^}]*)\\};`);

/** Appends `member` as the last member of `struct name` in a header. */
const appendMember = (name: string, member: string) => (h: string): string =>
  h.replace(structBody(name), `$1\t${member}\n};`);

/**
 * Appends `__u64 field;` to `struct name` unless the header already declares
 * that field there: a newer host header (trixie's libdrm 2.4.124 has
 * drm_syncobj_wait.deadline_nsec, 7.x kernel headers also drm_syncobj_handle.point)
 * must not get it twice ("duplicate member").
 */
const ensureU64Member = (name: string, field: string) => (h: string): string => {
  const body = structBody(name).exec(h)?.[1];
  if (body === undefined) throw new Error(`test setup: drm.h has no struct ${name}`);
  return new RegExp(`\\b${field}\\s*;`).test(body) ? h : appendMember(name, `__u64 ${field};`)(h);
};

describe('uapi layout check against the C headers', function () {
  this.timeout(60_000);
  const tmp: string[] = [];
  after(() => tmp.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('every struct, member and ioctl number of drm.ts, dma-buf.ts and apu.ts agrees with the headers', () => {
    // No try/catch: a missing compiler or header fails here with the package to install.
    const result = runLayoutCheck();
    expect(result.mismatches, formatLayoutReport(result)).to.deep.equal([]);
    const cat = buildCatalogue();
    const members = cat.structs.reduce((n, s) => n + s.layout.fieldNames.length, 0);
    expect(result.compared).to.be.at.least(cat.structs.length + 2 * members);
  });

  it('catalogues every struct and ioctl number of the three modules', () => {
    const cat = buildCatalogue();
    const structs = cat.structs.map((s) => s.name);
    expect(structs).to.include.members(['drm_version', 'drm_syncobj_wait', 'dma_buf_sync', 'drm_apu_gem_queue', 'apu_cmd_copy']);
    const required = cat.constants.filter((c) => c.required).map((c) => c.name);
    expect(required).to.include.members([
      'DRM_IOCTL_VERSION', 'DRM_IOCTL_SYNCOBJ_WAIT', 'DMA_BUF_IOCTL_SYNC', 'DMA_BUF_SET_NAME_B',
      'DRM_IOCTL_APU_GEM_QUEUE', 'APU_CMD_COUNT',
    ]);
    expect(required).to.not.include('DRM_IOCTL_BASE_CODE');
    const wait = cat.structs.find((s) => s.name === 'drm_syncobj_wait');
    expect(wait && Object.fromEntries(wait.fieldSizes)).to.deep.equal({
      handles: 8, timeout_nsec: 8, count_handles: 4, flags: 4, first_signaled: 4, pad: 4,
    });
  });

  it('names each wrong member offset, member size, struct size and ioctl number', () => {
    const wrongOrder = struct('drm_gem_open', { handle: u32, name: u32, size: u64 });
    const wrongSize = struct('drm_gem_flink', { handle: u32, name: u64 });
    const real = buildCatalogue();
    const cat: Catalogue = {
      structs: [
        ...real.structs.filter((s) => s.name !== 'drm_gem_open' && s.name !== 'drm_gem_flink'),
        { name: 'drm_gem_open', layout: wrongOrder, fieldSizes: new Map([['handle', 4], ['name', 4], ['size', 8]]) },
        { name: 'drm_gem_flink', layout: wrongSize, fieldSizes: new Map([['handle', 4], ['name', 8]]) },
      ] as Catalogue['structs'],
      constants: [
        ...real.constants.filter((c) => c.name !== 'DRM_IOCTL_GEM_OPEN'),
        { name: 'DRM_IOCTL_GEM_OPEN', value: BigInt(IOWR('d', 0x0b, 24)), required: true },
        { name: 'DRM_IOCTL_NOT_IN_ANY_HEADER', value: 1n, required: true },
      ],
    };
    const { mismatches } = checkCatalogue(cat);
    expect(mismatches).to.include.members([
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
      (h) => ensureU64Member('drm_syncobj_handle', 'point')(ensureU64Member('drm_syncobj_wait', 'deadline_nsec')(h)),
      true,
    );
    tmp.push(dir);
    const result = checkCatalogue(buildCatalogue(), { drmInclude: dir });
    expect(result.mismatches, formatLayoutReport(result)).to.deep.equal([]);
    const accepted = result.notes.filter((n) => n.includes('accepted'));
    expect(accepted.join('\n')).to.contain('drm_syncobj_wait: C size 40 > TS 32').and.contain('DRM_IOCTL_SYNCOBJ_WAIT');
    expect(accepted.join('\n')).to.contain('drm_syncobj_handle: C size 24 > TS 16').and.contain('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE');
  });

  it('rejects a struct grown by a field that is not documented as appended', () => {
    const dir = patchedDrmHeaders(appendMember('drm_gem_close', '__u64 surprise;'));
    tmp.push(dir);
    const { mismatches } = checkCatalogue(buildCatalogue(), { drmInclude: dir });
    expect(mismatches).to.include('drm_gem_close: sizeof TS 8, C 16');
    expect(mismatches).to.include('DRM_IOCTL_GEM_CLOSE: TS 0x40086409, C 0x40106409');
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
