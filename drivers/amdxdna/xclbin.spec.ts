import { expect } from 'chai';
import { AXLF_HEADER_OFFSET, parseXclbin, XclbinError } from './xclbin';
import { buildXclbin, sectionHeaderAt } from './fixtures/xclbin';

const NOP = Buffer.from('nop image');
const HANG = Buffer.from('hang image, longer');

function errorOf(bytes: Buffer): string {
  try {
    parseXclbin(bytes, '/opt/npu/t.xclbin');
  } catch (e) {
    expect(e).to.be.instanceOf(XclbinError);
    const msg = (e as Error).message;
    expect(msg).to.match(/^\/opt\/npu\/t\.xclbin: /);
    expect(msg).to.not.contain('\n');
    return msg;
  }
  return 'parsed';
}

describe('xclbin (axlf) parser', () => {
  it('a good file: each DPU CU with its name, cu_func and the PDI its kernel id selects; the partition shape', () => {
    const x = parseXclbin(
      buildXclbin([{ name: 'DPU_NOP', pdi: NOP, func: 0 }, { name: 'DPU_HANG', pdi: HANG, func: 2 }], { columnWidth: 2, opsPerCycle: 4096 }),
      'f.xclbin',
    );
    expect(x.uuid).to.equal('a5c0ffee000000000000000000000001');
    expect(x.columnWidth).to.equal(2);
    expect(x.opsPerCycle).to.equal(4096);
    expect(x.cus.map((c) => [c.name, c.func, c.kernelId, c.pdi.toString()])).to.deep.equal([
      ['DPU_NOP', 0, 1, 'nop image'],
      ['DPU_HANG', 2, 2, 'hang image, longer'],
    ]);
  });

  it('a DPU kernel whose id no cdo_group lists is left out, as XRT does; none left is an error', () => {
    const one = buildXclbin([{ name: 'A', pdi: NOP, kernelId: 5 }]);
    // Rewrite the kernel id in ip_data[0].properties (bits 27-16) to 6: no PDI lists it.
    const ipAt = Number(one.readBigUInt64LE(sectionHeaderAt(0) + 24));
    one.writeUInt32LE(((6 << 16) | 1) >>> 0, ipAt + 8 + 4);
    expect(errorOf(one)).to.contain('no DPU kernel in IP_LAYOUT has a PDI');
  });

  it('a wrong magic', () => {
    const b = buildXclbin([{ name: 'A', pdi: NOP }]);
    b.write('xclbin0', 0, 'latin1');
    expect(errorOf(b)).to.contain('not an xclbin');
    expect(errorOf(Buffer.from('xcl'))).to.contain('not an xclbin');
  });

  it('a file truncated inside the header, and one shorter than its m_length', () => {
    const b = buildXclbin([{ name: 'A', pdi: NOP }]);
    expect(errorOf(b.subarray(0, 200))).to.contain('truncated');
    expect(errorOf(b.subarray(0, b.length - 8))).to.match(/truncated: axlf_header.m_length is \d+ bytes/);
  });

  it('a section header table beyond the file', () => {
    const b = buildXclbin([{ name: 'A', pdi: NOP }]);
    b.writeUInt32LE(1000, AXLF_HEADER_OFFSET + 144);
    expect(errorOf(b)).to.contain('1000 section headers');
    b.writeUInt32LE(0x10001, AXLF_HEADER_OFFSET + 144);
    expect(errorOf(b)).to.contain('XCLBIN_MAX_NUM_SECTION');
  });

  it('a section beyond the file (offset or size)', () => {
    const b = buildXclbin([{ name: 'A', pdi: NOP }]);
    b.writeBigUInt64LE(BigInt(b.length), sectionHeaderAt(1) + 24);
    expect(errorOf(b)).to.match(/section 1 \(kind 32\) at \d+\+\d+ lies beyond the file/);
    const c = buildXclbin([{ name: 'A', pdi: NOP }]);
    c.writeBigUInt64LE(0xffffffffffffffffn, sectionHeaderAt(0) + 32);
    expect(errorOf(c)).to.contain('is beyond any file');
  });

  it('no AIE_PARTITION, no IP_LAYOUT', () => {
    expect(errorOf(buildXclbin([{ name: 'A', pdi: NOP }], { omit: ['AIE_PARTITION'] }))).to.contain('no AIE_PARTITION section');
    expect(errorOf(buildXclbin([{ name: 'A', pdi: NOP }], { omit: ['IP_LAYOUT'] }))).to.contain('no IP_LAYOUT section');
  });

  it('arrays inside AIE_PARTITION and IP_LAYOUT that point past their section', () => {
    const b = buildXclbin([{ name: 'A', pdi: NOP }]);
    const partAt = Number(b.readBigUInt64LE(sectionHeaderAt(1) + 24));
    const pdiAt = partAt + 184;
    const image = Buffer.from(b);
    image.writeUInt32LE(1 << 20, pdiAt + 16); // pdi_image.size past the section
    expect(errorOf(image)).to.match(/AIE_PARTITION truncated: aie_pdi\[0\]\.pdi_image/);
    const pdis = Buffer.from(b);
    pdis.writeUInt32LE(1000, partAt + 120); // aie_pdi.size
    expect(errorOf(pdis)).to.contain('1000 aie_pdi entries');
    const ids = Buffer.from(b);
    const groupAt = partAt + ids.readUInt32LE(pdiAt + 28);
    ids.writeUInt32LE(0xffff, groupAt + 20); // dpu_kernel_ids.offset
    expect(errorOf(ids)).to.contain('dpu_kernel_ids');
    const ips = Buffer.from(b);
    const ipAt = Number(b.readBigUInt64LE(sectionHeaderAt(0) + 24));
    ips.writeInt32LE(2, ipAt);
    expect(errorOf(ips)).to.contain('IP_LAYOUT truncated: 2 ip_data entries');
    ips.writeInt32LE(-1, ipAt);
    expect(errorOf(ips)).to.contain('IP_LAYOUT: m_count -1');
    const big = Buffer.from(b);
    big.writeUInt32LE(0x9000000, pdiAt + 16);
    expect(errorOf(big)).to.contain('PDI_IMAGE_MAX_SIZE');
  });

  it('a partition of zero columns', () => {
    expect(errorOf(buildXclbin([{ name: 'A', pdi: NOP }], { columnWidth: 0 }))).to.contain('column_width is 0');
  });
});
