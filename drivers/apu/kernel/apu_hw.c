// SPDX-License-Identifier: GPL-2.0
/*
 * The emulated APU: a firmware that runs one job at a time on an ordered
 * workqueue, signalling a hardware fence per job as a real device's
 * interrupt handler would (compare the fence handling of
 * drivers/gpu/drm/v3d/v3d_fence.c and v3d_irq.c).
 *
 * States (STATE ioctl): ONLINE; TIMEDOUT while the device resets after a job
 * timeout; CRASHED while the firmware reboots after APU_CMD_CRASH. A job
 * handed over while the device is not online waits until it is back.
 */

#include <linux/slab.h>
#include <linux/unaligned.h>

#include "apu_drv.h"

struct apu_fence {
	struct dma_fence base;
	spinlock_t lock;
};

static const char *apu_fence_driver_name(struct dma_fence *fence)
{
	return APU_DRIVER_NAME;
}

static const char *apu_fence_timeline_name(struct dma_fence *fence)
{
	return "apu-firmware";
}

static const struct dma_fence_ops apu_fence_ops = {
	.get_driver_name = apu_fence_driver_name,
	.get_timeline_name = apu_fence_timeline_name,
};

/*
 * The hardware fence's memory is allocated at queue time
 * (apu_hw_job_prepare) and only initialised by run_job: no allocation with
 * GFP_KERNEL happens in the fence signalling path (run_job, the timeout
 * handler), as Documentation/driver-api/dma-buf.rst "Indefinite DMA Fences"
 * and the run_job documentation of include/drm/gpu_scheduler.h require.
 */
int apu_hw_job_prepare(struct apu_job *job)
{
	job->hw_fence_mem = kzalloc(sizeof(*job->hw_fence_mem), GFP_KERNEL_ACCOUNT);
	return job->hw_fence_mem ? 0 : -ENOMEM;
}

/* free_job: the fence memory of a job that never ran is still ours. */
void apu_hw_job_release(struct apu_job *job)
{
	dma_fence_put(job->hw_fence);
	kfree(job->hw_fence_mem);
}

static struct dma_fence *apu_fence_init(struct apu_device *adev, struct apu_job *job)
{
	struct apu_fence *f = job->hw_fence_mem;

	job->hw_fence_mem = NULL;
	spin_lock_init(&f->lock);
	dma_fence_init(&f->base, &apu_fence_ops, &f->lock, adev->fence_context,
		       atomic64_inc_return(&adev->fence_seqno));
	return &f->base;
}

/* Ends @job with @result (0 or a positive errno): the "interrupt". */
static void apu_hw_end(struct apu_job *job, int result)
{
	struct apu_record *rec = job->rec;

	rec->result = result;
	rec->size_out = job->size_out;
	memcpy(rec->out, job->out, sizeof(rec->out));
	job->rec = NULL;
	if (result)
		dma_fence_set_error(job->hw_fence, -result);
	dma_fence_signal(job->hw_fence);
}

/*
 * Arguments are little-endian structs (apu_drm.h): decoded by offset, so the
 * firmware reads them the same on any host.
 */
#define APU_ARG64(job, type, field)	get_unaligned_le64((job)->args + offsetof(type, field))
#define APU_ARG32(job, type, field)	get_unaligned_le32((job)->args + offsetof(type, field))

/* COPY of a checked range, with memmove semantics. */
static void apu_fw_copy(struct apu_ctx *ctx, void *bounce, u64 src, u64 dst, u64 len)
{
	u64 off, n;

	/* Go backwards when dst overlaps src from above. */
	if (dst > src && dst < src + len) {
		for (off = len; off; off -= n) {
			n = min_t(u64, off, PAGE_SIZE);
			apu_mmu_read(ctx, src + off - n, bounce, n);
			apu_mmu_write(ctx, dst + off - n, bounce, n);
			cond_resched();
		}
	} else {
		for (off = 0; off < len; off += n) {
			n = min_t(u64, len - off, PAGE_SIZE);
			apu_mmu_read(ctx, src + off, bounce, n);
			apu_mmu_write(ctx, dst + off, bounce, n);
			cond_resched();
		}
	}
}

/* The device access of a job: up to one range read and one range written. */
struct apu_fw_access {
	u64 src, dst, len;
	bool read, write;
};

static int apu_fw_access_begin(struct apu_ctx *ctx, const struct apu_fw_access *a)
{
	int ret = 0;

	if (a->read)
		ret = apu_mmu_cpu_access_begin(ctx, a->src, a->len, false);
	if (!ret && a->write) {
		ret = apu_mmu_cpu_access_begin(ctx, a->dst, a->len, true);
		if (ret && a->read)
			apu_mmu_cpu_access_end(ctx, a->src, a->len, false);
	}
	return ret;
}

static void apu_fw_access_end(struct apu_ctx *ctx, const struct apu_fw_access *a)
{
	if (a->write)
		apu_mmu_cpu_access_end(ctx, a->dst, a->len, true);
	if (a->read)
		apu_mmu_cpu_access_end(ctx, a->src, a->len, false);
}

/* Runs FILL, COPY or CHECKSUM through the job's context: 0 or a positive errno. */
static int apu_fw_run(struct apu_job *job)
{
	struct apu_ctx *ctx = job->ctx;
	struct apu_fw_access a = {};
	int ret = 0;

	switch (job->cmd) {
	case APU_CMD_FILL:
		a.dst = APU_ARG64(job, struct apu_cmd_fill, dst);
		a.len = APU_ARG32(job, struct apu_cmd_fill, len);
		a.write = true;
		break;
	case APU_CMD_COPY:
		a.src = APU_ARG64(job, struct apu_cmd_copy, src);
		a.dst = APU_ARG64(job, struct apu_cmd_copy, dst);
		a.len = APU_ARG32(job, struct apu_cmd_copy, len);
		a.read = true;
		a.write = true;
		break;
	case APU_CMD_CHECKSUM:
		a.src = APU_ARG64(job, struct apu_cmd_checksum, src);
		a.len = APU_ARG32(job, struct apu_cmd_checksum, len);
		a.read = true;
		break;
	default:
		/* NOP; HANG and CRASH never get here. */
		return 0;
	}
	if (!a.len)
		return EINVAL;

	mutex_lock(&ctx->pt_lock);
	/* Every page is checked before any byte moves: a fault changes nothing. */
	if ((a.read && apu_mmu_check(ctx, a.src, a.len, false)) ||
	    (a.write && apu_mmu_check(ctx, a.dst, a.len, true))) {
		ret = EFAULT;
		goto out;
	}
	ret = apu_fw_access_begin(ctx, &a);
	if (ret) {
		ret = ret == -ETIMEDOUT ? ETIMEDOUT : EFAULT;
		goto out;
	}
	switch (job->cmd) {
	case APU_CMD_FILL:
		apu_mmu_fill(ctx, a.dst, a.len, APU_ARG32(job, struct apu_cmd_fill, value) & 0xff);
		break;
	case APU_CMD_COPY:
		apu_fw_copy(ctx, ctx->adev->bounce, a.src, a.dst, a.len);
		break;
	case APU_CMD_CHECKSUM:
		put_unaligned_le32(apu_mmu_fnv1a(ctx, a.src, a.len), job->out +
				   offsetof(struct apu_cmd_checksum_out, checksum));
		break;
	}
	apu_fw_access_end(ctx, &a);
out:
	mutex_unlock(&ctx->pt_lock);
	return ret;
}

static void apu_hw_work(struct work_struct *work)
{
	struct apu_device *adev = container_of(work, struct apu_device, hw_work);
	struct apu_job *job;
	int result;

	spin_lock(&adev->hw_lock);
	job = adev->hw_job;
	if (!job || job->started || adev->hw_state != APU_HW_ONLINE) {
		spin_unlock(&adev->hw_lock);
		return;
	}
	job->started = true;
	if (job->cmd == APU_CMD_HANG) {
		/* Never completes: only a reset (timeout) or teardown ends it. */
		job->hung = true;
		spin_unlock(&adev->hw_lock);
		return;
	}
	if (job->cmd == APU_CMD_CRASH) {
		adev->hw_job = NULL;
		adev->hw_state = APU_HW_CRASHED;
		job->ctx->timeouts = 0;
		spin_unlock(&adev->hw_lock);
		mod_delayed_work(system_wq, &adev->recover_work,
				 msecs_to_jiffies(APU_CRASH_RECOVERY_MS));
		apu_hw_end(job, EIO);
		return;
	}
	spin_unlock(&adev->hw_lock);

	result = apu_fw_run(job);

	spin_lock(&adev->hw_lock);
	adev->hw_job = NULL;
	/* A job that ends by itself clears the context's timeout streak. */
	job->ctx->timeouts = 0;
	spin_unlock(&adev->hw_lock);
	apu_hw_end(job, result);
}

static void apu_hw_recover(struct work_struct *work)
{
	struct apu_device *adev = container_of(work, struct apu_device, recover_work.work);

	spin_lock(&adev->hw_lock);
	adev->hw_state = APU_HW_ONLINE;
	spin_unlock(&adev->hw_lock);
	queue_work(adev->hw_wq, &adev->hw_work);
}

/*
 * drm_sched_backend_ops.run_job: hands @job to the device and returns its
 * hardware fence (a new reference). Jobs of a banned or closing context are
 * not run. Called again by drm_sched_resubmit_jobs() after a reset for a job
 * whose fence already exists: it then returns the same fence. Allocates
 * nothing (see apu_hw_job_prepare()).
 */
struct dma_fence *apu_hw_submit(struct apu_job *job)
{
	struct apu_ctx *ctx = job->ctx;
	struct apu_device *adev = ctx->adev;
	int skip = 0;

	if (job->hw_fence)
		return dma_fence_get(job->hw_fence);
	job->hw_fence = apu_fence_init(adev, job);

	spin_lock(&adev->hw_lock);
	if (ctx->closing)
		skip = ESRCH;
	else if (ctx->banned)
		skip = ECANCELED;
	else
		adev->hw_job = job;
	spin_unlock(&adev->hw_lock);

	if (skip)
		apu_hw_end(job, skip);
	else
		queue_work(adev->hw_wq, &adev->hw_work);
	return dma_fence_get(job->hw_fence);
}

/* Takes the device's job if it is @job (or of @ctx) and is not being executed. */
static struct apu_job *apu_hw_take(struct apu_device *adev, struct apu_job *job,
				   struct apu_ctx *ctx)
{
	struct apu_job *cur;

	spin_lock(&adev->hw_lock);
	cur = adev->hw_job;
	if (cur && (cur == job || (!job && cur->ctx == ctx)) && (!cur->started || cur->hung))
		adev->hw_job = NULL;
	else
		cur = NULL;
	spin_unlock(&adev->hw_lock);
	return cur;
}

/*
 * Stops the job on the device (@job, or any job of @ctx when @job is NULL)
 * and ends it with @result. A job the firmware is executing runs to its end
 * first; false then, as when the job is not on the device at all.
 */
bool apu_hw_abort(struct apu_device *adev, struct apu_job *job, struct apu_ctx *ctx,
		  int result)
{
	struct apu_job *cur;

	cur = apu_hw_take(adev, job, ctx);
	if (!cur) {
		flush_work(&adev->hw_work);
		cur = apu_hw_take(adev, job, ctx);
		if (!cur)
			return false;
	}
	apu_hw_end(cur, result);
	return true;
}

/* After a job timeout: the device is down for APU_RESET_MS. */
void apu_hw_reset(struct apu_device *adev)
{
	spin_lock(&adev->hw_lock);
	adev->hw_state = APU_HW_TIMEDOUT;
	spin_unlock(&adev->hw_lock);
	mod_delayed_work(system_wq, &adev->recover_work, msecs_to_jiffies(APU_RESET_MS));
}

u32 apu_hw_state_flags(struct apu_device *adev)
{
	enum apu_hw_state s = READ_ONCE(adev->hw_state);

	if (s == APU_HW_TIMEDOUT)
		return APU_TIMEDOUT;
	if (s == APU_HW_CRASHED)
		return APU_CRASHED;
	return APU_ONLINE;
}

void apu_hw_init(struct apu_device *adev)
{
	spin_lock_init(&adev->hw_lock);
	adev->hw_state = APU_HW_ONLINE;
	INIT_WORK(&adev->hw_work, apu_hw_work);
	INIT_DELAYED_WORK(&adev->recover_work, apu_hw_recover);
	adev->fence_context = dma_fence_context_alloc(1);
}

void apu_hw_fini(struct apu_device *adev)
{
	cancel_delayed_work_sync(&adev->recover_work);
	flush_workqueue(adev->hw_wq);
}
