/**
 * TypeScript mirror of include/uapi/drm/habanalabs_accel.h (Habana Goya,
 * Gaudi, Gaudi2: drivers/accel/habanalabs). Declared once; sizes, offsets and
 * request numbers were checked against the header with a C program.
 *
 * Versions: the header of linux-libc-dev 6.12.117 and of 7.3.4 are
 * byte-identical (diff empty), so one declaration serves both.
 *
 * Unions: the header passes `union hl_*_args { struct hl_*_in in; struct
 * hl_*_out out; }` to four ioctls. The in/out structs are declared as structs
 * (listed in HABANALABS_UAPI.structs for the C layout check); the unions are
 * declared with `union()` below, only for their size in the request number,
 * and are not listed (C spells them `union`, not `struct`). Anonymous unions
 * inside a struct are declared as their widest member, named as C names it
 * (offsetof works on a member of an anonymous union); the other members alias
 * the same bytes, as the comment at each says.
 */
import { drmDriverIoctl } from '../../harness/uapi/drm';
import type { UapiHeader } from '../../harness/uapi/header';
import type { IoctlDecl } from '../../harness/uapi/ioctl';
import { array, s64, struct, u16, u32, u64, u8, type FieldType, type StructLayout } from '../../harness/uapi/layout';

/* ---- INFO opcodes (hl_info_args.op) ---- */
export const HL_INFO_HW_IP_INFO = 0;
export const HL_INFO_HW_EVENTS = 1;
export const HL_INFO_DRAM_USAGE = 2;
export const HL_INFO_HW_IDLE = 3;
export const HL_INFO_DEVICE_STATUS = 4;
export const HL_INFO_DEVICE_UTILIZATION = 6;
export const HL_INFO_HW_EVENTS_AGGREGATE = 7;
export const HL_INFO_CLK_RATE = 8;
export const HL_INFO_RESET_COUNT = 9;
export const HL_INFO_TIME_SYNC = 10;
export const HL_INFO_CS_COUNTERS = 11;
export const HL_INFO_PCI_COUNTERS = 12;
export const HL_INFO_CLK_THROTTLE_REASON = 13;
export const HL_INFO_SYNC_MANAGER = 14;
export const HL_INFO_TOTAL_ENERGY = 15;
export const HL_INFO_PLL_FREQUENCY = 16;
export const HL_INFO_POWER = 17;
export const HL_INFO_OPEN_STATS = 18;
export const HL_INFO_DRAM_REPLACED_ROWS = 21;
export const HL_INFO_DRAM_PENDING_ROWS = 22;
export const HL_INFO_LAST_ERR_OPEN_DEV_TIME = 23;
export const HL_INFO_CS_TIMEOUT_EVENT = 24;
export const HL_INFO_RAZWI_EVENT = 25;
export const HL_INFO_DEV_MEM_ALLOC_PAGE_SIZES = 26;
export const HL_INFO_SECURED_ATTESTATION = 27;
export const HL_INFO_REGISTER_EVENTFD = 28;
export const HL_INFO_UNREGISTER_EVENTFD = 29;
export const HL_INFO_GET_EVENTS = 30;
export const HL_INFO_UNDEFINED_OPCODE_EVENT = 31;
export const HL_INFO_ENGINE_STATUS = 32;
export const HL_INFO_PAGE_FAULT_EVENT = 33;
export const HL_INFO_USER_MAPPINGS = 34;
export const HL_INFO_FW_GENERIC_REQ = 35;
export const HL_INFO_HW_ERR_EVENT = 36;
export const HL_INFO_FW_ERR_EVENT = 37;
export const HL_INFO_USER_ENGINE_ERR_EVENT = 38;
export const HL_INFO_DEV_SIGNED = 40;

export const HL_INFO_VERSION_MAX_LEN = 128;
export const HL_INFO_CARD_NAME_MAX_LEN = 16;
export const HL_BUSY_ENGINES_MASK_EXT_SIZE = 4;
export const HL_CLK_THROTTLE_TYPE_MAX = 2;
export const HL_PLL_NUM_OUTPUTS = 4;
export const HL_RAZWI_MAX_NUM_OF_ENGINES_PER_RTR = 128;
export const MAX_QMAN_STREAMS_INFO = 4;
export const OPCODE_INFO_MAX_ADDR_SIZE = 8;
export const SEC_PCR_DATA_BUF_SZ = 256;
export const SEC_PCR_QUOTE_BUF_SZ = 510;
export const SEC_SIGNATURE_BUF_SZ = 255;
export const SEC_PUB_DATA_BUF_SZ = 510;
export const SEC_CERTIFICATE_BUF_SZ = 2046;
export const SEC_DEV_INFO_BUF_SZ = 5120;

/** enum hl_device_status. */
export const HL_DEVICE_STATUS_OPERATIONAL = 0;
export const HL_DEVICE_STATUS_IN_RESET = 1;
export const HL_DEVICE_STATUS_MALFUNCTION = 2;
export const HL_DEVICE_STATUS_NEEDS_RESET = 3;
export const HL_DEVICE_STATUS_IN_DEVICE_CREATION = 4;
export const HL_DEVICE_STATUS_IN_RESET_AFTER_DEVICE_RELEASE = 5;

/** HL_NOTIFIER_EVENT_* (u64 bits reported by HL_INFO_GET_EVENTS). */
export const HL_NOTIFIER_EVENT_DEVICE_RESET = 1n << 2n;
export const HL_NOTIFIER_EVENT_CS_TIMEOUT = 1n << 3n;

export const hl_info_hw_ip_info = struct('hl_info_hw_ip_info', {
  sram_base_address: u64,
  dram_base_address: u64,
  dram_size: u64,
  sram_size: u32,
  num_of_events: u32,
  device_id: u32,
  module_id: u32,
  decoder_enabled_mask: u32,
  first_available_interrupt_id: u16,
  server_type: u16,
  cpld_version: u32,
  psoc_pci_pll_nr: u32,
  psoc_pci_pll_nf: u32,
  psoc_pci_pll_od: u32,
  psoc_pci_pll_div_factor: u32,
  tpc_enabled_mask: u8,
  dram_enabled: u8,
  security_enabled: u8,
  mme_master_slave_mode: u8,
  cpucp_version: array(u8, HL_INFO_VERSION_MAX_LEN),
  card_name: array(u8, HL_INFO_CARD_NAME_MAX_LEN),
  tpc_enabled_mask_ext: u64,
  dram_page_size: u64,
  edma_enabled_mask: u32,
  number_of_user_interrupts: u16,
  reserved1: u8,
  reserved2: u8,
  reserved3: u64,
  device_mem_alloc_default_page_size: u64,
  reserved4: u64,
  reserved5: u64,
  reserved6: u32,
  reserved7: u8,
  revision_id: u8,
  tpc_interrupt_id: u16,
  rotator_enabled_mask: u32,
  reserved9: u32,
  engine_core_interrupt_reg_addr: u64,
  reserved_dram_size: u64,
});
export const hl_info_dram_usage = struct('hl_info_dram_usage', { dram_free_mem: u64, ctx_dram_mem: u64 });
export const hl_info_hw_idle = struct('hl_info_hw_idle', {
  is_idle: u32,
  busy_engines_mask: u32,
  busy_engines_mask_ext: array(u64, HL_BUSY_ENGINES_MASK_EXT_SIZE),
});
export const hl_info_device_status = struct('hl_info_device_status', { status: u32, pad: u32 });
export const hl_info_device_utilization = struct('hl_info_device_utilization', { utilization: u32, pad: u32 });
export const hl_info_clk_rate = struct('hl_info_clk_rate', { cur_clk_rate_mhz: u32, max_clk_rate_mhz: u32 });
export const hl_info_reset_count = struct('hl_info_reset_count', { hard_reset_cnt: u32, soft_reset_cnt: u32 });
export const hl_info_time_sync = struct('hl_info_time_sync', { device_time: u64, host_time: u64, tsc_time: u64 });
export const hl_info_pci_counters = struct('hl_info_pci_counters', { rx_throughput: u64, tx_throughput: u64, replay_cnt: u64 });
export const hl_info_clk_throttle = struct('hl_info_clk_throttle', {
  clk_throttling_reason: u32,
  pad: u32,
  clk_throttling_timestamp_us: array(u64, HL_CLK_THROTTLE_TYPE_MAX),
  clk_throttling_duration_ns: array(u64, HL_CLK_THROTTLE_TYPE_MAX),
});
export const hl_info_energy = struct('hl_info_energy', { total_energy_consumption: u64 });
export const hl_pll_frequency_info = struct('hl_pll_frequency_info', { output: array(u16, HL_PLL_NUM_OUTPUTS) });
export const hl_open_stats_info = struct('hl_open_stats_info', {
  open_counter: u64,
  last_open_period_ms: u64,
  is_compute_ctx_active: u8,
  compute_ctx_in_release: u8,
  pad: array(u8, 6),
});
export const hl_power_info = struct('hl_power_info', { power: u64 });
export const hl_info_sync_manager = struct('hl_info_sync_manager', {
  first_available_sync_object: u32,
  first_available_monitor: u32,
  first_available_cq: u32,
  reserved: u32,
});
export const hl_info_cs_counters = struct('hl_info_cs_counters', {
  total_out_of_mem_drop_cnt: u64,
  ctx_out_of_mem_drop_cnt: u64,
  total_parsing_drop_cnt: u64,
  ctx_parsing_drop_cnt: u64,
  total_queue_full_drop_cnt: u64,
  ctx_queue_full_drop_cnt: u64,
  total_device_in_reset_drop_cnt: u64,
  ctx_device_in_reset_drop_cnt: u64,
  total_max_cs_in_flight_drop_cnt: u64,
  ctx_max_cs_in_flight_drop_cnt: u64,
  total_validation_drop_cnt: u64,
  ctx_validation_drop_cnt: u64,
});
export const hl_info_last_err_open_dev_time = struct('hl_info_last_err_open_dev_time', { timestamp: s64 });
export const hl_info_cs_timeout_event = struct('hl_info_cs_timeout_event', { timestamp: s64, seq: u64 });
export const hl_info_razwi_event = struct('hl_info_razwi_event', {
  timestamp: s64,
  addr: u64,
  engine_id: array(u16, HL_RAZWI_MAX_NUM_OF_ENGINES_PER_RTR),
  num_of_possible_engines: u16,
  flags: u8,
  pad: array(u8, 5),
});
export const hl_info_undefined_opcode_event = struct('hl_info_undefined_opcode_event', {
  timestamp: s64,
  cb_addr_streams: array(array(u64, OPCODE_INFO_MAX_ADDR_SIZE), MAX_QMAN_STREAMS_INFO),
  cq_addr: u64,
  cq_size: u32,
  cb_addr_streams_len: u32,
  engine_id: u32,
  stream_id: u32,
});
export const hl_info_hw_err_event = struct('hl_info_hw_err_event', { timestamp: s64, event_id: u16, pad: array(u16, 3) });
export const hl_info_fw_err_event = struct('hl_info_fw_err_event', { timestamp: s64, err_type: u16, event_id: u16, pad: u32 });
export const hl_info_engine_err_event = struct('hl_info_engine_err_event', {
  timestamp: s64,
  engine_id: u16,
  error_count: u16,
  pad: u32,
});
export const hl_info_dev_memalloc_page_sizes = struct('hl_info_dev_memalloc_page_sizes', { page_order_bitmask: u64 });
export const hl_info_sec_attest = struct('hl_info_sec_attest', {
  nonce: u32,
  pcr_quote_len: u16,
  pub_data_len: u16,
  certificate_len: u16,
  pcr_num_reg: u8,
  pcr_reg_len: u8,
  quote_sig_len: u8,
  pcr_data: array(u8, SEC_PCR_DATA_BUF_SZ),
  pcr_quote: array(u8, SEC_PCR_QUOTE_BUF_SZ),
  quote_sig: array(u8, SEC_SIGNATURE_BUF_SZ),
  public_data: array(u8, SEC_PUB_DATA_BUF_SZ),
  certificate: array(u8, SEC_CERTIFICATE_BUF_SZ),
  pad0: array(u8, 2),
});
export const hl_info_signed = struct('hl_info_signed', {
  nonce: u32,
  pub_data_len: u16,
  certificate_len: u16,
  info_sig_len: u8,
  public_data: array(u8, SEC_PUB_DATA_BUF_SZ),
  certificate: array(u8, SEC_CERTIFICATE_BUF_SZ),
  info_sig: array(u8, SEC_SIGNATURE_BUF_SZ),
  dev_info_len: u16,
  dev_info: array(u8, SEC_DEV_INFO_BUF_SZ),
  pad: array(u8, 2),
});
export const hl_page_fault_info = struct('hl_page_fault_info', { timestamp: s64, addr: u64, engine_id: u16, pad: array(u8, 6) });
export const hl_user_mapping = struct('hl_user_mapping', { dev_va: u64, size: u64 });

/**
 * struct hl_info_args. `dcore_id` is the first member of an anonymous union
 * of u32s (ctx_id, period_ms, pll_index, eventfd, user_buffer_actual_size,
 * sec_attest_nonce, array_size, fw_sub_opcode): one word, whichever name.
 */
export const hl_info_args = struct('hl_info_args', { return_pointer: u64, return_size: u32, op: u32, dcore_id: u32, pad: u32 });

/* ---- CB ---- */
export const HL_CB_OP_CREATE = 0;
export const HL_CB_OP_DESTROY = 1;
export const HL_CB_OP_INFO = 2;
/** 2MB minus 32 bytes for 2xMSG_PROT. */
export const HL_MAX_CB_SIZE = 0x200000 - 32;
export const HL_CB_FLAGS_MAP = 0x1;
export const HL_CB_FLAGS_GET_DEVICE_VA = 0x2;

export const hl_cb_in = struct('hl_cb_in', { cb_handle: u64, op: u32, cb_size: u32, ctx_id: u32, flags: u32 });
/** `cb_handle` aliases `device_va` and the {usage_cnt, pad} pair (usage_cnt: low word). */
export const hl_cb_out = struct('hl_cb_out', { cb_handle: u64 });

/* ---- CS ---- */
export const HL_CS_CHUNK_FLAGS_USER_ALLOC_CB = 0x1;
/** `cb_handle` aliases signal_seq_arr and encaps_signal_seq; `cb_size` aliases num_signal_seq_arr and encaps_signal_offset. */
export const hl_cs_chunk = struct('hl_cs_chunk', {
  cb_handle: u64,
  queue_index: u32,
  cb_size: u32,
  cs_chunk_flags: u32,
  collective_engine_id: u32,
  pad: array(u32, 10),
});

export const HL_CS_FLAGS_FORCE_RESTORE = 0x1;
export const HL_CS_FLAGS_SIGNAL = 0x2;
export const HL_CS_FLAGS_WAIT = 0x4;
export const HL_CS_FLAGS_COLLECTIVE_WAIT = 0x8;
export const HL_CS_FLAGS_TIMESTAMP = 0x20;
export const HL_CS_FLAGS_STAGED_SUBMISSION = 0x40;
export const HL_CS_FLAGS_STAGED_SUBMISSION_FIRST = 0x80;
export const HL_CS_FLAGS_STAGED_SUBMISSION_LAST = 0x100;
export const HL_CS_FLAGS_CUSTOM_TIMEOUT = 0x200;
export const HL_CS_FLAGS_SKIP_RESET_ON_TIMEOUT = 0x400;
export const HL_CS_FLAGS_ENCAP_SIGNALS = 0x800;
export const HL_CS_FLAGS_RESERVE_SIGNALS_ONLY = 0x1000;
export const HL_CS_FLAGS_UNRESERVE_SIGNALS_ONLY = 0x2000;
export const HL_CS_FLAGS_ENGINE_CORE_COMMAND = 0x4000;
export const HL_CS_FLAGS_FLUSH_PCI_HBW_WRITES = 0x8000;
export const HL_CS_FLAGS_ENGINES_COMMAND = 0x10000;
export const HL_CS_STATUS_SUCCESS = 0;
export const HL_MAX_JOBS_PER_CS = 512;

/**
 * struct hl_cs_in. chunks_restore/chunks_execute alias engine_cores
 * (+num_engine_cores, core_command) and engines (+num_engines,
 * engine_command); `seq` aliases encaps_sig_handle_id and the
 * {encaps_signals_count, encaps_signals_q_idx} pair.
 */
export const hl_cs_in = struct('hl_cs_in', {
  chunks_restore: u64,
  chunks_execute: u64,
  seq: u64,
  num_chunks_restore: u32,
  num_chunks_execute: u32,
  timeout: u32,
  cs_flags: u32,
  ctx_id: u32,
  pad: array(u8, 4),
});
/** `seq` aliases the {handle_id, count} pair of RESERVE_SIGNALS_ONLY. */
export const hl_cs_out = struct('hl_cs_out', {
  seq: u64,
  status: u32,
  sob_base_addr_offset: u32,
  sob_count_before_submission: u16,
  pad: array(u16, 3),
});

/* ---- WAIT_CS ---- */
export const HL_WAIT_CS_FLAGS_INTERRUPT = 0x2;
export const HL_WAIT_CS_FLAGS_INTERRUPT_MASK = 0xfff00000;
export const HL_WAIT_CS_FLAGS_ANY_CQ_INTERRUPT = 0xfff00000;
export const HL_WAIT_CS_FLAGS_ANY_DEC_INTERRUPT = 0xffe00000;
export const HL_WAIT_CS_FLAGS_MULTI_CS = 0x4;
export const HL_WAIT_CS_FLAGS_INTERRUPT_KERNEL_CQ = 0x10;
export const HL_WAIT_CS_FLAGS_REGISTER_INTERRUPT = 0x20;
export const HL_WAIT_MULTI_CS_LIST_MAX_LEN = 32;

/**
 * struct hl_wait_cs_in. seq/timeout_us alias addr (or cq_counters_handle)
 * and target of the interrupt wait; `interrupt_timeout_us` aliases
 * {seq_arr_len (its low byte), pad[7]} of the multi-CS wait.
 */
export const hl_wait_cs_in = struct('hl_wait_cs_in', {
  seq: u64,
  timeout_us: u64,
  ctx_id: u32,
  flags: u32,
  interrupt_timeout_us: u64,
  cq_counters_offset: u64,
  timestamp_handle: u64,
  timestamp_offset: u64,
});
export const HL_WAIT_CS_STATUS_COMPLETED = 0;
export const HL_WAIT_CS_STATUS_BUSY = 1;
export const HL_WAIT_CS_STATUS_TIMEDOUT = 2;
export const HL_WAIT_CS_STATUS_ABORTED = 3;
export const HL_WAIT_CS_STATUS_FLAG_GONE = 0x1;
export const HL_WAIT_CS_STATUS_FLAG_TIMESTAMP_VLD = 0x2;
export const hl_wait_cs_out = struct('hl_wait_cs_out', { status: u32, flags: u32, timestamp_nsec: s64, cs_completion_map: u32, pad: u32 });

/* ---- MEMORY ---- */
export const HL_MEM_OP_ALLOC = 0;
export const HL_MEM_OP_FREE = 1;
export const HL_MEM_OP_MAP = 2;
export const HL_MEM_OP_UNMAP = 3;
export const HL_MEM_OP_MAP_BLOCK = 4;
export const HL_MEM_OP_EXPORT_DMABUF_FD = 5;
export const HL_MEM_OP_TS_ALLOC = 6;
export const HL_MEM_CONTIGUOUS = 0x1;
export const HL_MEM_SHARED = 0x2;
export const HL_MEM_USERPTR = 0x4;
export const HL_MEM_FORCE_HINT = 0x8;
export const HL_MEM_PREFETCH = 0x40;

/**
 * struct hl_mem_in. Its first member is an anonymous union of per-op
 * structs (alloc {mem_size, page_size}, free {handle}, map_device {hint_addr,
 * handle}, map_host {host_virt_addr, hint_addr, mem_size}, map_block
 * {block_addr}, unmap {device_virt_addr}, export_dmabuf_fd {addr, mem_size,
 * offset}): declared as export_dmabuf_fd, one of the two widest (24 bytes).
 * Use memIn() to fill it per op.
 */
const hl_mem_in_export_dmabuf_fd = struct('hl_mem_in_export_dmabuf_fd', { addr: u64, mem_size: u64, offset: u64 });
export const hl_mem_in = struct('hl_mem_in', {
  // A nested struct member: typed loosely (read its words with memIn / readBigUInt64LE).
  export_dmabuf_fd: hl_mem_in_export_dmabuf_fd as unknown as FieldType<unknown>,
  op: u32,
  flags: u32,
  ctx_id: u32,
  num_of_elements: u32,
});
/**
 * struct hl_mem_out: device_virt_addr, handle, block_handle and `__s32 fd`
 * all start at offset 0 (`handle` here); block_size and pad follow the
 * block handle.
 */
export const hl_mem_out = struct('hl_mem_out', { handle: u64, block_size: u32, pad: u32 });

/** The three words of hl_mem_in's leading union, in the order the op's struct names them. */
export function memIn(op: number, words: readonly bigint[], flags = 0, extra: { ctx_id?: number; num_of_elements?: number } = {}): Buffer {
  const buf = Buffer.alloc(HL_MEM_ARGS_SIZE);
  words.slice(0, 3).forEach((w, i) => buf.writeBigUInt64LE(BigInt.asUintN(64, w), i * 8));
  buf.writeUInt32LE(op >>> 0, hl_mem_in.offsets.op);
  buf.writeUInt32LE(flags >>> 0, hl_mem_in.offsets.flags);
  buf.writeUInt32LE((extra.ctx_id ?? 0) >>> 0, hl_mem_in.offsets.ctx_id);
  buf.writeUInt32LE((extra.num_of_elements ?? 0) >>> 0, hl_mem_in.offsets.num_of_elements);
  return buf;
}

/* ---- DEBUG ---- */
export const HL_DEBUG_MAX_AUX_VALUES = 10;
export const hl_debug_params_etr = struct('hl_debug_params_etr', { buffer_address: u64, buffer_size: u64, sink_mode: u32, pad: u32 });
export const hl_debug_params_etf = struct('hl_debug_params_etf', { buffer_address: u64, buffer_size: u64, sink_mode: u32, pad: u32 });
export const hl_debug_params_stm = struct('hl_debug_params_stm', { he_mask: u64, sp_mask: u64, id: u32, frequency: u32 });
export const hl_debug_params_bmon = struct('hl_debug_params_bmon', {
  start_addr0: u64,
  addr_mask0: u64,
  start_addr1: u64,
  addr_mask1: u64,
  bw_win: u32,
  win_capture: u32,
  id: u32,
  control: u32,
  start_addr2: u64,
  end_addr2: u64,
  start_addr3: u64,
  end_addr3: u64,
});
export const hl_debug_params_spmu = struct('hl_debug_params_spmu', {
  event_types: array(u64, HL_DEBUG_MAX_AUX_VALUES),
  event_types_num: u32,
  pmtrc_val: u32,
  trc_ctrl_host_val: u32,
  trc_en_host_val: u32,
});
export const HL_DEBUG_OP_ETR = 0;
export const HL_DEBUG_OP_ETF = 1;
export const HL_DEBUG_OP_STM = 2;
export const HL_DEBUG_OP_FUNNEL = 3;
export const HL_DEBUG_OP_BMON = 4;
export const HL_DEBUG_OP_SPMU = 5;
export const HL_DEBUG_OP_TIMESTAMP = 6;
export const HL_DEBUG_OP_SET_MODE = 7;
export const hl_debug_args = struct('hl_debug_args', {
  input_ptr: u64,
  output_ptr: u64,
  input_size: u32,
  output_size: u32,
  op: u32,
  reg_idx: u32,
  enable: u32,
  ctx_id: u32,
});

/* ---- the unions, for their size only (see the file comment) ---- */
type Sized = { readonly size: number; readonly name: string };
/** `union name { members }`: as large as its largest member, rounded up to the widest alignment. */
function union(name: string, members: readonly { readonly size: number; readonly align: number }[]): Sized {
  const align = Math.max(...members.map((m) => m.align));
  const size = Math.ceil(Math.max(...members.map((m) => m.size)) / align) * align;
  return { name, size };
}
export const hl_cb_args = union('hl_cb_args', [hl_cb_in, hl_cb_out]);
export const hl_cs_args = union('hl_cs_args', [hl_cs_in, hl_cs_out]);
export const hl_wait_cs_args = union('hl_wait_cs_args', [hl_wait_cs_in, hl_wait_cs_out]);
export const hl_mem_args = union('hl_mem_args', [hl_mem_in, hl_mem_out]);
export const HL_MEM_ARGS_SIZE = hl_mem_args.size;

/* ---- ioctls ---- */
export const HL_IOCTL_INFO = 0x00;
export const HL_IOCTL_CB = 0x01;
export const HL_IOCTL_CS = 0x02;
export const HL_IOCTL_WAIT_CS = 0x03;
export const HL_IOCTL_MEMORY = 0x04;
export const HL_IOCTL_DEBUG = 0x05;

export const DRM_IOCTL_HL_INFO_DECL = drmDriverIoctl('DRM_IOCTL_HL_INFO', 'IOWR', HL_IOCTL_INFO, hl_info_args);
export const DRM_IOCTL_HL_CB_DECL = drmDriverIoctl('DRM_IOCTL_HL_CB', 'IOWR', HL_IOCTL_CB, hl_cb_args);
export const DRM_IOCTL_HL_CS_DECL = drmDriverIoctl('DRM_IOCTL_HL_CS', 'IOWR', HL_IOCTL_CS, hl_cs_args);
export const DRM_IOCTL_HL_WAIT_CS_DECL = drmDriverIoctl('DRM_IOCTL_HL_WAIT_CS', 'IOWR', HL_IOCTL_WAIT_CS, hl_wait_cs_args);
export const DRM_IOCTL_HL_MEMORY_DECL = drmDriverIoctl('DRM_IOCTL_HL_MEMORY', 'IOWR', HL_IOCTL_MEMORY, hl_mem_args);
export const DRM_IOCTL_HL_DEBUG_DECL = drmDriverIoctl('DRM_IOCTL_HL_DEBUG', 'IOWR', HL_IOCTL_DEBUG, hl_debug_args);

export const DRM_IOCTL_HL_INFO = DRM_IOCTL_HL_INFO_DECL.request;
export const DRM_IOCTL_HL_CB = DRM_IOCTL_HL_CB_DECL.request;
export const DRM_IOCTL_HL_CS = DRM_IOCTL_HL_CS_DECL.request;
export const DRM_IOCTL_HL_WAIT_CS = DRM_IOCTL_HL_WAIT_CS_DECL.request;
export const DRM_IOCTL_HL_MEMORY = DRM_IOCTL_HL_MEMORY_DECL.request;
export const DRM_IOCTL_HL_DEBUG = DRM_IOCTL_HL_DEBUG_DECL.request;

export const HL_IOCTLS: readonly IoctlDecl[] = [
  DRM_IOCTL_HL_INFO_DECL,
  DRM_IOCTL_HL_CB_DECL,
  DRM_IOCTL_HL_CS_DECL,
  DRM_IOCTL_HL_WAIT_CS_DECL,
  DRM_IOCTL_HL_MEMORY_DECL,
  DRM_IOCTL_HL_DEBUG_DECL,
];

/* ---- mmap offsets (drivers/accel/habanalabs/common/habanalabs.h) ---- */
/**
 * The mmap offset of a CB handle: habanalabs.h HL_MMAP_TYPE_CB (0x2 << 61 >>
 * PAGE_SHIFT in vm_pgoff) is already part of the handle hl_cb_ioctl returns
 * (hl_mmap_mem_buf_alloc sets buf->handle = (id | HL_MMAP_TYPE_CB) << PAGE_SHIFT
 * via mem_mgr), so user space mmaps the handle itself.
 */
export const HL_MMAP_TYPE_SHIFT = 59n;
export const HL_MMAP_TYPE_MASK = 0x1fn << HL_MMAP_TYPE_SHIFT;
export const HL_MMAP_TYPE_TS_BUFF = 0x10n << HL_MMAP_TYPE_SHIFT;
export const HL_MMAP_TYPE_BLOCK = 0x4n << HL_MMAP_TYPE_SHIFT;
export const HL_MMAP_TYPE_CB = 0x2n << HL_MMAP_TYPE_SHIFT;

export const HABANALABS_UAPI: UapiHeader = {
  include: 'drm/habanalabs_accel.h',
  source: { kind: 'kernel', since: '6.3' },
  ioctls: HL_IOCTLS,
  structs: [
    hl_info_hw_ip_info,
    hl_info_dram_usage,
    hl_info_hw_idle,
    hl_info_device_status,
    hl_info_device_utilization,
    hl_info_clk_rate,
    hl_info_reset_count,
    hl_info_time_sync,
    hl_info_pci_counters,
    hl_info_clk_throttle,
    hl_info_energy,
    hl_pll_frequency_info,
    hl_open_stats_info,
    hl_power_info,
    hl_info_sync_manager,
    hl_info_cs_counters,
    hl_info_last_err_open_dev_time,
    hl_info_cs_timeout_event,
    hl_info_razwi_event,
    hl_info_undefined_opcode_event,
    hl_info_hw_err_event,
    hl_info_fw_err_event,
    hl_info_engine_err_event,
    hl_info_dev_memalloc_page_sizes,
    hl_info_sec_attest,
    hl_info_signed,
    hl_page_fault_info,
    hl_user_mapping,
    hl_info_args,
    hl_cb_in,
    hl_cb_out,
    hl_cs_chunk,
    hl_cs_in,
    hl_cs_out,
    hl_wait_cs_in,
    hl_wait_cs_out,
    hl_mem_in,
    hl_mem_out,
    hl_debug_params_etr,
    hl_debug_params_etf,
    hl_debug_params_stm,
    hl_debug_params_bmon,
    hl_debug_params_spmu,
    hl_debug_args,
  ] as unknown as readonly StructLayout<unknown>[],
};
