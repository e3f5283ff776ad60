/**
 * vgem, the kernel's Virtual GEM provider: a DRM driver nobody here wrote,
 * reached through a `drm:` filter (docs/discovery.md) by the kernel lane.
 */
import { defineDriverModule } from '../driver-module';
import { createVgemAdapter } from './adapter';
import { VGEM_ADAPTER_NAME, VGEM_DRIVER, VGEM_PROFILE } from './profile';

export default defineDriverModule({
  name: 'vgem',
  profiles: { [VGEM_DRIVER]: () => VGEM_PROFILE },
  adapters: { [VGEM_ADAPTER_NAME]: createVgemAdapter },
});
