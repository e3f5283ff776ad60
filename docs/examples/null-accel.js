// A simulated driver written from scratch against the simulated kernel's
// driver interface (drivers/sim/kernel/drm/driver.ts): a compute accelerator
// with GEM, two ioctls, NULL_INFO (nr 0x00, struct { u32 opens; u32 pad; }) and
// NULL_GEM (nr 0x01, struct { u32 size; u32 handle; u64 offset; }), and its own
// mmap op. See docs/plugins.md.
'use strict';

/** @param {import('../../drivers').PluginApi} api */
module.exports = function nullAccel(api) {
  const { DRIVER_COMPUTE_ACCEL, DRIVER_GEM, DRM_RENDER_ALLOW } = api.constants;
  const NULL_INFO = api.driverIoctl(0x00, 8);
  const NULL_GEM = api.driverIoctl(0x01, 16);
  return api.defineDriver({
    name: 'null-accel',
    driverName: 'null-accel',
    module: 'null_accel',
    params: { max_opens: '0' },
    probe(kernel, config) {
      const maxOpens = Number(config.params.max_opens ?? '0');
      let opens = 0;
      return kernel.registerDrmDriver(
        {
          name: 'null-accel',
          desc: 'A do-nothing accelerator (plugin example)',
          date: '20250101',
          major: 1,
          minor: 0,
          patchlevel: 0,
          features: DRIVER_COMPUTE_ACCEL | DRIVER_GEM,
          ioctls: [
            {
              nr: 0x00,
              name: 'DRM_IOCTL_NULL_INFO',
              cmd: NULL_INFO,
              flags: DRM_RENDER_ALLOW,
              func(_dev, data) {
                data.writeUInt32LE(opens, 0);
                return 0;
              },
            },
            {
              nr: 0x01,
              name: 'DRM_IOCTL_NULL_GEM',
              cmd: NULL_GEM,
              flags: DRM_RENDER_ALLOW,
              func(dev, data, file) {
                const obj = dev.gemObjectCreate(data.readUInt32LE(0));
                try {
                  data.writeUInt32LE(dev.gemHandleCreate(file, obj), 4);
                  data.writeBigUInt64LE(dev.gemMmapOffset(obj), 8);
                } finally {
                  obj.put();
                }
                return 0;
              },
            },
          ],
          // Its own file_operations.mmap, with what drm_gem_mmap uses: the object at
          // the fake offset (a new reference) and whether this file holds a handle to it.
          mmap(dev, file, vma) {
            const obj = dev.gemObjectByOffset(vma.pgoff, vma.length);
            if (!obj) throw api.SysError.of('EINVAL', 'mmap');
            if (!dev.gemFileHoldsHandle(file, obj)) {
              obj.put();
              throw api.SysError.of('EACCES', 'mmap');
            }
            vma.memory = obj.memory.subarray(0, vma.length);
            vma.close = () => obj.put(); // the mapping keeps the lookup's reference until munmap
          },
          open() {
            if (maxOpens > 0 && opens >= maxOpens) throw api.SysError.of('EBUSY', 'open');
            opens++;
          },
          postclose() {
            opens--;
          },
        },
        { module: 'null_accel', params: { max_opens: String(maxOpens) }, parentName: `null-accel.${config.instance}`, defects: config.defects },
      );
    },
    profile() {
      return {
        driver: 'null-accel',
        openPolicy: 'shared',
        openPolicySource: 'declared',
        controlNode: false,
        jobTimeoutMs: null,
        iommu: 'none',
        prime: true,
        syncobj: false,
      };
    },
  });
};
