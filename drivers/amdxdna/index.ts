/**
 * AMD XDNA NPU (drivers/accel/amdxdna): uAPI, profile, the simulated model
 * sim:amdxdna, its driver family and the proofs that each test running on
 * the model can fail there.
 */
import { defineDriverModule } from '../driver-module';
import type { SimDriverModel } from '../sim/plugin-api';
import { createAmdxdnaAdapter } from './adapter';
import { AMDXDNA_ADAPTER_NAME, AMDXDNA_DRIVER, amdxdnaProfile } from './profile';
import { AMDXDNA_UAPI } from './uapi';
import family from './family';
import { AMDXDNA_PROOFS } from './proofs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const model = (): SimDriverModel => (require('./sim/model') as typeof import('./sim/model')).SIM_AMDXDNA;

export default defineDriverModule({
  name: 'amdxdna',
  profiles: { [AMDXDNA_DRIVER]: (sys) => amdxdnaProfile(sys) },
  adapters: { [AMDXDNA_ADAPTER_NAME]: (sys) => createAmdxdnaAdapter(sys) },
  simModels: { amdxdna: model },
  families: [family],
  proofs: AMDXDNA_PROOFS,
  uapi: [AMDXDNA_UAPI],
});
