/**
 * sim:ivpu's own defects (`sim:ivpu?defect=NAME`). The first group re-creates
 * real ivpu bugs: the behaviour of the 6.12.118 source (Debian's
 * linux-source-6.12) where 7.3 fixed it, or a fix the issue names; the second
 * breaks one rule each so every test that runs on sim:ivpu is proven able to fail.
 */
import type { DefectInfo } from '../../sim/defects';

export const IVPU_DEFECTS = {
  // Real bugs (docs/upstream-bugs.md).
  'no-user-context-limit': {
    layer: 'driver',
    rule: '6.12: no per-uid context limit (ivpu_user_limits): NUM_CONTEXTS is the device total and the open past it fails EBUSY from xa_alloc, not EMFILE',
  },
  'cmdq-destroy-keeps-jobs': {
    layer: 'driver',
    rule: 'before "accel/ivpu: Abort all jobs after command queue unregister": CMDQ_DESTROY leaves the queue\'s pending jobs unsignalled',
  },
  'ctx-violation-completes': {
    layer: 'driver',
    rule: 'before "accel/ivpu: Add handling of VPU_JSM_STATUS_MVNCI_CONTEXT_VIOLATION_HW": such a job completes normally and its context lives on',
  },
  'engine-error-range-ignored': {
    layer: 'driver',
    rule: '6.12.118: only MVNCI_CONTEXT_VIOLATION_HW aborts the context; PROCESSING_ERR and the rest of the engine-reset range complete normally',
  },
  'reexport-imported-ok': {
    layer: 'driver',
    rule: '6.12: no ivpu_gem_prime_handle_to_fd: an imported BO is re-exported instead of EOPNOTSUPP',
  },
  'bo-wait-early': {
    layer: 'driver',
    rule: '6.12: BO_WAIT lacks the extra jiffy, so it can time out before timeout_ns',
  },
  // Defects that break one rule each (proofs).
  'bo-create-dirty-output': { layer: 'driver', rule: 'BO_CREATE writes handle and vpu_addr before failing' },
  'bo-create-any-flags': { layer: 'driver', rule: 'BO_CREATE accepts flags outside DRM_IVPU_BO_FLAGS' },
  'bo-info-dirty-output': { layer: 'driver', rule: 'BO_INFO of an unknown handle writes the output fields before failing' },
  'bo-wait-unknown-enoent': { layer: 'driver', rule: 'BO_WAIT of an unknown handle gives ENOENT, not ivpu\'s EINVAL' },
  'vpu-addr-shared': { layer: 'driver', rule: 'one NPU address space for every context: the first BOs of two files share an address' },
  'fault-kills-all': { layer: 'driver', rule: 'an MMU fault resets the whole device: every context\'s jobs are aborted' },
  'fault-context-lives': { layer: 'driver', rule: 'a context that faulted keeps submitting (no EBADFD)' },
  'no-tdr': { layer: 'driver', rule: 'the heartbeat TDR never fires: a hung job is never aborted' },
  'reset-uncounted': { layer: 'driver', rule: 'neither debugfs reset_counter nor engine_reset_counter counts a reset' },
  'context-limit-one': { layer: 'driver', rule: 'ivpu_user_limits gives every uid one context: a second open is EMFILE' },
  'user-limit-leak': { layer: 'driver', rule: 'closing a file does not give its context back to the uid\'s limit (no ivpu_user_limits_put)' },
  'param-unknown-ok': { layer: 'driver', rule: 'GET_PARAM accepts an unknown parameter' },
  'set-param-accepts': { layer: 'driver', rule: 'SET_PARAM accepts a parameter although the driver has none to set' },
  'bo-info-wrong-offset': { layer: 'driver', rule: 'BO_INFO reports an mmap_offset one page past the object\'s' },
  'close-unplugs': { layer: 'driver', rule: 'releasing a file leaves the device unplugged: later opens fail ENODEV (drm_dev_enter)' },
  'caps-unclaimed': { layer: 'driver', rule: 'GET_PARAM CAPABILITIES answers 0 for METRIC_STREAMER and BO_CREATE_FROM_USERPTR although both ioctls work' },
  'userptr-unpinned-ok': { layer: 'driver', rule: 'BO_CREATE_FROM_USERPTR does not pin: memory that is not mapped becomes a BO instead of EFAULT' },
  'ms-period-unchecked': { layer: 'driver', rule: 'METRIC_STREAMER_START accepts a sampling_period_ns below MS_MIN_SAMPLE_PERIOD_NS (1 ms)' },
  'submit-bad-args-ok': { layer: 'driver', rule: 'SUBMIT accepts an unknown engine, an unaligned commands_offset or a priority above REALTIME' },
} as const satisfies Record<string, DefectInfo>;

export type IvpuDefect = keyof typeof IVPU_DEFECTS;
