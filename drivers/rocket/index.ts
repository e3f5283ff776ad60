/**
 * Rockchip RK3588 NPU (drivers/accel/rocket): uAPI, profile, the simulated
 * model sim:rocket, its driver family and the proofs that each test running
 * on the model can fail there.
 */
import { defineDriverModule } from '../driver-module';
import type { SimDriverModel } from '../sim/plugin-api';
import { createRocketAdapter } from './adapter';
import { ROCKET_ADAPTER_NAME, ROCKET_DRIVER, rocketProfile } from './profile';
import { ROCKET_UAPI } from './uapi';
import family from './family';
import { ROCKET_PROOFS } from './proofs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const model = (): SimDriverModel => (require('./sim/model') as typeof import('./sim/model')).SIM_ROCKET;

export default defineDriverModule({
  name: 'rocket',
  profiles: { [ROCKET_DRIVER]: (sys) => rocketProfile(sys) },
  adapters: { [ROCKET_ADAPTER_NAME]: (sys) => createRocketAdapter(sys) },
  simModels: { rocket: model },
  families: [family],
  proofs: ROCKET_PROOFS,
  uapi: [ROCKET_UAPI],
});
