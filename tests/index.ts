/**
 * Every conformance family, in the order reports list them: the generic
 * families of this folder, then each driver module's own families
 * (accel@<driver>@..., drivers/<driver>/). The runner, `--list-subtests` and
 * the proof spec all read this one list.
 */
import type { Family } from '../harness/testing/define';
import { DRIVER_MODULES } from '../drivers/modules';
import core from './core';
import dmabuf from './dmabuf';
import exclusiveOpen from './exclusive-open';
import featureFlags from './feature-flags';
import gem from './gem';
import iommu from './iommu';
import sched from './sched';

export const genericFamilies: readonly Family[] = [core, exclusiveOpen, featureFlags, gem, dmabuf, sched, iommu];

export const families: Family[] = [...genericFamilies, ...DRIVER_MODULES.flatMap((m) => m.families ?? [])];
