/**
 * TypeScript mirror of include/uapi/drm/rocket_accel.h (Rockchip RK3588 NPU,
 * drivers/accel/rocket, Linux 6.18+). Every struct and ioctl of the header is
 * declared once here; the C layout check compares them with the header of
 * each kernel version the project tracks. Debian's 6.12 linux-libc-dev has no
 * rocket_accel.h at all; 7.3's is the header's first release there, unchanged
 * since the driver was merged (four ioctls, five structs).
 */
import { drmDriverIoctl } from '../../harness/uapi/drm';
import type { UapiHeader } from '../../harness/uapi/header';
import { s64, struct, u32, u64 } from '../../harness/uapi/layout';

export const DRM_ROCKET_CREATE_BO = 0x00;
export const DRM_ROCKET_SUBMIT = 0x01;
export const DRM_ROCKET_PREP_BO = 0x02;
export const DRM_ROCKET_FINI_BO = 0x03;

export const drm_rocket_create_bo = struct('drm_rocket_create_bo', { size: u32, handle: u32, dma_address: u64, offset: u64 });
export const drm_rocket_prep_bo = struct('drm_rocket_prep_bo', { handle: u32, reserved: u32, timeout_ns: s64 });
export const drm_rocket_fini_bo = struct('drm_rocket_fini_bo', { handle: u32, reserved: u32 });
export const drm_rocket_task = struct('drm_rocket_task', { regcmd: u32, regcmd_count: u32 });
export const drm_rocket_job = struct('drm_rocket_job', {
  tasks: u64,
  in_bo_handles: u64,
  out_bo_handles: u64,
  task_count: u32,
  task_struct_size: u32,
  in_bo_handle_count: u32,
  out_bo_handle_count: u32,
});
export const drm_rocket_submit = struct('drm_rocket_submit', { jobs: u64, job_count: u32, job_struct_size: u32, reserved: u64 });

export const ROCKET_IOCTL = {
  CREATE_BO: drmDriverIoctl('DRM_IOCTL_ROCKET_CREATE_BO', 'IOWR', DRM_ROCKET_CREATE_BO, drm_rocket_create_bo),
  SUBMIT: drmDriverIoctl('DRM_IOCTL_ROCKET_SUBMIT', 'IOW', DRM_ROCKET_SUBMIT, drm_rocket_submit),
  PREP_BO: drmDriverIoctl('DRM_IOCTL_ROCKET_PREP_BO', 'IOW', DRM_ROCKET_PREP_BO, drm_rocket_prep_bo),
  FINI_BO: drmDriverIoctl('DRM_IOCTL_ROCKET_FINI_BO', 'IOW', DRM_ROCKET_FINI_BO, drm_rocket_fini_bo),
} as const;

export type RocketIoctlName = keyof typeof ROCKET_IOCTL;

export const ROCKET_UAPI: UapiHeader = {
  include: 'drm/rocket_accel.h',
  source: { kind: 'kernel', since: '6.18' },
  ioctls: Object.values(ROCKET_IOCTL),
  structs: [drm_rocket_create_bo, drm_rocket_prep_bo, drm_rocket_fini_bo, drm_rocket_task, drm_rocket_job, drm_rocket_submit] as readonly {
    readonly size: number;
    readonly name: string;
  }[] as UapiHeader['structs'],
};
