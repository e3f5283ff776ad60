/**
 * intel_vpu (drivers/accel/ivpu, Intel NPU): its uAPI (drm/ivpu_accel.h), its
 * profile, its adapter, the simulated model sim:ivpu and the accel@ivpu@... family.
 */
import { defineDriverModule } from '../driver-module';
import type { SimDriverModel } from '../sim/plugin-api';
import { createIvpuAdapter } from './adapter';
import { IVPU_FAMILY } from './family';
import { IVPU_ADAPTER_NAME, IVPU_DRIVER, ivpuProfile } from './profile';
import { IVPU_UAPI } from './uapi';

// Loaded on first use: a run on real devices never builds the simulator.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const model = (): SimDriverModel => (require('./sim/driver') as typeof import('./sim/driver')).SIM_IVPU;

export default defineDriverModule({
  name: 'ivpu',
  profiles: { [IVPU_DRIVER]: (sys) => ivpuProfile(sys) },
  adapters: { [IVPU_ADAPTER_NAME]: createIvpuAdapter },
  simModels: { ivpu: model },
  families: [IVPU_FAMILY],
  uapi: [IVPU_UAPI],
});
