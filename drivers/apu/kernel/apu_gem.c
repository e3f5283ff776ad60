// SPDX-License-Identifier: GPL-2.0
/*
 * APU buffer objects: GEM objects on the shmem helpers
 * (drivers/gpu/drm/drm_gem_shmem_helper.c), with a driver wrapper for the
 * device-read-only flag and the live object count of debugfs gem_objects.
 * The object funcs are those of the shmem helpers except .free (as
 * drivers/accel/ivpu/ivpu_gem.c and drivers/gpu/drm/v3d/v3d_bo.c do).
 * The driver's own allocations for an object are charged to the creating
 * task's memory cgroup (GFP_KERNEL_ACCOUNT), as shmem charges the pages.
 */

#include <linux/dma-buf.h>
#include <linux/iosys-map.h>
#include <linux/slab.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>

#include "apu_drv.h"

static void apu_gem_free(struct drm_gem_object *obj)
{
	struct apu_device *adev = to_apu_device(obj->dev);

	drm_gem_shmem_free(to_drm_gem_shmem_obj(obj));
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

/*
 * drm_driver.gem_create_object: also used for imported dma-bufs. Not counted
 * in gem_objects here: on a failure after this point the shmem helper
 * (__drm_gem_shmem_create) kfree()s the object without calling .free, so
 * an object is counted only once its creation succeeded (apu_ioctl_gem_new,
 * apu_gem_prime_import_sg_table).
 */
struct drm_gem_object *apu_gem_create_object(struct drm_device *drm, size_t size)
{
	struct apu_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.base.funcs = &apu_gem_funcs;
	return &bo->base.base;
}

/* drm_driver.gem_prime_import_sg_table: the shmem helper's, counted on success. */
struct drm_gem_object *apu_gem_prime_import_sg_table(struct drm_device *drm,
						     struct dma_buf_attachment *attach,
						     struct sg_table *sgt)
{
	struct drm_gem_object *obj;

	obj = drm_gem_shmem_prime_import_sg_table(drm, attach, sgt);
	if (!IS_ERR(obj))
		atomic_inc(&to_apu_device(drm)->gem_objects);
	return obj;
}

/*
 * Makes the backing store of @obj available to the emulated device for the
 * mapping @m: a native object's shmem pages are pinned (the helper's own
 * pages array, as drivers/gpu/drm/v3d/v3d_mmu.c uses it); an imported
 * object is reached only through the exporter's kernel mapping,
 * dma_buf_vmap_unlocked() (include/linux/dma-buf.h), never through the pages
 * of the importer's sg_table (the dma-buf importer rules of
 * Documentation/driver-api/dma-buf.rst; CONFIG_DMABUF_DEBUG mangles them).
 * Undo with apu_bo_put_pages().
 */
int apu_bo_get_pages(struct drm_gem_object *obj, struct apu_mapping *m)
{
	struct drm_gem_shmem_object *shmem = to_drm_gem_shmem_obj(obj);
	int ret;

	if (obj->import_attach) {
		ret = dma_buf_vmap_unlocked(obj->import_attach->dmabuf, &m->vmap);
		if (ret)
			return ret;
		/* The emulated device reaches system memory only. */
		if (m->vmap.is_iomem) {
			dma_buf_vunmap_unlocked(obj->import_attach->dmabuf, &m->vmap);
			iosys_map_clear(&m->vmap);
			return -EOPNOTSUPP;
		}
		return 0;
	}
	ret = drm_gem_shmem_pin(shmem);
	if (ret)
		return ret;
	m->pages = shmem->pages;
	return 0;
}

void apu_bo_put_pages(struct drm_gem_object *obj, struct apu_mapping *m)
{
	if (obj->import_attach) {
		dma_buf_vunmap_unlocked(obj->import_attach->dmabuf, &m->vmap);
		iosys_map_clear(&m->vmap);
		return;
	}
	m->pages = NULL;
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

	/* The helper also creates the mmap offset (__drm_gem_shmem_create). */
	shmem = drm_gem_shmem_create(drm, PAGE_ALIGN(size));
	if (IS_ERR(shmem))
		return PTR_ERR(shmem);
	/* From here on .free runs for the object: count it. */
	atomic_inc(&to_apu_device(drm)->gem_objects);
	to_apu_bo(&shmem->base)->flags = args->flags;

	ret = drm_gem_handle_create(file, &shmem->base, &handle);
	if (!ret) {
		args->handle = handle;
		args->offset = drm_vma_node_offset_addr(&shmem->base.vma_node);
	}
	/* The handle holds its own reference. */
	drm_gem_object_put(&shmem->base);
	return ret;
}
