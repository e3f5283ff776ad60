// SPDX-License-Identifier: GPL-2.0
/*
 * accel-conformance reference APU: a DRM compute-accelerator driver
 * (/dev/accel/accelN) for a device emulated in the kernel.
 *
 * Like drivers/gpu/drm/vgem/vgem_drv.c the module registers its own platform
 * device ("apu.0"); unlike vgem it also registers a platform driver that
 * binds to it, so the device has a driver in sysfs as real hardware would.
 * Accel specifics follow include/drm/drm_accel.h and drivers/accel/ivpu.
 */

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/version.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <drm/drm_accel.h>
#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_prime.h>

#include "apu_drv.h"

/*
 * Module parameters, read at load time (0444). Values outside the ranges the
 * simulator accepts (drivers/apu/sim/config.ts) make the load fail.
 */
static int apu_param_set_timeout(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 3600000);
}

static int apu_param_set_ban(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 1000000);
}

static int apu_param_set_bool01(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 1);
}

static const struct kernel_param_ops apu_timeout_ops = {
	.set = apu_param_set_timeout,
	.get = param_get_uint,
};

static const struct kernel_param_ops apu_ban_ops = {
	.set = apu_param_set_ban,
	.get = param_get_uint,
};

static const struct kernel_param_ops apu_bool01_ops = {
	.set = apu_param_set_bool01,
	.get = param_get_uint,
};

unsigned int apu_timeout_ms = 500;
module_param_cb(timeout_ms, &apu_timeout_ops, &apu_timeout_ms, 0444);
MODULE_PARM_DESC(timeout_ms, "Job timeout in milliseconds, 1..3600000 (default 500)");

unsigned int apu_ban_after = 3;
module_param_cb(ban_after, &apu_ban_ops, &apu_ban_after, 0444);
MODULE_PARM_DESC(ban_after, "Consecutive job timeouts before a context is banned, 0 = never (default 3)");

/* 0 or 1, shown as such in sysfs (a bool parameter would show N/Y). */
unsigned int apu_exclusive;
module_param_cb(exclusive, &apu_bool01_ops, &apu_exclusive, 0444);
MODULE_PARM_DESC(exclusive, "1: one open file at a time, EBUSY for others, EAGAIN during teardown (default 0)");

static struct platform_device *apu_pdev;

/* The last reference: the file's, or a job's freed after postclose returned. */
static void apu_ctx_release(struct kref *ref)
{
	struct apu_ctx *ctx = container_of(ref, struct apu_ctx, ref);
	struct apu_device *adev = ctx->adev;

	kfree(ctx);
	if (atomic_dec_and_test(&adev->contexts))
		wake_up_all(&adev->contexts_wq);
}

void apu_ctx_put(struct apu_ctx *ctx)
{
	kref_put(&ctx->ref, apu_ctx_release);
}

static int apu_open(struct drm_device *drm, struct drm_file *file)
{
	struct apu_device *adev = to_apu_device(drm);
	struct drm_gpu_scheduler *sched = &adev->sched;
	struct apu_ctx *ctx;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	ctx->adev = adev;
	kref_init(&ctx->ref);
	apu_mmu_init(ctx);
	mutex_init(&ctx->jobs_lock);
	INIT_LIST_HEAD(&ctx->records);
	atomic_set(&ctx->jobs_alive, 0);
	init_waitqueue_head(&ctx->jobs_wq);

	ret = drm_sched_entity_init(&ctx->entity, DRM_SCHED_PRIORITY_NORMAL, &sched, 1, NULL);
	if (ret)
		goto err_free;

	/*
	 * exclusive=1: the holder keeps the device until its context is
	 * released, which is after the last reference to the open file went
	 * and its jobs were stopped (see apu_postclose()).
	 */
	mutex_lock(&adev->open_lock);
	if (apu_exclusive && adev->owner) {
		ret = adev->owner->closing ? -EAGAIN : -EBUSY;
		mutex_unlock(&adev->open_lock);
		goto err_entity;
	}
	if (apu_exclusive)
		adev->owner = ctx;
	mutex_unlock(&adev->open_lock);

	atomic_inc(&adev->contexts);
	file->driver_priv = ctx;
	return 0;

err_entity:
	drm_sched_entity_destroy(&ctx->entity);
err_free:
	mutex_destroy(&ctx->jobs_lock);
	xa_destroy(&ctx->pt);
	mutex_destroy(&ctx->pt_lock);
	kfree(ctx);
	return ret;
}

/*
 * drm_driver.postclose: the last reference to the open file description is
 * gone (drm_release -> drm_file_free, after the core released the file's
 * syncobjs and GEM handles). Tears the context down before close() returns:
 * the job on the device is aborted (a job the firmware is executing ends
 * first), queued ones are killed by drm_sched_entity_fini() and end with
 * ESRCH, and once the scheduler has freed them all the mappings and results
 * go. Meanwhile an exclusive device answers EAGAIN to other openers.
 *
 * Every wait here is bounded by this context's own jobs, never by the jobs
 * other contexts queued ahead of it: the one job on the device is ended
 * now (or, if the firmware is executing it, when that command ends), the
 * queued ones are killed without waiting for the device, and a killed job
 * waits only for this entity's previous job (drm_sched_entity_kill()).
 */
static void apu_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct apu_device *adev = to_apu_device(drm);
	struct apu_ctx *ctx = file->driver_priv;

	mutex_lock(&adev->open_lock);
	spin_lock(&adev->hw_lock);
	ctx->closing = true;
	spin_unlock(&adev->hw_lock);
	mutex_unlock(&adev->open_lock);

	apu_hw_abort(adev, NULL, ctx, ESRCH);
	/*
	 * Kill the entity while the scheduler's submission work is stopped.
	 * Killing an entity while the scheduler pops from it races on 6.12:
	 * the FIFO update in drm_sched_entity_pop_job() can put the entity
	 * back into the run queue's rb tree after drm_sched_entity_kill()
	 * removed it, and the freed entity is then found there by the next
	 * push (seen as an oops in drm_sched_rq_update_fifo_locked under
	 * harness/lane/guest/stress.js). With drm_sched_wqueue_stop() no pop
	 * is in progress or can start until drm_sched_wqueue_start(); the
	 * timeout handler, the other user of the pair, is kept out by
	 * sched_lock. Nothing in between waits for a fence or allocates.
	 */
	mutex_lock(&adev->sched_lock);
	drm_sched_wqueue_stop(&adev->sched);
	drm_sched_entity_fini(&ctx->entity);
	drm_sched_wqueue_start(&adev->sched);
	mutex_unlock(&adev->sched_lock);
	wait_event(ctx->jobs_wq, !atomic_read(&ctx->jobs_alive));

	/* No job is left to use the page table or write a result. */
	apu_mmu_fini(ctx);
	apu_jobs_fini(ctx);
	mutex_lock(&adev->open_lock);
	if (adev->owner == ctx)
		adev->owner = NULL;
	mutex_unlock(&adev->open_lock);

	file->driver_priv = NULL;
	apu_ctx_put(ctx);
}

static int apu_ioctl_state(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_apu_state *args = data;

	if (args->device != 0)
		return -EINVAL;
	args->flags = apu_hw_state_flags(to_apu_device(drm));
	return 0;
}

static const struct drm_ioctl_desc apu_ioctls[] = {
	DRM_IOCTL_DEF_DRV(APU_STATE, apu_ioctl_state, 0),
	DRM_IOCTL_DEF_DRV(APU_GEM_NEW, apu_ioctl_gem_new, 0),
	DRM_IOCTL_DEF_DRV(APU_GEM_QUEUE, apu_ioctl_gem_queue, 0),
	DRM_IOCTL_DEF_DRV(APU_GEM_DEQUEUE, apu_ioctl_gem_dequeue, 0),
	DRM_IOCTL_DEF_DRV(APU_GEM_IOMMU_MAP, apu_ioctl_iommu_map, 0),
	DRM_IOCTL_DEF_DRV(APU_GEM_IOMMU_UNMAP, apu_ioctl_iommu_unmap, 0),
};

DEFINE_DRM_ACCEL_FOPS(apu_fops);

static const struct drm_driver apu_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ,
	.open = apu_open,
	.postclose = apu_postclose,
	.gem_create_object = apu_gem_create_object,
	.gem_prime_import_sg_table = apu_gem_prime_import_sg_table,
	.ioctls = apu_ioctls,
	.num_ioctls = ARRAY_SIZE(apu_ioctls),
	.fops = &apu_fops,
	.name = APU_DRIVER_NAME,
	.desc = APU_DRIVER_DESC,
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
	/* 6.14 removed drm_driver.date; drm_version() then reports "0". */
	.date = APU_DRIVER_DATE,
#endif
	.major = APU_DRIVER_MAJOR,
	.minor = APU_DRIVER_MINOR,
	.patchlevel = APU_DRIVER_PATCHLEVEL,
};

static int apu_debugfs_gem_objects(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;

	seq_printf(m, "%d\n", atomic_read(&to_apu_device(entry->dev)->gem_objects));
	return 0;
}

static int apu_probe(struct platform_device *pdev)
{
	struct apu_device *adev;
	int ret;

	ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;

	adev = devm_drm_dev_alloc(&pdev->dev, &apu_drm_driver, struct apu_device, drm);
	if (IS_ERR(adev))
		return PTR_ERR(adev);
	atomic_set(&adev->gem_objects, 0);
	atomic_set(&adev->contexts, 0);
	init_waitqueue_head(&adev->contexts_wq);
	mutex_init(&adev->open_lock);
	mutex_init(&adev->sched_lock);
	apu_hw_init(adev);

	adev->bounce = devm_kzalloc(&pdev->dev, PAGE_SIZE, GFP_KERNEL);
	if (!adev->bounce)
		return -ENOMEM;
	adev->hw_wq = alloc_ordered_workqueue("apu-hw", 0);
	if (!adev->hw_wq)
		return -ENOMEM;

	ret = apu_sched_init(adev);
	if (ret)
		goto err_wq;

	drm_debugfs_add_file(&adev->drm, "gem_objects", apu_debugfs_gem_objects, NULL);

	ret = drm_dev_register(&adev->drm, 0);
	if (ret)
		goto err_sched;
	platform_set_drvdata(pdev, adev);
	return 0;

err_sched:
	apu_sched_fini(adev);
err_wq:
	destroy_workqueue(adev->hw_wq);
	return ret;
}

static void apu_remove(struct platform_device *pdev)
{
	struct apu_device *adev = platform_get_drvdata(pdev);

	drm_dev_unplug(&adev->drm);
	/*
	 * Closed files may still have jobs being freed: wait for their
	 * contexts. Only reached from module unload, which the open files
	 * prevent (the fops hold the module); a sysfs unbind, which would wait
	 * here for files that stay open, is not offered.
	 */
	wait_event(adev->contexts_wq, !atomic_read(&adev->contexts));
	apu_sched_fini(adev);
	apu_hw_fini(adev);
	destroy_workqueue(adev->hw_wq);
	mutex_destroy(&adev->sched_lock);
	mutex_destroy(&adev->open_lock);
}

static struct platform_driver apu_platform_driver = {
	.probe = apu_probe,
	.remove = apu_remove,
	.driver = {
		.name = APU_DRIVER_NAME,
		/* No sysfs unbind: apu_remove() waits for every context. */
		.suppress_bind_attrs = true,
	},
};

static int __init apu_init(void)
{
	int ret;

	ret = platform_driver_register(&apu_platform_driver);
	if (ret)
		return ret;
	apu_pdev = platform_device_register_simple(APU_DRIVER_NAME, 0, NULL, 0);
	if (IS_ERR(apu_pdev)) {
		platform_driver_unregister(&apu_platform_driver);
		return PTR_ERR(apu_pdev);
	}
	if (!platform_get_drvdata(apu_pdev)) {
		/* The probe failed: do not stay loaded without a device. */
		platform_device_unregister(apu_pdev);
		platform_driver_unregister(&apu_platform_driver);
		return -ENODEV;
	}
	return 0;
}

static void __exit apu_exit(void)
{
	platform_device_unregister(apu_pdev);
	platform_driver_unregister(&apu_platform_driver);
}

module_init(apu_init);
module_exit(apu_exit);

MODULE_AUTHOR("accel-conformance");
MODULE_DESCRIPTION(APU_DRIVER_DESC);
MODULE_LICENSE("GPL");
/* dma_buf_vmap_unlocked() and the CPU access brackets (a string literal since 6.13). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
MODULE_IMPORT_NS(DMA_BUF);
#else
MODULE_IMPORT_NS("DMA_BUF");
#endif
