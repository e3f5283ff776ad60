import { expect } from 'chai';
import { defineFamily, fullName, type Subtest } from './define';

const sub = (over: Partial<Subtest> = {}): Subtest => ({
  name: 'basic-create-close',
  description: 'GEM_NEW then GEM_CLOSE succeeds',
  reference: 'drivers/gpu/drm/drm_gem.c: drm_gem_close_ioctl',
  run: () => undefined,
  ...over,
});

describe('defineFamily', () => {
  it('names subtests accel@family@subtest', () => {
    const fam = defineFamily('gem', 'GEM lifecycle', [sub()]);
    expect(fullName(fam.name, fam.subtests[0]!.name)).to.equal('accel@gem@basic-create-close');
  });

  it('rejects names that are not kebab-case', () => {
    expect(() => defineFamily('gem', 'x', [sub({ name: 'Basic_Create' })])).to.throw(/kebab-case/);
    expect(() => defineFamily('GEM', 'x', [sub()])).to.throw(/kebab-case/);
  });

  it('rejects a subtest declared twice', () => {
    expect(() => defineFamily('gem', 'x', [sub(), sub()])).to.throw(/declared twice/);
  });

  it('requires a one-line description and a reference', () => {
    expect(() => defineFamily('gem', 'x', [sub({ description: 'two\nlines' })])).to.throw(/one-line/);
    expect(() => defineFamily('gem', 'x', [sub({ description: ' ' })])).to.throw(/one-line/);
    expect(() => defineFamily('gem', 'x', [sub({ reference: '' })])).to.throw(/reference/);
  });

  it('rejects a requirement it does not know (plain JS families have no type check)', () => {
    const bogus = { requires: ['jobs.teleport'] } as unknown as Partial<Subtest>;
    expect(() => defineFamily('gem', 'x', [sub(bogus)])).to.throw(/requires 'jobs.teleport', which is no known requirement/);
    expect(() => defineFamily('gem', 'x', [sub({ requires: ['jobs.hang', 'second-context'] })])).not.to.throw();
  });
});
