/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * uAPI of the accel-conformance reference APU.
 *
 * Modelled on the 2023 drm/apu series ("drm: Add support of AI Processor
 * Unit"), with one deliberate change: completed jobs are kept per open file,
 * so GEM_DEQUEUE only ever returns results of jobs the same file queued (the
 * series searched one device-wide list, letting any file read any result).
 *
 * This header is compiled into the kernel module (drivers/apu/kernel/), into
 * the C layout check of the test suite, and mirrored in TypeScript by
 * drivers/apu/uapi.ts. docs/uapi-apu.md describes every rule.
 */
#ifndef __UAPI_APU_DRM_H__
#define __UAPI_APU_DRM_H__

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* struct drm_apu_state.flags */
#define APU_ONLINE		(1 << 0)
#define APU_CRASHED		(1 << 1)
#define APU_TIMEDOUT		(1 << 2)

struct drm_apu_state {
	__u32 device;		/* in: core index, only 0 exists */
	__u32 flags;		/* out: APU_ONLINE | APU_CRASHED | APU_TIMEDOUT */
};

/* struct drm_apu_gem_new.flags */
#define APU_BO_DEVICE_RO	(1 << 0)	/* the device may read, never write */
#define APU_BO_FLAGS		(APU_BO_DEVICE_RO)

struct drm_apu_gem_new {
	__u32 size;		/* in: bytes, rounded up to 4 KiB pages */
	__u32 flags;		/* in: APU_BO_* */
	__u32 handle;		/* out: GEM handle */
	__u64 offset;		/* out: fake offset for mmap() on the same file */
};

struct drm_apu_gem_queue {
	__u32 device;		/* in: core index, only 0 exists */
	__u32 cmd;		/* in: APU_CMD_* */
	__u32 out_sync;		/* in: syncobj handle signalled when the job ends */
	__u64 bo_handles;	/* in: pointer to __u32 handles the job uses */
	__u32 bo_handle_count;
	__u16 size_in;		/* in: bytes of command arguments at data */
	__u16 size_out;		/* in: bytes of result the command produces */
	__u64 data;		/* in: pointer to the command arguments */
};

struct drm_apu_gem_dequeue {
	__u32 out_sync;		/* in: the out_sync of a job this file queued */
	__u16 result;		/* out: 0, or a positive errno (see docs) */
	__u16 size;		/* in: bytes available at data; out: bytes of result */
	__u64 data;		/* in: pointer receiving the result, may be 0 */
};

struct drm_apu_gem_iommu_map {
	__u64 bo_handles;		/* in: pointer to __u32 handles */
	__u32 bo_handle_count;
	__u64 bo_device_addresses;	/* out (MAP): pointer to __u64 addresses */
};

#define DRM_APU_STATE			0x00
#define DRM_APU_GEM_NEW			0x01
#define DRM_APU_GEM_QUEUE		0x02
#define DRM_APU_GEM_DEQUEUE		0x03
#define DRM_APU_GEM_IOMMU_MAP		0x04
#define DRM_APU_GEM_IOMMU_UNMAP		0x05
#define DRM_APU_NUM_IOCTLS		0x06

#define DRM_IOCTL_APU_STATE		DRM_IOWR(DRM_COMMAND_BASE + DRM_APU_STATE, struct drm_apu_state)
#define DRM_IOCTL_APU_GEM_NEW		DRM_IOWR(DRM_COMMAND_BASE + DRM_APU_GEM_NEW, struct drm_apu_gem_new)
#define DRM_IOCTL_APU_GEM_QUEUE		DRM_IOWR(DRM_COMMAND_BASE + DRM_APU_GEM_QUEUE, struct drm_apu_gem_queue)
#define DRM_IOCTL_APU_GEM_DEQUEUE	DRM_IOWR(DRM_COMMAND_BASE + DRM_APU_GEM_DEQUEUE, struct drm_apu_gem_dequeue)
#define DRM_IOCTL_APU_GEM_IOMMU_MAP	DRM_IOWR(DRM_COMMAND_BASE + DRM_APU_GEM_IOMMU_MAP, struct drm_apu_gem_iommu_map)
#define DRM_IOCTL_APU_GEM_IOMMU_UNMAP	DRM_IOWR(DRM_COMMAND_BASE + DRM_APU_GEM_IOMMU_UNMAP, struct drm_apu_gem_iommu_map)

/*
 * Reference firmware command set. Addresses are device (IOMMU) addresses of
 * the submitting file's context; every access goes through its page table.
 * Arguments are little-endian structs at drm_apu_gem_queue.data; size_in must
 * equal sizeof() the command's argument struct (0 for NOP, HANG, CRASH).
 */
#define APU_CMD_NOP		0	/* completes, result 0 */
#define APU_CMD_FILL		1	/* struct apu_cmd_fill */
#define APU_CMD_COPY		2	/* struct apu_cmd_copy */
#define APU_CMD_CHECKSUM	3	/* struct apu_cmd_checksum -> struct apu_cmd_checksum_out */
#define APU_CMD_HANG		4	/* never completes: the scheduler times it out */
#define APU_CMD_CRASH		5	/* firmware crash: result EIO, device recovers */
#define APU_CMD_COUNT		6

struct apu_cmd_fill {
	__u64 dst;
	__u32 len;
	__u32 value;		/* low byte is written */
};

struct apu_cmd_copy {
	__u64 src;
	__u64 dst;
	__u32 len;
	__u32 pad;		/* must be 0 */
};

struct apu_cmd_checksum {
	__u64 src;
	__u32 len;
	__u32 pad;		/* must be 0 */
};

/* 32-bit FNV-1a over the bytes: offset basis 0x811c9dc5, prime 0x01000193. */
struct apu_cmd_checksum_out {
	__u32 checksum;
	__u32 pad;
};

/* Most handles one GEM_QUEUE, GEM_IOMMU_MAP or GEM_IOMMU_UNMAP may name. */
#define APU_MAX_BO_HANDLES	1024

/* Device page size of the IO page tables. */
#define APU_PAGE_SIZE		4096

#if defined(__cplusplus)
}
#endif

#endif /* __UAPI_APU_DRM_H__ */
