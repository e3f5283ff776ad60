// SPDX-License-Identifier: GPL-2.0
/*
 * Jobs: GEM_QUEUE pushes a job to the context's drm_sched entity; the one
 * scheduler of the device (credit limit 1: one job on the device at a time)
 * runs them in order; GEM_DEQUEUE collects the result from the submitting
 * file's own list. The timeout handler follows the recovery sequence
 * documented in include/drm/gpu_scheduler.h (drm_sched_stop, reset,
 * drm_sched_resubmit_jobs, drm_sched_start) as drivers/gpu/drm/v3d/v3d_sched.c
 * does.
 */

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <linux/version.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>
#include <drm/drm_syncobj.h>

#include "apu_drv.h"

static const struct { u16 in, out; } apu_cmd_sizes[APU_CMD_COUNT] = {
	[APU_CMD_NOP] = { 0, 0 },
	[APU_CMD_FILL] = { sizeof(struct apu_cmd_fill), 0 },
	[APU_CMD_COPY] = { sizeof(struct apu_cmd_copy), 0 },
	[APU_CMD_CHECKSUM] = { sizeof(struct apu_cmd_checksum),
			       sizeof(struct apu_cmd_checksum_out) },
	[APU_CMD_HANG] = { 0, 0 },
	[APU_CMD_CRASH] = { 0, 0 },
};

static struct dma_fence *apu_run_job(struct drm_sched_job *sched_job)
{
	return apu_hw_submit(to_apu_job(sched_job));
}

static enum drm_gpu_sched_stat apu_timedout_job(struct drm_sched_job *sched_job)
{
	struct apu_job *job = to_apu_job(sched_job);
	struct apu_ctx *ctx = job->ctx;
	struct apu_device *adev = ctx->adev;

	/* Not while postclose has the scheduler's submission stopped. */
	mutex_lock(&adev->sched_lock);
	drm_sched_stop(&adev->sched, sched_job);
	if (apu_hw_abort(adev, job, NULL, ETIMEDOUT)) {
		spin_lock(&adev->hw_lock);
		ctx->timeouts++;
		if (apu_ban_after && ctx->timeouts >= apu_ban_after)
			ctx->banned = true;
		spin_unlock(&adev->hw_lock);
		apu_hw_reset(adev);
		drm_dbg_driver(&adev->drm, "job timed out, device reset\n");
	}
	/*
	 * drm_sched_resubmit_jobs() is deprecated, but 6.12 has no
	 * replacement for what it does here: drm_sched_stop() detaches the
	 * hardware fence of every pending job, and drm_sched_start() of 6.12
	 * (no errno argument before 6.13) ends a pending job without one with
	 * -ECANCELED. A job still running on the device behind the timed-out
	 * one would be signalled and freed early. Resubmitting hands each
	 * pending job its existing fence again (apu_hw_submit()), so the
	 * timed-out job's finished fence carries -ETIMEDOUT and the others
	 * end when the device ends them.
	 */
	drm_sched_resubmit_jobs(&adev->sched);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
	drm_sched_start(&adev->sched);
#else
	/* errno 0: a pending job without a fence still ends with -ECANCELED, as in 6.12. */
	drm_sched_start(&adev->sched, 0);
#endif
	mutex_unlock(&adev->sched_lock);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
	return DRM_GPU_SCHED_STAT_NOMINAL;
#else
	return DRM_GPU_SCHED_STAT_RESET;	/* the same value, renamed in 6.17 */
#endif
}

static void apu_free_job(struct drm_sched_job *sched_job)
{
	struct apu_job *job = to_apu_job(sched_job);
	u32 i;

	drm_sched_job_cleanup(sched_job);
	for (i = 0; i < job->nbos; i++)
		drm_gem_object_put(job->bos[i]);
	kvfree(job->bos);
	apu_hw_job_release(job);
	if (atomic_dec_and_test(&job->ctx->jobs_alive))
		wake_up_all(&job->ctx->jobs_wq);
	apu_ctx_put(job->ctx);
	kfree(job);
}

static const struct drm_sched_backend_ops apu_sched_ops = {
	.run_job = apu_run_job,
	.timedout_job = apu_timedout_job,
	.free_job = apu_free_job,
};

int apu_sched_init(struct apu_device *adev)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 15, 0)
	/* drm_sched_init() of 6.12: positional arguments (an args struct since 6.15). */
	return drm_sched_init(&adev->sched, &apu_sched_ops, NULL,
			      DRM_SCHED_PRIORITY_COUNT, 1, 0,
			      msecs_to_jiffies(apu_timeout_ms), NULL, NULL,
			      APU_DRIVER_NAME, adev->drm.dev);
#else
	const struct drm_sched_init_args args = {
		.ops = &apu_sched_ops,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		.credit_limit = 1,
		.hang_limit = 0,
		.timeout = msecs_to_jiffies(apu_timeout_ms),
		.name = APU_DRIVER_NAME,
		.dev = adev->drm.dev,
	};

	return drm_sched_init(&adev->sched, &args);
#endif
}

void apu_sched_fini(struct apu_device *adev)
{
	drm_sched_fini(&adev->sched);
}

static struct apu_record *apu_record_find(struct apu_ctx *ctx, u32 out_sync)
{
	struct apu_record *rec;

	list_for_each_entry(rec, &ctx->records, node)
		if (rec->out_sync == out_sync)
			return rec;
	return NULL;
}

static void apu_record_free(struct apu_record *rec)
{
	list_del(&rec->node);
	dma_fence_put(rec->done);
	kfree(rec);
}

/* Context release: jobs are all freed, so are the records' writers. */
void apu_jobs_fini(struct apu_ctx *ctx)
{
	struct apu_record *rec, *tmp;

	list_for_each_entry_safe(rec, tmp, &ctx->records, node)
		apu_record_free(rec);
	mutex_destroy(&ctx->jobs_lock);
}

static bool apu_args_pads_zero(u32 cmd, const u8 *args)
{
	if (cmd == APU_CMD_COPY)
		return !get_unaligned_le32(args + offsetof(struct apu_cmd_copy, pad));
	if (cmd == APU_CMD_CHECKSUM)
		return !get_unaligned_le32(args + offsetof(struct apu_cmd_checksum, pad));
	return true;
}

/*
 * Takes a reference on every object the job names, in job->bos. ENOENT for
 * an unknown handle; the references taken so far stay in job->bos/nbos for
 * the caller to drop.
 */
static int apu_job_lookup_bos(struct drm_file *file, struct apu_job *job,
			      const u32 *handles, u32 count)
{
	struct drm_gem_object *obj;
	u32 i;

	if (!count)
		return 0;
	job->bos = kvcalloc(count, sizeof(*job->bos), GFP_KERNEL_ACCOUNT);
	if (!job->bos)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		obj = drm_gem_object_lookup(file, handles[i]);
		if (!obj)
			return -ENOENT;
		job->bos[job->nbos++] = obj;
	}
	return 0;
}

int apu_ioctl_gem_queue(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_apu_gem_queue *args = data;
	struct apu_ctx *ctx = file->driver_priv;
	struct drm_syncobj *syncobj;
	struct apu_record *rec;
	struct apu_job *job;
	u32 *handles = NULL;
	int ret, lookup;
	u32 i;

	/* The order of the checks is the one of docs/uapi-apu.md and the simulator. */
	if (args->device != 0 || args->cmd >= APU_CMD_COUNT ||
	    args->size_in != apu_cmd_sizes[args->cmd].in ||
	    args->size_out != apu_cmd_sizes[args->cmd].out)
		return -EINVAL;
	/* Bounds every allocation below (apu_drm.h). */
	if (args->bo_handle_count > APU_MAX_BO_HANDLES)
		return -EINVAL;

	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	rec = kzalloc(sizeof(*rec), GFP_KERNEL_ACCOUNT);
	if (!job || !rec) {
		ret = -ENOMEM;
		goto err_free;
	}
	job->cmd = args->cmd;
	job->size_out = args->size_out;
	if (args->size_in &&
	    copy_from_user(job->args, u64_to_user_ptr(args->data), args->size_in)) {
		ret = -EFAULT;
		goto err_free;
	}
	if (!apu_args_pads_zero(job->cmd, job->args)) {
		ret = -EINVAL;
		goto err_free;
	}
	ret = apu_read_handles(args->bo_handles, args->bo_handle_count, &handles);
	if (ret)
		goto err_free;
	/* What run_job needs, allocated now: it must not allocate (apu_hw.c). */
	ret = apu_hw_job_prepare(job);
	if (ret)
		goto err_free;
	/*
	 * The objects are looked up outside jobs_lock; an unknown handle is
	 * reported after the out_sync checks, in the documented order.
	 */
	lookup = apu_job_lookup_bos(file, job, handles, args->bo_handle_count);
	if (lookup == -ENOMEM) {
		ret = lookup;
		goto err_free;
	}

	syncobj = drm_syncobj_find(file, args->out_sync);
	if (!syncobj) {
		ret = -ENOENT;
		goto err_free;
	}

	mutex_lock(&ctx->jobs_lock);
	if (apu_record_find(ctx, args->out_sync)) {
		ret = -EINVAL;
		goto err_unlock;
	}
	if (lookup) {
		ret = lookup;
		goto err_unlock;
	}

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
	ret = drm_sched_job_init(&job->base, &ctx->entity, 1, ctx);
#else
	/* The client id only labels the scheduler's trace events. */
	ret = drm_sched_job_init(&job->base, &ctx->entity, 1, ctx, file->client_id);
#endif
	if (ret)
		goto err_unlock;
	job->ctx = ctx;
	kref_get(&ctx->ref);
	atomic_inc(&ctx->jobs_alive);
	job->rec = rec;
	rec->out_sync = args->out_sync;
	rec->result = -1;
	rec->size_out = args->size_out;

	drm_sched_job_arm(&job->base);
	rec->done = dma_fence_get(&job->base.s_fence->finished);
	list_add_tail(&rec->node, &ctx->records);
	drm_syncobj_replace_fence(syncobj, rec->done);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&ctx->jobs_lock);

	drm_syncobj_put(syncobj);
	kvfree(handles);
	return 0;

err_unlock:
	mutex_unlock(&ctx->jobs_lock);
	drm_syncobj_put(syncobj);
err_free:
	if (job) {
		for (i = 0; i < job->nbos; i++)
			drm_gem_object_put(job->bos[i]);
		kvfree(job->bos);
		apu_hw_job_release(job);
	}
	kvfree(handles);
	kfree(rec);
	kfree(job);
	return ret;
}

int apu_ioctl_gem_dequeue(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_apu_gem_dequeue *args = data;
	struct apu_ctx *ctx = file->driver_priv;
	struct apu_record *rec;
	int ret = 0, result;

	mutex_lock(&ctx->jobs_lock);
	rec = apu_record_find(ctx, args->out_sync);
	if (!rec) {
		ret = -ENOENT;
		goto out;
	}
	if (!dma_fence_is_signaled(rec->done)) {
		ret = -EAGAIN;
		goto out;
	}
	/*
	 * The device wrote the result before signalling the fence (apu_hw_end);
	 * pairs with the full barrier of the test_and_set_bit() in
	 * dma_fence_signal(), which dma_fence_is_signaled() may not have taken.
	 */
	smp_rmb();
	if (args->data) {
		if (args->size < rec->size_out) {
			ret = -EINVAL;
			goto out;
		}
		if (rec->size_out &&
		    copy_to_user(u64_to_user_ptr(args->data), rec->out, rec->size_out)) {
			ret = -EFAULT;
			goto out;
		}
	}
	/* A job the device never saw ended with its fence's error (ESRCH, ENOMEM). */
	result = rec->result >= 0 ? rec->result : -rec->done->error;
	args->result = result;
	args->size = rec->size_out;
	apu_record_free(rec);
out:
	mutex_unlock(&ctx->jobs_lock);
	return ret;
}
