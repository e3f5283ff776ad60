import { expect } from 'chai';
import { PATH_ENV, REQUIRE_ENV, SHARED_JUNIT_XSD, lookupJunitSchema } from './junit-schema';

/** The JUnit schema check runs where CI gives ../shared, says so where it cannot, and CI cannot skip it. */
describe('JUnit schema lookup', () => {
  const none = (): boolean => false;

  it('uses ../shared/schemas/junit-10.xsd beside the clone when it exists', () => {
    expect(lookupJunitSchema({}, (f) => f === SHARED_JUNIT_XSD)).to.deep.equal({ found: true, file: SHARED_JUNIT_XSD });
    expect(SHARED_JUNIT_XSD).to.match(/\/shared\/schemas\/junit-10\.xsd$/);
  });

  it(`prefers ${PATH_ENV} over the shared copy`, () => {
    expect(lookupJunitSchema({ [PATH_ENV]: '/x/j.xsd' }, () => true)).to.deep.equal({ found: true, file: '/x/j.xsd' });
  });

  it('on a plain clone: not required, and the message says what was not checked', () => {
    const r = lookupJunitSchema({}, none);
    expect(r.found).to.equal(false);
    if (r.found) return;
    expect(r.required).to.equal(false);
    expect(r.message).to.contain('NOT RUN').and.contain(SHARED_JUNIT_XSD).and.contain(PATH_ENV);
  });

  it(`with ${REQUIRE_ENV}=1 (.ci/run) a missing schema is required, so the spec fails`, () => {
    const r = lookupJunitSchema({ [REQUIRE_ENV]: '1' }, none);
    expect(r.found).to.equal(false);
    if (r.found) return;
    expect(r.required).to.equal(true);
    expect(r.message).to.contain('could not run');
  });
});
