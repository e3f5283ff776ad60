// A simulated driver plugin: the bundled sim:apu with three ops replaced.
// Boot it with `accel-conformance run --device sim:./docs/examples/slow-apu.js`
// or bootSimMachine(['./docs/examples/slow-apu.js']). See docs/plugins.md.
'use strict';

/** @param {import('../../drivers').PluginApi} api */
module.exports = function slowApu(api) {
  return api.extendApuDriver({
    base: 'apu',
    name: 'slow-apu',
    driverName: 'slow-apu',
    module: 'slow_apu',
    desc: 'APU with a ten times slower firmware and 1 MiB objects',
    overrides: {
      // The firmware: every command takes ten times as long (virtual time).
      executeJob(dev, job, base) {
        const exec = base(dev, job);
        return { durationNs: exec.durationNs * 10n, run: exec.run };
      },
      // One ioctl: objects above 1 MiB are refused before the bundled handler runs.
      ioctls: {
        GEM_NEW(dev, data, file, ctx, base) {
          if (data.readUInt32LE(0) > 1 << 20) throw api.SysError.of('EINVAL', 'ioctl', 'slow-apu: size above 1 MiB');
          return base(dev, data, file, ctx);
        },
      },
      // Open: count openers, then do what the bundled driver does.
      open(dev, file, ctx, base) {
        dev.opens = (dev.opens || 0) + 1;
        base(dev, file, ctx);
      },
    },
  });
};
