/** Device discovery and selection: the public surface other parts of the harness use. */
export type { AccelDevice, Bus, DevnodeStatus, DrmNode, DrmNodeKind, DrmVersionInfo, OpenFailure, PciIds } from './types';
export { discoverAccelDevices, type DiscoverOptions, type DiscoveryResult } from './discover';
export { findDevices, type FindOptions, type FindResult, type FoundDevice } from './find';
export { parseDeviceFilters, FILTER_SYNTAX, type DeviceFilter, type ParsedFilters } from './filters';
export { matchesFilter } from './match';
export { DEVICE_ENV, pickFilterSource, selectDevices, availableLines, type FilterSource } from './select';
export { resolveRoots, type DiscoveryRoots, type RootOptions } from './roots';
export { DeviceSelectionError, FilterSyntaxError, DiscoveryConfigError } from './errors';
export { describeDrmNode, isDrmNode } from './drm-device';
