// The bundled APU driver with defects of its own, each written only with the
// plugin API, as the bundled defect catalogue is (drivers/sim/defects.ts).
// Select them as `sim:./docs/examples/buggy-apu.js?defect=NAME`. See docs/plugins.md.
'use strict';

/** @param {import('../../drivers').PluginApi} api */
module.exports = function buggyApu(api) {
  const { drm, apu } = api.uapi;
  return api.extendApuDriver({
    base: 'apu',
    name: 'buggy-apu',
    defects: {
      // Scheduler hook: the TDR fires at three times the declared timeout.
      'tdr-late': {
        layer: 'driver',
        rule: 'a job times out at three times its declared timeout',
        install: (t) => t.overrideSched({ jobTimeout: (job, ns, base) => (ns === null ? null : base(job, ns) * 3n) }),
      },
      // Scheduler hook: jobs queued behind a hang are lost.
      'lost-after-hang': {
        layer: 'driver',
        rule: 'jobs queued behind a timed-out job never signal',
        install: (t) =>
          t.overrideSched({
            timedOut: (guilty, reset, base) => {
              reset.lose(() => true);
              base(guilty, reset);
            },
          }),
      },
      // Core hook: handle numbers are never reused (idr_alloc_cyclic).
      'handles-cyclic': {
        layer: 'driver',
        rule: 'a closed GEM handle number is never handed out again',
        install: (t) => t.coreHooks((h) => h.override('handleIdr', () => new api.lib.Idr(true))),
      },
      // Core ioctl replaced: GEM_CLOSE of an unknown handle "succeeds".
      'close-anything': {
        layer: 'driver',
        rule: 'GEM_CLOSE of an unknown handle succeeds',
        install: (t) =>
          t.coreHooks((h) =>
            h.overrideIoctl('GEM_CLOSE', (dev, data, file, ctx, base) => {
              const obj = dev.gemObjectLookup(file, drm.drm_gem_close.decode(data).handle);
              if (!obj) return 0;
              obj.put();
              return base(dev, data, file, ctx);
            }),
          ),
      },
      // Driver op, mapping helper: read-only objects mapped writable.
      'ro-writable': {
        layer: 'driver',
        rule: 'APU_BO_DEVICE_RO objects are mapped writable',
        install: (t) =>
          t.overrideOps({
            iommuMap(dev, ctx, objs) {
              const r = ctx.mappings.mapAll(objs.map((obj) => ({ key: obj, memory: obj.memory, writable: true })));
              if (Array.isArray(r)) api.lib.syncMappedRefs(ctx, objs);
              return r;
            },
          }),
      },
      // Firmware op and struct codec: CHECKSUM off by one.
      'checksum-off': {
        layer: 'driver',
        rule: 'CHECKSUM returns a wrong value',
        install: (t) =>
          t.overrideOps({
            executeJob(dev, job, base) {
              const exec = base(dev, job);
              if (job.cmd !== apu.APU_CMD_CHECKSUM) return exec;
              return {
                durationNs: exec.durationNs,
                run(domain) {
                  const out = exec.run(domain);
                  if (out.kind !== 'done' || out.result !== 0) return out;
                  const { checksum } = apu.apu_cmd_checksum_out.decode(out.output);
                  return { ...out, output: apu.apu_cmd_checksum_out.encode({ checksum: (checksum + 1) >>> 0 }) };
                },
              };
            },
          }),
      },
      // Driver op with the closing task: the exclusive lock drops at any close().
      'unlock-on-close': {
        layer: 'driver',
        rule: 'the exclusive-open lock drops at any close(), not at the last release',
        install: (t) =>
          t.overrideOps({
            flush(dev, file, closer, base) {
              base(dev, file, closer);
              dev.dropLock(file);
            },
          }),
      },
    },
  });
};
