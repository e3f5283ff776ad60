/**
 * Is the device usable for the next test? Asked through the adapter's
 * `state` capability (the driver's own view), waiting up to `recoveryMs` for a
 * reset to finish, as a GPU's recovery takes a moment.
 */
import { O_CLOEXEC, O_RDWR } from '../sys/constants';
import { isSysError } from '../sys/errno';
import type { DeviceUnderTest } from '../testing/define';
import type { Health } from './protocol';

const GONE = ['ENODEV', 'ENXIO', 'EIO'] as const;

function query(dut: DeviceUnderTest): Health {
  const state = dut.adapter?.state;
  if (!state) return { online: true, detail: 'no device-state query for this driver' };
  let fd: number;
  try {
    fd = dut.sys.open(dut.info.devnode, O_RDWR | O_CLOEXEC);
  } catch (e) {
    if (GONE.some((n) => isSysError(e, n))) return { online: false, detail: `cannot open ${dut.info.devnode}: ${(e as Error).message}` };
    return { online: true, detail: `state unknown: ${(e as Error).message}` };
  }
  try {
    const s = state.query(fd);
    const flags = [s.crashed ? 'crashed' : '', s.timedOut ? 'timed out' : ''].filter(Boolean).join(', ');
    return { online: s.online, detail: s.online ? 'online' : `not online${flags ? ` (${flags})` : ''}` };
  } catch (e) {
    return { online: false, detail: `device state query failed: ${(e as Error).message}` };
  } finally {
    try {
      dut.sys.close(fd);
    } catch {
      // The device may be gone; the state already says so.
    }
  }
}

export async function deviceHealth(dut: DeviceUnderTest, recoveryMs: number): Promise<Health> {
  const deadline = Date.now() + recoveryMs;
  for (;;) {
    const h = query(dut);
    if (h.online || Date.now() >= deadline) return h;
    await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
  }
}
