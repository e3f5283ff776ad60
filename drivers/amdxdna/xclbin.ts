/**
 * A bounds-checked reader of the xclbin ("axlf") container, for what an
 * amdxdna hardware context needs from it: the DPU compute units with the PDI
 * each runs and its function (CONFIG_CU), the partition's column width and
 * operations per cycle (CREATE_HWCTX).
 *
 * Layout facts from Xilinx/XRT src/runtime_src/core/include/xclbin.h:
 * - struct axlf: m_magic "xclbin2\0" (8), m_signature_length (4), reserved
 *   (28), m_keyBlock (256), m_uniqueId (8), then struct axlf_header at 304
 *   (152 bytes: m_length at 0, uuid at 112, m_numSections at 144), then
 *   m_numSections struct axlf_section_header (40 bytes: m_sectionKind at 0,
 *   m_sectionName[16] at 4, m_sectionOffset at 24, m_sectionSize at 32, both
 *   from the start of the file). XCLBIN_MAX_NUM_SECTION is 0x10000.
 * - IP_LAYOUT (kind 8): struct ip_layout, m_count then struct ip_data (80
 *   bytes) from offset 8: m_type at 0, properties at 4, m_base_address at 8,
 *   m_name[64] at 16. For IP_PS_KERNEL (7) the properties word is the
 *   ps_kernel bitfield: m_subtype bits 1-0 (ST_DPU = 1), m_functional bits
 *   5-4, m_kernel_id bits 27-16.
 * - AIE_PARTITION (kind 32): struct aie_partition (184 bytes):
 *   operations_per_cycle at 8, info.column_width at 32, aie_pdi (struct
 *   array_offset: size, offset) at 120. struct aie_pdi (96): uuid at 0,
 *   pdi_image at 16, cdo_groups at 24. struct cdo_group (96): dpu_kernel_ids
 *   (uint64 each) at 16. Every array_offset counts from the section's start.
 *   PDI_IMAGE_MAX_SIZE is 32 KiB * 64 * 64.
 *
 * Which PDI a CU runs is XRT's rule for amdxdna (amd/xdna-driver
 * src/shim/hwctx.cpp, parse_xclbin and get_pdi): every IP_PS_KERNEL of
 * subtype ST_DPU in IP_LAYOUT is a CU, named m_name, with cu_func
 * m_functional, running the first aie_pdi one of whose cdo_groups lists its
 * m_kernel_id; a DPU kernel no PDI lists is left out, and no CU at all is an
 * error. The context spans column_width columns (num_tiles = columns * core
 * rows) with max_opc = operations_per_cycle (create_ctx_on_device).
 */

export const XCLBIN_MAGIC = 'xclbin2\0';
export const AXLF_HEADER_OFFSET = 304;
export const AXLF_HEADER_SIZE = 152;
export const AXLF_SECTION_HEADER_SIZE = 40;
export const XCLBIN_MAX_NUM_SECTION = 0x10000;
export const IP_LAYOUT = 8;
export const AIE_PARTITION = 32;
export const IP_PS_KERNEL = 7;
export const ST_DPU = 1;
export const IP_DATA_SIZE = 80;
export const AIE_PARTITION_SIZE = 184;
export const AIE_PDI_SIZE = 96;
export const CDO_GROUP_SIZE = 96;
export const PDI_IMAGE_MAX_SIZE = 32 * 1024 * 64 * 64;

export interface XclbinCu {
  /** ip_data.m_name: the name XRT opens the CU by. */
  readonly name: string;
  /** ps_kernel.m_functional: CONFIG_CU's cu_func. */
  readonly func: number;
  readonly kernelId: number;
  /** The PDI image the CU runs. */
  readonly pdi: Buffer;
}

export interface Xclbin {
  /** axlf_header.uuid, as 32 hex digits. */
  readonly uuid: string;
  readonly columnWidth: number;
  readonly opsPerCycle: number;
  /** The DPU CUs in IP_LAYOUT order (at least one): CU index i of CONFIG_CU is cus[i]. */
  readonly cus: readonly [XclbinCu, ...XclbinCu[]];
}

/** A file that is not a usable xclbin; the message is one line and names the file. */
export class XclbinError extends Error {
  constructor(file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = 'XclbinError';
  }
}

interface Section {
  readonly kind: number;
  readonly offset: number;
  readonly size: number;
}

/** Reads inside one window of the file; anything beyond it is an error naming `what`. */
class Window {
  constructor(
    private readonly bytes: Buffer,
    private readonly file: string,
    private readonly what: string,
  ) {}

  need(at: number, len: number, field: string): void {
    if (at < 0 || len < 0 || at + len > this.bytes.length) {
      throw new XclbinError(this.file, `${this.what} truncated: ${field} needs bytes ${at}..${at + len} of ${this.bytes.length}`);
    }
  }

  u8(at: number, field: string): number {
    this.need(at, 1, field);
    return this.bytes.readUInt8(at);
  }

  u16(at: number, field: string): number {
    this.need(at, 2, field);
    return this.bytes.readUInt16LE(at);
  }

  u32(at: number, field: string): number {
    this.need(at, 4, field);
    return this.bytes.readUInt32LE(at);
  }

  i32(at: number, field: string): number {
    this.need(at, 4, field);
    return this.bytes.readInt32LE(at);
  }

  /** A 64-bit field that must fit a JavaScript number (an offset or size within a file). */
  u64(at: number, field: string): number {
    this.need(at, 8, field);
    const v = this.bytes.readBigUInt64LE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new XclbinError(this.file, `${this.what}: ${field} ${v} is beyond any file`);
    return Number(v);
  }

  slice(at: number, len: number, field: string): Buffer {
    this.need(at, len, field);
    return this.bytes.subarray(at, at + len);
  }

  /** A NUL-terminated string in a fixed field. */
  cstring(at: number, len: number, field: string): string {
    const raw = this.slice(at, len, field);
    const end = raw.indexOf(0);
    return raw.subarray(0, end < 0 ? raw.length : end).toString('latin1');
  }
}

function readSections(file: string, top: Window, fileSize: number): Section[] {
  const count = top.u32(AXLF_HEADER_OFFSET + 144, 'axlf_header.m_numSections');
  if (count > XCLBIN_MAX_NUM_SECTION) throw new XclbinError(file, `${count} sections (XCLBIN_MAX_NUM_SECTION is ${XCLBIN_MAX_NUM_SECTION})`);
  const first = AXLF_HEADER_OFFSET + AXLF_HEADER_SIZE;
  top.need(first, count * AXLF_SECTION_HEADER_SIZE, `${count} section headers`);
  const out: Section[] = [];
  for (let i = 0; i < count; i++) {
    const at = first + i * AXLF_SECTION_HEADER_SIZE;
    const kind = top.u32(at, `section ${i} kind`);
    const offset = top.u64(at + 24, `section ${i} offset`);
    const size = top.u64(at + 32, `section ${i} size`);
    if (offset + size > fileSize) {
      throw new XclbinError(file, `section ${i} (kind ${kind}) at ${offset}+${size} lies beyond the file's ${fileSize} bytes`);
    }
    out.push({ kind, offset, size });
  }
  return out;
}

interface PdiEntry {
  readonly image: Buffer;
  readonly kernelIds: ReadonlySet<number>;
}

function readPartition(file: string, s: Window): { columnWidth: number; opsPerCycle: number; pdis: PdiEntry[] } {
  s.need(0, AIE_PARTITION_SIZE, 'struct aie_partition');
  const opsPerCycle = s.u32(8, 'operations_per_cycle');
  const columnWidth = s.u16(32, 'info.column_width');
  if (columnWidth === 0) throw new XclbinError(file, 'AIE_PARTITION: info.column_width is 0');
  const pdiCount = s.u32(120, 'aie_pdi.size');
  const pdiAt = s.u32(124, 'aie_pdi.offset');
  s.need(pdiAt, pdiCount * AIE_PDI_SIZE, `${pdiCount} aie_pdi entries`);
  const pdis: PdiEntry[] = [];
  for (let i = 0; i < pdiCount; i++) {
    const at = pdiAt + i * AIE_PDI_SIZE;
    const imageSize = s.u32(at + 16, `aie_pdi[${i}].pdi_image.size`);
    if (imageSize > PDI_IMAGE_MAX_SIZE) throw new XclbinError(file, `aie_pdi[${i}]: PDI image of ${imageSize} bytes (PDI_IMAGE_MAX_SIZE is ${PDI_IMAGE_MAX_SIZE})`);
    const image = s.slice(s.u32(at + 20, `aie_pdi[${i}].pdi_image.offset`), imageSize, `aie_pdi[${i}].pdi_image`);
    const groups = s.u32(at + 24, `aie_pdi[${i}].cdo_groups.size`);
    const groupsAt = s.u32(at + 28, `aie_pdi[${i}].cdo_groups.offset`);
    s.need(groupsAt, groups * CDO_GROUP_SIZE, `aie_pdi[${i}]: ${groups} cdo_groups`);
    const kernelIds = new Set<number>();
    for (let g = 0; g < groups; g++) {
      const gAt = groupsAt + g * CDO_GROUP_SIZE;
      const ids = s.u32(gAt + 16, `aie_pdi[${i}].cdo_groups[${g}].dpu_kernel_ids.size`);
      const idsAt = s.u32(gAt + 20, `aie_pdi[${i}].cdo_groups[${g}].dpu_kernel_ids.offset`);
      s.need(idsAt, ids * 8, `aie_pdi[${i}].cdo_groups[${g}]: ${ids} dpu_kernel_ids`);
      // XRT compares the uint64 id with the 12-bit m_kernel_id; ids above 0xfff match no CU.
      for (let k = 0; k < ids; k++) {
        const id = s.slice(idsAt + 8 * k, 8, 'dpu_kernel_id').readBigUInt64LE(0);
        if (id <= 0xfffn) kernelIds.add(Number(id));
      }
    }
    pdis.push({ image, kernelIds });
  }
  return { columnWidth, opsPerCycle, pdis };
}

interface DpuKernel {
  readonly name: string;
  readonly func: number;
  readonly kernelId: number;
}

function readDpuKernels(file: string, s: Window): DpuKernel[] {
  const count = s.i32(0, 'ip_layout.m_count');
  if (count < 0) throw new XclbinError(file, `IP_LAYOUT: m_count ${count}`);
  s.need(8, count * IP_DATA_SIZE, `${count} ip_data entries`);
  const out: DpuKernel[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * IP_DATA_SIZE;
    const props = s.u32(at + 4, `ip_data[${i}].properties`);
    if (s.u32(at, `ip_data[${i}].m_type`) !== IP_PS_KERNEL || (props & 0x3) !== ST_DPU) continue;
    out.push({ name: s.cstring(at + 16, 64, `ip_data[${i}].m_name`), func: (props >>> 4) & 0x3, kernelId: (props >>> 16) & 0xfff });
  }
  return out;
}

/** Parses `bytes`, the contents of `file`; throws XclbinError on anything it cannot use. */
export function parseXclbin(bytes: Buffer, file: string): Xclbin {
  const top = new Window(bytes, file, 'the file');
  if (bytes.length < XCLBIN_MAGIC.length || bytes.toString('latin1', 0, XCLBIN_MAGIC.length) !== XCLBIN_MAGIC) {
    throw new XclbinError(file, 'not an xclbin (no "xclbin2" magic)');
  }
  top.need(0, AXLF_HEADER_OFFSET + AXLF_HEADER_SIZE, 'struct axlf');
  const length = top.u64(AXLF_HEADER_OFFSET, 'axlf_header.m_length');
  if (length > bytes.length) throw new XclbinError(file, `truncated: axlf_header.m_length is ${length} bytes, the file ${bytes.length}`);
  const uuid = top.slice(AXLF_HEADER_OFFSET + 112, 16, 'axlf_header.uuid').toString('hex');
  const sections = readSections(file, top, length);
  const section = (kind: number, name: string): Window | null => {
    const s = sections.find((x) => x.kind === kind);
    return s ? new Window(bytes.subarray(s.offset, s.offset + s.size), file, name) : null;
  };
  const partitionWindow = section(AIE_PARTITION, 'AIE_PARTITION');
  if (!partitionWindow) throw new XclbinError(file, 'no AIE_PARTITION section (not an xclbin for an AIE2 NPU)');
  const ipWindow = section(IP_LAYOUT, 'IP_LAYOUT');
  if (!ipWindow) throw new XclbinError(file, 'no IP_LAYOUT section (no kernels)');
  const partition = readPartition(file, partitionWindow);
  const cus: XclbinCu[] = [];
  for (const k of readDpuKernels(file, ipWindow)) {
    const pdi = partition.pdis.find((p) => p.kernelIds.has(k.kernelId));
    if (pdi) cus.push({ name: k.name, func: k.func, kernelId: k.kernelId, pdi: pdi.image });
  }
  const [first, ...rest] = cus;
  if (!first) throw new XclbinError(file, 'no DPU kernel in IP_LAYOUT has a PDI in AIE_PARTITION');
  return { uuid, columnWidth: partition.columnWidth, opsPerCycle: partition.opsPerCycle, cus: [first, ...rest] };
}
