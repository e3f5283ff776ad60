// SPDX-License-Identifier: GPL-2.0
/*
 * The per-context IO page table of the emulated APU and the device's view of
 * memory through it.
 *
 * Each open file has its own table: an xarray from device page frame number
 * to the mapping that holds the page; a mapping is writable (IOMMU_READ |
 * IOMMU_WRITE in drivers/iommu terms) or read-only (IOMMU_READ only). The
 * CPU that emulates the device reaches a native object's pages with
 * kmap_local_page() and an imported object through the exporter's vmap,
 * inside dma_buf_begin_cpu_access()/dma_buf_end_cpu_access().
 * Device addresses come from a first-fit allocator over the aperture
 * [APU_APERTURE_START, APU_APERTURE_END). Every device access is checked page
 * by page before any byte moves, so a faulting access changes nothing.
 */

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>

#include "apu_drv.h"

void apu_mmu_init(struct apu_ctx *ctx)
{
	mutex_init(&ctx->pt_lock);
	xa_init(&ctx->pt);
	INIT_LIST_HEAD(&ctx->mappings);
}

static void apu_mapping_depopulate(struct apu_ctx *ctx, struct apu_mapping *m)
{
	unsigned long first = m->iova >> PAGE_SHIFT, i;

	if (!m->populated)
		return;
	for (i = 0; i < m->npages; i++)
		xa_erase(&ctx->pt, first + i);
	apu_bo_put_pages(m->obj, m);
	m->populated = false;
}

static void apu_mapping_free(struct apu_ctx *ctx, struct apu_mapping *m)
{
	apu_mapping_depopulate(ctx, m);
	list_del(&m->node);
	drm_gem_object_put(m->obj);
	kfree(m);
}

/* Context teardown: every mapping goes, whatever its count. */
void apu_mmu_fini(struct apu_ctx *ctx)
{
	struct apu_mapping *m, *tmp;

	mutex_lock(&ctx->pt_lock);
	list_for_each_entry_safe(m, tmp, &ctx->mappings, node)
		apu_mapping_free(ctx, m);
	mutex_unlock(&ctx->pt_lock);
	WARN_ON(!xa_empty(&ctx->pt));
	xa_destroy(&ctx->pt);
	mutex_destroy(&ctx->pt_lock);
}

static struct apu_mapping *apu_mapping_find(struct apu_ctx *ctx, struct drm_gem_object *obj)
{
	struct apu_mapping *m;

	list_for_each_entry(m, &ctx->mappings, node)
		if (m->obj == obj)
			return m;
	return NULL;
}

/*
 * First fit: the lowest aperture range of @npages free pages. Inserts @m
 * into the sorted list at that place.
 */
static int apu_mapping_place(struct apu_ctx *ctx, struct apu_mapping *m)
{
	u64 len = (u64)m->npages << PAGE_SHIFT, cursor = APU_APERTURE_START;
	struct list_head *pos = &ctx->mappings;
	struct apu_mapping *r;

	list_for_each_entry(r, &ctx->mappings, node) {
		if (r->iova >= cursor && r->iova - cursor >= len) {
			pos = &r->node;
			break;
		}
		cursor = max(cursor, r->iova + ((u64)r->npages << PAGE_SHIFT));
	}
	if (pos == &ctx->mappings && APU_APERTURE_END - cursor < len)
		return -ENOSPC;
	m->iova = cursor;
	list_add_tail(&m->node, pos);
	return 0;
}

static int apu_mapping_populate(struct apu_ctx *ctx, struct apu_mapping *m)
{
	unsigned long first = m->iova >> PAGE_SHIFT, i;
	int ret;

	ret = apu_bo_get_pages(m->obj, m);
	if (ret)
		return ret;
	for (i = 0; i < m->npages; i++) {
		ret = xa_err(xa_store(&ctx->pt, first + i, m, GFP_KERNEL_ACCOUNT));
		if (ret)
			goto unwind;
	}
	m->populated = true;
	return 0;

unwind:
	while (i--)
		xa_erase(&ctx->pt, first + i);
	apu_bo_put_pages(m->obj, m);
	return ret;
}

/*
 * Reads a user array of @count u32 handles, at most APU_MAX_BO_HANDLES (the
 * callers return EINVAL above that before calling), into memory charged to
 * the caller.
 */
int apu_read_handles(u64 uptr, u32 count, u32 **handles)
{
	u32 *h;

	*handles = NULL;
	if (!count)
		return 0;
	if (WARN_ON_ONCE(count > APU_MAX_BO_HANDLES))
		return -EINVAL;
	h = kvmalloc_array(count, sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return -ENOMEM;
	if (copy_from_user(h, u64_to_user_ptr(uptr), count * sizeof(*h))) {
		kvfree(h);
		return -EFAULT;
	}
	*handles = h;
	return 0;
}

/* Looks up every handle, taking a reference on each; ENOENT for any unknown. */
static int apu_lookup_all(struct drm_file *file, const u32 *handles, u32 count,
			  struct drm_gem_object ***objs_out)
{
	struct drm_gem_object **objs;
	u32 i;

	objs = kvcalloc(count, sizeof(*objs), GFP_KERNEL_ACCOUNT);
	if (!objs)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		objs[i] = drm_gem_object_lookup(file, handles[i]);
		if (!objs[i]) {
			while (i--)
				drm_gem_object_put(objs[i]);
			kvfree(objs);
			return -ENOENT;
		}
	}
	*objs_out = objs;
	return 0;
}

static void apu_put_all(struct drm_gem_object **objs, u32 count)
{
	u32 i;

	for (i = 0; i < count; i++)
		drm_gem_object_put(objs[i]);
	kvfree(objs);
}

static int apu_map_args(struct drm_file *file, struct drm_apu_gem_iommu_map *args,
			struct drm_gem_object ***objs)
{
	u32 *handles;
	int ret;

	if (!args->bo_handle_count || args->bo_handle_count > APU_MAX_BO_HANDLES)
		return -EINVAL;
	ret = apu_read_handles(args->bo_handles, args->bo_handle_count, &handles);
	if (ret)
		return ret;
	ret = apu_lookup_all(file, handles, args->bo_handle_count, objs);
	kvfree(handles);
	return ret;
}

/* Drops the references MAP took on objs[0..count), for a MAP that failed. */
static void apu_map_unwind(struct apu_ctx *ctx, struct drm_gem_object **objs, u32 count)
{
	struct apu_mapping *m;

	while (count--) {
		m = apu_mapping_find(ctx, objs[count]);
		if (m && --m->refs == 0)
			apu_mapping_free(ctx, m);
	}
}

int apu_ioctl_iommu_map(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_apu_gem_iommu_map *args = data;
	struct apu_ctx *ctx = file->driver_priv;
	struct drm_gem_object **objs;
	u32 count = args->bo_handle_count, i;
	struct apu_mapping *m;
	u64 *addrs;
	int ret;

	ret = apu_map_args(file, args, &objs);
	if (ret)
		return ret;
	addrs = kvcalloc(count, sizeof(*addrs), GFP_KERNEL_ACCOUNT);
	if (!addrs) {
		ret = -ENOMEM;
		goto out_put;
	}

	mutex_lock(&ctx->pt_lock);
	/*
	 * Plan and apply in one pass; every step is undone below on failure.
	 * An object mapped before this call, or earlier in it, takes one more
	 * reference at the same address.
	 */
	for (i = 0; i < count; i++) {
		m = apu_mapping_find(ctx, objs[i]);
		if (!m) {
			m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
			if (!m) {
				ret = -ENOMEM;
				goto unwind;
			}
			m->obj = objs[i];
			m->npages = max_t(unsigned long, 1, objs[i]->size >> PAGE_SHIFT);
			m->writable = !(to_apu_bo(objs[i])->flags & APU_BO_DEVICE_RO);
			ret = apu_mapping_place(ctx, m);
			if (ret) {
				kfree(m);
				goto unwind;
			}
			drm_gem_object_get(m->obj);
		}
		m->refs++;
		addrs[i] = m->iova;
		if (!m->populated) {
			ret = apu_mapping_populate(ctx, m);
			if (ret) {
				i++;
				goto unwind;
			}
		}
	}
	mutex_unlock(&ctx->pt_lock);

	/*
	 * The addresses go out after the page table lock is dropped: the
	 * device worker takes that lock, and a copy_to_user() that faults
	 * for as long as userspace likes (userfaultfd, FUSE) must not hold
	 * it. All or nothing: an unwritable array takes the mappings back.
	 */
	if (copy_to_user(u64_to_user_ptr(args->bo_device_addresses), addrs,
			 count * sizeof(*addrs))) {
		ret = -EFAULT;
		mutex_lock(&ctx->pt_lock);
		apu_map_unwind(ctx, objs, count);
		mutex_unlock(&ctx->pt_lock);
	}
	goto out_free;

unwind:
	apu_map_unwind(ctx, objs, i);
	mutex_unlock(&ctx->pt_lock);
out_free:
	kvfree(addrs);
out_put:
	apu_put_all(objs, count);
	return ret;
}

int apu_ioctl_iommu_unmap(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_apu_gem_iommu_map *args = data;
	struct apu_ctx *ctx = file->driver_priv;
	struct drm_gem_object **objs;
	u32 count = args->bo_handle_count, i, j, need;
	struct apu_mapping *m;
	int ret;

	ret = apu_map_args(file, args, &objs);
	if (ret)
		return ret;

	mutex_lock(&ctx->pt_lock);
	/* All or nothing: each object must be mapped as often as it is named. */
	for (i = 0; i < count; i++) {
		m = apu_mapping_find(ctx, objs[i]);
		for (need = 0, j = 0; j < count; j++)
			need += objs[j] == objs[i];
		if (!m || m->refs < need) {
			ret = -EINVAL;
			goto out;
		}
	}
	for (i = 0; i < count; i++) {
		m = apu_mapping_find(ctx, objs[i]);
		if (--m->refs == 0)
			apu_mapping_free(ctx, m);
	}
out:
	mutex_unlock(&ctx->pt_lock);
	apu_put_all(objs, count);
	return ret;
}

/*
 * Device side. The callers hold ctx->pt_lock across the check and the
 * access, so the table cannot change in between.
 */
static struct apu_mapping *apu_pte(struct apu_ctx *ctx, u64 iova, bool write)
{
	struct apu_mapping *m = xa_load(&ctx->pt, iova >> PAGE_SHIFT);

	if (m && write && !m->writable)
		return NULL;
	return m;
}

/* 0 when every page of [iova, iova + len) is mapped for the access. */
int apu_mmu_check(struct apu_ctx *ctx, u64 iova, u64 len, bool write)
{
	u64 last, pfn;

	lockdep_assert_held(&ctx->pt_lock);
	if (!len)
		return 0;
	last = iova + len - 1;
	if (last < iova)
		return -EFAULT;
	for (pfn = iova >> PAGE_SHIFT; pfn <= last >> PAGE_SHIFT; pfn++) {
		if (!apu_pte(ctx, pfn << PAGE_SHIFT, write))
			return -EFAULT;
		cond_resched();
	}
	return 0;
}

static enum dma_data_direction apu_cpu_dir(bool write)
{
	/* As DMA_BUF_IOCTL_SYNC maps DMA_BUF_SYNC_WRITE / _READ (dma-buf.c). */
	return write ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
}

/*
 * dma_buf_begin_cpu_access() waits for the buffer's implicit fences without
 * a limit. The device worker is in the fence signalling path (see "Indefinite
 * DMA Fences" in Documentation/driver-api/dma-buf.rst), so it first waits
 * at most one job timeout itself; a buffer still busy then ends the job
 * with ETIMEDOUT.
 */
static int apu_dmabuf_begin(struct dma_buf *dmabuf, bool write)
{
	long t;

	t = dma_resv_wait_timeout(dmabuf->resv, dma_resv_usage_rw(write), false,
				  msecs_to_jiffies(apu_timeout_ms));
	if (t < 0)
		return t;
	if (!t)
		return -ETIMEDOUT;
	return dma_buf_begin_cpu_access(dmabuf, apu_cpu_dir(write));
}

/* Ends the CPU access of apu_mmu_cpu_access_begin() to a checked range. */
void apu_mmu_cpu_access_end(struct apu_ctx *ctx, u64 iova, u64 len, bool write)
{
	u64 pos = iova, end = iova + len;
	struct apu_mapping *m;

	while (pos < end) {
		m = xa_load(&ctx->pt, pos >> PAGE_SHIFT);
		if (m->obj->import_attach)
			dma_buf_end_cpu_access(m->obj->import_attach->dmabuf, apu_cpu_dir(write));
		pos = m->iova + ((u64)m->npages << PAGE_SHIFT);
	}
}

/*
 * Opens the CPU access to every imported object in the checked range
 * [iova, iova + len) (mappings are contiguous in the table, so the walk
 * jumps from one to the next). On failure nothing stays open.
 */
int apu_mmu_cpu_access_begin(struct apu_ctx *ctx, u64 iova, u64 len, bool write)
{
	u64 pos = iova, end = iova + len;
	struct apu_mapping *m;
	int ret;

	lockdep_assert_held(&ctx->pt_lock);
	while (pos < end) {
		m = xa_load(&ctx->pt, pos >> PAGE_SHIFT);
		if (m->obj->import_attach) {
			ret = apu_dmabuf_begin(m->obj->import_attach->dmabuf, write);
			if (ret) {
				apu_mmu_cpu_access_end(ctx, iova, pos - iova, write);
				return ret;
			}
		}
		pos = m->iova + ((u64)m->npages << PAGE_SHIFT);
	}
	return 0;
}

/* Kernel address of the (checked) device page holding @iova. */
static void *apu_page_map(struct apu_ctx *ctx, u64 iova, struct apu_mapping **mp)
{
	struct apu_mapping *m = xa_load(&ctx->pt, iova >> PAGE_SHIFT);
	unsigned long idx = (iova - m->iova) >> PAGE_SHIFT;

	*mp = m;
	if (m->pages)
		return kmap_local_page(m->pages[idx]);
	return m->vmap.vaddr + (idx << PAGE_SHIFT);
}

static void apu_page_unmap(struct apu_mapping *m, void *va)
{
	if (m->pages)
		kunmap_local(va);
}

/* Walks a checked range page piece by page piece. */
#define apu_for_each_piece(iova, len, off, n)					\
	for (off = 0;								\
	     off < (len) && ((n) = min_t(u64, (len) - off,			\
				PAGE_SIZE - (((iova) + off) & ~PAGE_MASK)), 1);	\
	     off += (n))

void apu_mmu_fill(struct apu_ctx *ctx, u64 iova, u64 len, u8 value)
{
	struct apu_mapping *m;
	u64 off, n;
	void *va;

	apu_for_each_piece(iova, len, off, n) {
		va = apu_page_map(ctx, iova + off, &m);
		memset(va + ((iova + off) & ~PAGE_MASK), value, n);
		apu_page_unmap(m, va);
		cond_resched();
	}
}

void apu_mmu_read(struct apu_ctx *ctx, u64 iova, void *buf, size_t len)
{
	struct apu_mapping *m;
	u64 off, n;
	void *va;

	apu_for_each_piece(iova, len, off, n) {
		va = apu_page_map(ctx, iova + off, &m);
		memcpy(buf + off, va + ((iova + off) & ~PAGE_MASK), n);
		apu_page_unmap(m, va);
	}
}

void apu_mmu_write(struct apu_ctx *ctx, u64 iova, const void *buf, size_t len)
{
	struct apu_mapping *m;
	u64 off, n;
	void *va;

	apu_for_each_piece(iova, len, off, n) {
		va = apu_page_map(ctx, iova + off, &m);
		memcpy(va + ((iova + off) & ~PAGE_MASK), buf + off, n);
		apu_page_unmap(m, va);
	}
}

/* 32-bit FNV-1a (offset basis 0x811c9dc5, prime 0x01000193). */
u32 apu_mmu_fnv1a(struct apu_ctx *ctx, u64 iova, u64 len)
{
	struct apu_mapping *m;
	u32 h = 0x811c9dc5;
	u64 off, n, k;
	const u8 *va;

	apu_for_each_piece(iova, len, off, n) {
		va = apu_page_map(ctx, iova + off, &m);
		for (k = 0; k < n; k++) {
			h ^= va[((iova + off) & ~PAGE_MASK) + k];
			h *= 0x01000193;
		}
		apu_page_unmap(m, (void *)va);
		cond_resched();
	}
	return h;
}
