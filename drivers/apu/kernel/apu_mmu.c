// SPDX-License-Identifier: GPL-2.0
/*
 * The per-context IO page table of the emulated APU and the device's view of
 * memory through it.
 *
 * Each open file has its own table: an xarray from device page frame number
 * to struct page, with XA_MARK_1 on writable entries (IOMMU_READ |
 * IOMMU_WRITE in drivers/iommu terms; read-only objects get IOMMU_READ only).
 * Device addresses come from a first-fit allocator over the aperture
 * [APU_APERTURE_START, APU_APERTURE_END). Every device access is checked page
 * by page before any byte moves, so a faulting access changes nothing.
 */

#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>

#include "apu_drv.h"

#define APU_PTE_WRITABLE	XA_MARK_1

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
	apu_bo_put_pages(m->obj);
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
	struct page **pages;
	int ret;

	ret = apu_bo_get_pages(m->obj, &pages);
	if (ret)
		return ret;
	for (i = 0; i < m->npages; i++) {
		ret = xa_err(xa_store(&ctx->pt, first + i, pages[i], GFP_KERNEL));
		if (ret)
			goto unwind;
		if (m->writable)
			xa_set_mark(&ctx->pt, first + i, APU_PTE_WRITABLE);
	}
	m->populated = true;
	return 0;

unwind:
	while (i--)
		xa_erase(&ctx->pt, first + i);
	apu_bo_put_pages(m->obj);
	return ret;
}

/*
 * Reads a user array of @count u32 handles. The array is copied in small
 * pieces first so that an unreadable array gives EFAULT (and not ENOMEM
 * for a huge count), then in one piece.
 */
int apu_read_handles(u64 uptr, u32 count, u32 **handles)
{
	const u32 __user *src = u64_to_user_ptr(uptr);
	u32 chunk[64];
	u32 done, n;

	*handles = NULL;
	if (!count)
		return 0;
	for (done = 0; done < count; done += n) {
		n = min_t(u32, count - done, ARRAY_SIZE(chunk));
		if (copy_from_user(chunk, src + done, n * sizeof(u32)))
			return -EFAULT;
	}
	*handles = vmemdup_array_user(src, count, sizeof(u32));
	if (IS_ERR(*handles)) {
		int ret = PTR_ERR(*handles);

		*handles = NULL;
		return ret;
	}
	return 0;
}

/* Looks up every handle, taking a reference on each; ENOENT for any unknown. */
static int apu_lookup_all(struct drm_file *file, const u32 *handles, u32 count,
			  struct drm_gem_object ***objs_out)
{
	struct drm_gem_object **objs;
	u32 i;

	objs = kvcalloc(count, sizeof(*objs), GFP_KERNEL);
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

	if (!args->bo_handle_count || args->bo_handle_count > APU_MAX_MAP_HANDLES)
		return -EINVAL;
	ret = apu_read_handles(args->bo_handles, args->bo_handle_count, &handles);
	if (ret)
		return ret;
	ret = apu_lookup_all(file, handles, args->bo_handle_count, objs);
	kvfree(handles);
	return ret;
}

int apu_ioctl_iommu_map(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_apu_gem_iommu_map *args = data;
	struct apu_ctx *ctx = file->driver_priv;
	struct apu_mapping **maps, *m;
	struct drm_gem_object **objs;
	u32 count = args->bo_handle_count, i;
	u64 *addrs;
	int ret;

	ret = apu_map_args(file, args, &objs);
	if (ret)
		return ret;
	maps = kvcalloc(count, sizeof(*maps), GFP_KERNEL);
	addrs = kvcalloc(count, sizeof(*addrs), GFP_KERNEL);
	if (!maps || !addrs) {
		ret = -ENOMEM;
		goto out_free;
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
			m = kzalloc(sizeof(*m), GFP_KERNEL);
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
		maps[i] = m;
		addrs[i] = m->iova;
	}
	for (i = 0; i < count; i++) {
		if (!maps[i]->populated) {
			ret = apu_mapping_populate(ctx, maps[i]);
			if (ret)
				goto unwind_all;
		}
	}
	if (copy_to_user(u64_to_user_ptr(args->bo_device_addresses), addrs,
			 count * sizeof(*addrs))) {
		ret = -EFAULT;
		goto unwind_all;
	}
	mutex_unlock(&ctx->pt_lock);
	goto out_free;

unwind_all:
	i = count;
unwind:
	while (i--) {
		m = maps[i];
		if (--m->refs == 0)
			apu_mapping_free(ctx, m);
	}
	mutex_unlock(&ctx->pt_lock);
out_free:
	kvfree(addrs);
	kvfree(maps);
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
static struct page *apu_pte(struct apu_ctx *ctx, u64 iova, bool write)
{
	unsigned long pfn = iova >> PAGE_SHIFT;
	struct page *page = xa_load(&ctx->pt, pfn);

	if (page && write && !xa_get_mark(&ctx->pt, pfn, APU_PTE_WRITABLE))
		return NULL;
	return page;
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

/* Walks a checked range page piece by page piece. */
#define apu_for_each_piece(iova, len, off, n)					\
	for (off = 0;								\
	     off < (len) && ((n) = min_t(u64, (len) - off,			\
				PAGE_SIZE - (((iova) + off) & ~PAGE_MASK)), 1);	\
	     off += (n))

void apu_mmu_fill(struct apu_ctx *ctx, u64 iova, u64 len, u8 value)
{
	u64 off, n;
	void *va;

	apu_for_each_piece(iova, len, off, n) {
		va = kmap_local_page(apu_pte(ctx, iova + off, true));
		memset(va + ((iova + off) & ~PAGE_MASK), value, n);
		kunmap_local(va);
		cond_resched();
	}
}

void apu_mmu_read(struct apu_ctx *ctx, u64 iova, void *buf, size_t len)
{
	u64 off, n;
	void *va;

	apu_for_each_piece(iova, len, off, n) {
		va = kmap_local_page(apu_pte(ctx, iova + off, false));
		memcpy(buf + off, va + ((iova + off) & ~PAGE_MASK), n);
		kunmap_local(va);
	}
}

void apu_mmu_write(struct apu_ctx *ctx, u64 iova, const void *buf, size_t len)
{
	u64 off, n;
	void *va;

	apu_for_each_piece(iova, len, off, n) {
		va = kmap_local_page(apu_pte(ctx, iova + off, true));
		memcpy(va + ((iova + off) & ~PAGE_MASK), buf + off, n);
		kunmap_local(va);
	}
}

/* 32-bit FNV-1a (offset basis 0x811c9dc5, prime 0x01000193). */
u32 apu_mmu_fnv1a(struct apu_ctx *ctx, u64 iova, u64 len)
{
	u32 h = 0x811c9dc5;
	u64 off, n, k;
	const u8 *va;

	apu_for_each_piece(iova, len, off, n) {
		va = kmap_local_page(apu_pte(ctx, iova + off, false));
		for (k = 0; k < n; k++) {
			h ^= va[((iova + off) & ~PAGE_MASK) + k];
			h *= 0x01000193;
		}
		kunmap_local(va);
		cond_resched();
	}
	return h;
}
