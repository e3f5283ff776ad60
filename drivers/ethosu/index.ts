/**
 * Arm Ethos-U (drivers/accel/ethosu): uAPI, profile, the simulated model
 * sim:ethosu, its driver family and the proofs that each test running on the
 * model can fail there.
 */
import * as path from 'node:path';
import { defineDriverModule } from '../driver-module';
import type { SimDriverModel } from '../sim/plugin-api';
import { createEthosuAdapter } from './adapter';
import { ETHOSU_ADAPTER_NAME, ETHOSU_DRIVER, ethosuProfile } from './profile';
import { ETHOSU_UAPI } from './uapi';
import family from './family';
import { ETHOSU_PROOFS } from './proofs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const model = (): SimDriverModel => (require('./sim/model') as typeof import('./sim/model')).SIM_ETHOSU;

export default defineDriverModule({
  name: 'ethosu',
  profiles: { [ETHOSU_DRIVER]: (sys) => ethosuProfile(sys) },
  adapters: { [ETHOSU_ADAPTER_NAME]: (sys) => createEthosuAdapter(sys) },
  simModels: { ethosu: model },
  families: [family],
  // The 7.3 teardown bug, as a failing test (accel@ethosu@unbind-pending-close).
  expectations: { [ETHOSU_DRIVER]: { fails: path.join(__dirname, 'expectations', 'ethosu-fails.txt') } },
  proofs: ETHOSU_PROOFS,
  uapi: [ETHOSU_UAPI],
});
