/**
 * Every conformance family, in the order reports list them. The runner,
 * `--list-subtests` and the proof spec all read this one list.
 */
import type { Family } from '../harness/testing/define';
import core from './core';
import dmabuf from './dmabuf';
import exclusiveOpen from './exclusive-open';
import featureFlags from './feature-flags';
import gem from './gem';
import iommu from './iommu';
import sched from './sched';

export const families: Family[] = [core, exclusiveOpen, featureFlags, gem, dmabuf, sched, iommu];
