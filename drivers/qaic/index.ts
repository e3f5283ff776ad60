/**
 * Qualcomm Cloud AI 100 (drivers/accel/qaic): uAPI, profile, the simulated
 * model sim:qaic, the adapter (buffers only: jobs need a workload loaded
 * through MANAGE, i.e. firmware), its driver family and the proofs that each
 * test running on the model can fail there.
 */
import { defineDriverModule } from '../driver-module';
import type { SimDriverModel } from '../sim/plugin-api';
import { createQaicAdapter } from './adapter';
import { QAIC_ADAPTER_NAME, QAIC_DRIVER, qaicProfile } from './profile';
import { QAIC_UAPI } from './uapi';
import { QAIC_PROOFS } from './proofs';
import family from './family';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const model = (): SimDriverModel => (require('./sim/model') as typeof import('./sim/model')).SIM_QAIC;

export default defineDriverModule({
  name: 'qaic',
  profiles: { [QAIC_DRIVER]: (sys) => qaicProfile(sys) },
  adapters: { [QAIC_ADAPTER_NAME]: (sys) => createQaicAdapter(sys) },
  simModels: { qaic: model },
  families: [family],
  proofs: QAIC_PROOFS,
  uapi: [QAIC_UAPI],
});
