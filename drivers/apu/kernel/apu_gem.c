// SPDX-License-Identifier: GPL-2.0
/*
 * APU buffer objects: GEM objects on the shmem helpers
 * (drivers/gpu/drm/drm_gem_shmem_helper.c), with a driver wrapper for the
 * device-read-only flag and the live object count of debugfs gem_objects.
 * The object funcs are those of the shmem helpers except .free (as
 * drivers/accel/ivpu/ivpu_gem.c and drivers/gpu/drm/v3d/v3d_bo.c do).
 */

#include <linux/scatterlist.h>
#include <linux/slab.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>

#include "apu_drv.h"

static void apu_gem_free(struct drm_gem_object *obj)
{
	struct apu_device *adev = to_apu_device(obj->dev);
	struct apu_bo *bo = to_apu_bo(obj);

	kvfree(bo->import_pages);
	mutex_destroy(&bo->pages_lock);
	drm_gem_shmem_free(&bo->base);
	atomic_dec(&adev->gem_objects);
}

static const struct drm_gem_object_funcs apu_gem_funcs = {
	.free = apu_gem_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

/* drm_driver.gem_create_object: also used for imported dma-bufs. */
struct drm_gem_object *apu_gem_create_object(struct drm_device *drm, size_t size)
{
	struct apu_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	mutex_init(&bo->pages_lock);
	bo->base.base.funcs = &apu_gem_funcs;
	atomic_inc(&to_apu_device(drm)->gem_objects);
	return &bo->base.base;
}

/* The pages of an imported object, from the sg_table of its attachment. */
static int apu_bo_import_pages(struct apu_bo *bo)
{
	struct drm_gem_object *obj = &bo->base.base;
	unsigned long n = obj->size >> PAGE_SHIFT, i = 0;
	struct sg_page_iter iter;
	struct page **pages;

	if (!bo->base.sgt)
		return -EINVAL;
	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for_each_sgtable_page(bo->base.sgt, &iter, 0) {
		if (i == n)
			break;
		pages[i++] = sg_page_iter_page(&iter);
	}
	if (i != n) {
		kvfree(pages);
		return -EINVAL;
	}
	bo->import_pages = pages;
	bo->import_npages = n;
	return 0;
}

/*
 * Makes the pages of @obj resident for a device mapping and returns them,
 * one per PAGE_SIZE of the object. Undo with apu_bo_put_pages().
 */
int apu_bo_get_pages(struct drm_gem_object *obj, struct page ***pages)
{
	struct apu_bo *bo = to_apu_bo(obj);
	int ret = 0;

	if (obj->import_attach) {
		mutex_lock(&bo->pages_lock);
		if (!bo->import_pages)
			ret = apu_bo_import_pages(bo);
		mutex_unlock(&bo->pages_lock);
		if (!ret)
			*pages = bo->import_pages;
		return ret;
	}
	ret = drm_gem_shmem_pin(&bo->base);
	if (ret)
		return ret;
	*pages = bo->base.pages;
	return 0;
}

void apu_bo_put_pages(struct drm_gem_object *obj)
{
	if (!obj->import_attach)
		drm_gem_shmem_unpin(to_drm_gem_shmem_obj(obj));
}

int apu_ioctl_gem_new(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_apu_gem_new *args = data;
	struct drm_gem_shmem_object *shmem;
	u32 size = args->size, handle;
	int ret;

	/* Nothing is returned on failure (docs/uapi-apu.md). */
	args->handle = 0;
	args->offset = 0;
	if (!size || size > APU_MAX_BO_SIZE || (args->flags & ~APU_BO_FLAGS))
		return -EINVAL;

	shmem = drm_gem_shmem_create(drm, PAGE_ALIGN(size));
	if (IS_ERR(shmem))
		return PTR_ERR(shmem);
	to_apu_bo(&shmem->base)->flags = args->flags;

	ret = drm_gem_create_mmap_offset(&shmem->base);
	if (!ret)
		ret = drm_gem_handle_create(file, &shmem->base, &handle);
	if (!ret) {
		args->handle = handle;
		args->offset = drm_vma_node_offset_addr(&shmem->base.vma_node);
	}
	/* The handle holds its own reference. */
	drm_gem_object_put(&shmem->base);
	return ret;
}
