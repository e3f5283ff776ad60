/**
 * habanalabs (Habana Goya / Gaudi / Gaudi2, drivers/accel/habanalabs): its
 * uAPI (drm/habanalabs_accel.h), profile, the simulated model sim:habanalabs,
 * its own rules (accel@habanalabs@...) and the expectations it ships.
 */
import path from 'node:path';
import { defineDriverModule } from '../driver-module';
import type { SimDriverModel } from '../sim/plugin-api';
import { HABANALABS_ADAPTER_NAME, createHabanalabsAdapter } from './adapter';
import family from './family';
import { habanalabsProfile, HABANALABS_DRIVER } from './profile';
import { HABANALABS_PROOFS } from './proofs';
import { HABANALABS_UAPI } from './uapi';

// Loaded on first use: a run on real devices never builds the simulator.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const model = (): typeof import('./sim/model') => require('./sim/model') as typeof import('./sim/model');

export default defineDriverModule({
  name: 'habanalabs',
  profiles: { [HABANALABS_DRIVER.driver]: (sys) => habanalabsProfile(sys) },
  adapters: { [HABANALABS_ADAPTER_NAME]: createHabanalabsAdapter },
  families: [family],
  simModels: { habanalabs: (): SimDriverModel => model().SIM_HABANALABS },
  proofs: HABANALABS_PROOFS,
  expectations: { [HABANALABS_DRIVER.driver]: { fails: path.join(__dirname, 'expectations', 'habanalabs-fails.txt') } },
  uapi: [HABANALABS_UAPI],
});
