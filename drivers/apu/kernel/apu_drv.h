/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference APU of accel-conformance: a compute accelerator emulated by a
 * kernel worker. The uAPI is drivers/apu/uapi/apu_drm.h and every rule it
 * follows is written down in docs/uapi-apu.md.
 */
#ifndef __APU_DRV_H__
#define __APU_DRV_H__

#include <linux/dma-fence.h>
#include <linux/iosys-map.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/kref.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/gpu_scheduler.h>

#include "apu_drm.h"

#define APU_DRIVER_NAME		"apu"
#define APU_DRIVER_DESC		"AI Processor Unit (accel-conformance reference model)"
#define APU_DRIVER_DATE		"20230517"
#define APU_DRIVER_MAJOR	1
#define APU_DRIVER_MINOR	0
#define APU_DRIVER_PATCHLEVEL	0

/* Device address window of every context's IO page table. */
#define APU_APERTURE_START	0x10000000ULL
#define APU_APERTURE_END	0x40000000ULL
#define APU_MAX_BO_SIZE		(64U << 20)
/* Time the device needs to come back after a job timeout / a firmware crash. */
#define APU_RESET_MS		20
#define APU_CRASH_RECOVERY_MS	10

extern unsigned int apu_timeout_ms;
extern unsigned int apu_ban_after;
extern unsigned int apu_exclusive;

enum apu_hw_state {
	APU_HW_ONLINE,
	APU_HW_TIMEDOUT,
	APU_HW_CRASHED,
};

struct apu_job;
struct apu_ctx;
struct apu_fence;

struct apu_device {
	struct drm_device drm;
	struct drm_gpu_scheduler sched;
	u64 fence_context;
	atomic64_t fence_seqno;

	/* Live GEM objects, shown in debugfs gem_objects. */
	atomic_t gem_objects;

	/* The emulated device: one job at a time, executed by hw_work. */
	spinlock_t hw_lock;
	struct apu_job *hw_job;		/* handed to the device, not ended */
	enum apu_hw_state hw_state;
	struct workqueue_struct *hw_wq;
	struct work_struct hw_work;
	struct delayed_work recover_work;
	void *bounce;			/* one page for COPY, used by hw_work only */

	/*
	 * Serialises the two users of drm_sched_wqueue_stop()/start(): the
	 * timeout handler's recovery and the entity teardown of postclose.
	 */
	struct mutex sched_lock;

	/* Contexts not yet released (a closed file's stays until its jobs are freed). */
	atomic_t contexts;
	wait_queue_head_t contexts_wq;

	/* exclusive=1: the one context allowed, until it is released. */
	struct mutex open_lock;
	struct apu_ctx *owner;
};

static inline struct apu_device *to_apu_device(struct drm_device *drm)
{
	return container_of(drm, struct apu_device, drm);
}

/* One GEM object: shmem backed, or imported from a dma-buf. */
struct apu_bo {
	struct drm_gem_shmem_object base;
	u32 flags;			/* APU_BO_* */
};

static inline struct apu_bo *to_apu_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct apu_bo, base);
}

/* One object mapped in a context's IO page table. */
struct apu_mapping {
	struct list_head node;		/* apu_ctx.mappings, sorted by iova */
	struct drm_gem_object *obj;	/* holds a reference */
	u64 iova;
	unsigned long npages;
	unsigned int refs;
	bool writable;
	bool populated;			/* PTEs written, backing store held */
	/*
	 * The backing store while populated: the pinned shmem pages of a
	 * native object, or the dma_buf_vmap() of an imported one.
	 */
	struct page **pages;
	struct iosys_map vmap;
};

/* A job queued by a context and not yet dequeued. */
struct apu_record {
	struct list_head node;
	u32 out_sync;
	struct dma_fence *done;		/* the scheduler's finished fence */
	int result;			/* positive errno or 0, -1 until known */
	u16 size_out;
	u8 out[sizeof(struct apu_cmd_checksum_out)];
};

/* One open file description. */
struct apu_ctx {
	struct apu_device *adev;
	struct kref ref;		/* the file's, plus one per job alive */
	struct drm_sched_entity entity;

	/* IO page table: device pfn -> struct apu_mapping * holding that page. */
	struct mutex pt_lock;
	struct xarray pt;
	struct list_head mappings;

	struct mutex jobs_lock;
	struct list_head records;
	atomic_t jobs_alive;		/* queued and not yet freed */
	wait_queue_head_t jobs_wq;

	/* Written under adev->hw_lock. */
	unsigned int timeouts;		/* consecutive */
	bool banned;
	bool closing;
};

struct apu_job {
	struct drm_sched_job base;
	struct apu_ctx *ctx;		/* holds a context reference */
	struct apu_record *rec;		/* valid until the hw fence signals */
	struct dma_fence *hw_fence;
	struct apu_fence *hw_fence_mem;	/* allocated at queue time, used by run_job */
	struct drm_gem_object **bos;
	u32 nbos;
	u32 cmd;
	u8 args[sizeof(struct apu_cmd_copy)];
	u16 size_out;
	u8 out[sizeof(struct apu_cmd_checksum_out)];
	bool started;			/* the device began it */
	bool hung;			/* APU_CMD_HANG: waits for a reset */
};

static inline struct apu_job *to_apu_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct apu_job, base);
}

/* apu_gem.c */
struct drm_gem_object *apu_gem_create_object(struct drm_device *drm, size_t size);
struct drm_gem_object *apu_gem_prime_import_sg_table(struct drm_device *drm,
						     struct dma_buf_attachment *attach,
						     struct sg_table *sgt);
int apu_bo_get_pages(struct drm_gem_object *obj, struct apu_mapping *m);
void apu_bo_put_pages(struct drm_gem_object *obj, struct apu_mapping *m);
int apu_ioctl_gem_new(struct drm_device *drm, void *data, struct drm_file *file);

/* apu_mmu.c */
void apu_mmu_init(struct apu_ctx *ctx);
void apu_mmu_fini(struct apu_ctx *ctx);
int apu_ioctl_iommu_map(struct drm_device *drm, void *data, struct drm_file *file);
int apu_ioctl_iommu_unmap(struct drm_device *drm, void *data, struct drm_file *file);
int apu_read_handles(u64 uptr, u32 count, u32 **handles);
int apu_mmu_check(struct apu_ctx *ctx, u64 iova, u64 len, bool write);
int apu_mmu_cpu_access_begin(struct apu_ctx *ctx, u64 iova, u64 len, bool write);
void apu_mmu_cpu_access_end(struct apu_ctx *ctx, u64 iova, u64 len, bool write);
void apu_mmu_fill(struct apu_ctx *ctx, u64 iova, u64 len, u8 value);
void apu_mmu_read(struct apu_ctx *ctx, u64 iova, void *buf, size_t len);
void apu_mmu_write(struct apu_ctx *ctx, u64 iova, const void *buf, size_t len);
u32 apu_mmu_fnv1a(struct apu_ctx *ctx, u64 iova, u64 len);

/* apu_job.c */
int apu_sched_init(struct apu_device *adev);
void apu_sched_fini(struct apu_device *adev);
int apu_ioctl_gem_queue(struct drm_device *drm, void *data, struct drm_file *file);
int apu_ioctl_gem_dequeue(struct drm_device *drm, void *data, struct drm_file *file);
void apu_ctx_put(struct apu_ctx *ctx);
void apu_jobs_fini(struct apu_ctx *ctx);

/* apu_hw.c */
void apu_hw_init(struct apu_device *adev);
void apu_hw_fini(struct apu_device *adev);
int apu_hw_job_prepare(struct apu_job *job);
void apu_hw_job_release(struct apu_job *job);
struct dma_fence *apu_hw_submit(struct apu_job *job);
bool apu_hw_abort(struct apu_device *adev, struct apu_job *job, struct apu_ctx *ctx,
		  int result);
void apu_hw_reset(struct apu_device *adev);
u32 apu_hw_state_flags(struct apu_device *adev);

#endif /* __APU_DRV_H__ */
