/**
 * The reference APU: its uAPI (uapi/apu_drm.h), profiles of the two bundled
 * models and the kernel module, the adapter, the simulated models sim:apu and
 * sim:mt8183, the accel@apu family (its proofs are in tests/proofs.ts, beside
 * the generic families' on the same models) and the kernel module itself (kernel/).
 */
import { defineDriverModule } from '../driver-module';
import type { SimDriverModel } from '../sim/plugin-api';
import { APU_ADAPTER_NAME, createApuAdapter } from './adapter';
import { APU_DRIVERS, apuProfile } from './profile';
import { APU_UAPI } from './uapi';
import family from './family';

// Loaded on first use: a run on real devices never builds the simulator.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const models = (): typeof import('./sim/models') => require('./sim/models') as typeof import('./sim/models');

export default defineDriverModule({
  name: 'apu',
  profiles: Object.fromEntries(APU_DRIVERS.map((decl) => [decl.driver, (sys) => apuProfile(sys, decl)])),
  adapters: { [APU_ADAPTER_NAME]: createApuAdapter },
  simModels: {
    apu: (): SimDriverModel => models().SIM_APU,
    mt8183: (): SimDriverModel => models().SIM_MT8183,
  },
  families: [family],
  uapi: [APU_UAPI],
});
