/**
 * Every driver the suite knows, one line each: a new driver is one folder
 * under drivers/ (see drivers/driver-module.ts) plus one line here.
 */
import type { DriverModule } from './driver-module';
import amdxdna from './amdxdna';
import apu from './apu';
import ethosu from './ethosu';
import habanalabs from './habanalabs';
import vgem from './vgem';
import ivpu from './ivpu';
import qaic from './qaic';
import rocket from './rocket';

export const DRIVER_MODULES: readonly DriverModule[] = [apu, vgem, ethosu, ivpu, habanalabs, qaic, rocket, amdxdna];
