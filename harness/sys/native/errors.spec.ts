import { expect } from 'chai';
import { isSysError, type SysError } from '../errno';
import { fromNodeError } from './errors';

describe('native errors', () => {
  it('maps node fs errors by negated errno, then by code, and leaves other errors alone', () => {
    const byErrno = fromNodeError(Object.assign(new Error('x'), { errno: -13, code: 'EACCES', syscall: 'open' }), 'stat', '/p');
    expect(isSysError(byErrno, 'EACCES')).to.equal(true);
    expect((byErrno as SysError).syscall).to.equal('open');
    expect((byErrno as SysError).message).to.equal('open: EACCES (/p)');
    const byCode = fromNodeError(Object.assign(new Error('x'), { code: 'ENOTDIR' }), 'scandir', '/p');
    expect(isSysError(byCode, 'ENOTDIR')).to.equal(true);
    expect((byCode as SysError).syscall).to.equal('scandir');
    const typeError = new TypeError('bad path');
    expect(fromNodeError(typeError, 'stat', '/p')).to.equal(typeError);
  });
});
