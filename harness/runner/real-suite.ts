/**
 * The suite a real run uses: the conformance families of tests/, devices
 * from the session (real accel devices, or the bundled simulated drivers),
 * and the in-process subtest executor.
 */
import { families } from '../../tests';
import { DriverPluginError } from '../../drivers/driver-plugin';
import { shippedExpectationsFor, useDriverPlugins } from '../../drivers/registry';
import { DeviceSelectionError } from '../discovery';
import { openSession } from '../session';
import { runSubtest } from '../testing/execute';
import { ConfigError } from './config-error';
import type { SuiteProvider } from './suite';

export const suite: SuiteProvider = {
  families,
  async openSession(device) {
    try {
      const s = await openSession(device !== undefined ? { device } : {});
      return { devices: s.devices, ...(s.notice !== undefined ? { notice: s.notice } : {}), close: () => s.close() };
    } catch (e) {
      // A filter that matches nothing or cannot be parsed is the user's to fix: exit 2, not 3.
      if (e instanceof DeviceSelectionError) throw new ConfigError(e.message, e.details);
      throw e;
    }
  },
  runSubtest: ({ subtest, dev, others, options }) => runSubtest(subtest, dev, others, options),
  loadDriverPlugins(paths) {
    try {
      useDriverPlugins(paths);
    } catch (e) {
      if (e instanceof DriverPluginError) throw new ConfigError(e.message);
      throw e;
    }
  },
  shippedExpectations(dev) {
    // By the profile's driver name first (what a plugin or module keys its files by), then sysfs and VERSION.
    for (const driver of [dev.profile.driver, dev.info.driver, dev.info.version?.name]) {
      const files = driver ? shippedExpectationsFor(driver) : undefined;
      if (driver && files) return { driver, ...files };
    }
    return undefined;
  },
};
