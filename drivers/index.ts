/**
 * Package exports for driver and plugin authors: the plugin API, the
 * simulated kernel's driver interface, the bundled APU models and their ops,
 * profiles, adapters and the machine.
 */
export type {
  ApuDefect,
  ApuDefectTarget,
  ApuExtension,
  ApuIoctlOverride,
  ApuOpsOverrides,
  SchedHookOverrides,
  OpOverride,
  PluginApi,
  PluginConstants,
  PluginModule,
  ProbeConfig,
  SimDriverModel,
} from './sim/plugin-api';
export type * from './sim/kernel/drm/driver';
export { bootSimMachine, loadPlugin, parseSpec, SimSpecError, BUNDLED_MODEL_NAMES, bundledModel } from './sim/machine';
export type { SimDeviceInfo, SimMachine, ParsedSpec } from './sim/machine';
export { SIM_APU, SIM_MT8183, extendApuDriver } from './apu/sim/models';
export { defaultApuOps, overrideOps, syncMappedRefs } from './apu/sim/ops';
export type { ApuDriverOps, ApuIoctlHandler, ApuMappingOptions, FoundJob } from './apu/sim/ops';
export type * from './sim/kernel/drm/core-hooks';
export type { HookOverride, HookTable } from './sim/kernel/hooks';
export { Idr } from './sim/kernel/drm/idr';
export type { ApuIoctlName } from './apu/sim/ioctls';
export { ApuDevice } from './apu/sim/device';
export { ApuContext } from './apu/sim/context';
export type { ApuJob, ApuBo } from './apu/sim/context';
export type { Execution, Outcome } from './apu/sim/firmware';
export { plan as planFirmwareCommand } from './apu/sim/firmware';
export { GpuScheduler, SchedEntity, SchedJob } from './sim/kernel/sched';
export type { SchedBackend, SchedOptions, SchedState, HwCompletion, HwRun, SchedHooks, SchedReset } from './sim/kernel/sched';
export { IommuDomain, ContextMappings, IOMMU_PAGE_SIZE } from './sim/kernel/iommu';
export { gather, scatter } from './sim/kernel/iommu';
export type { Aperture, Segment, AccessResult, MapError, ContextIommuOptions } from './sim/kernel/iommu';
export { DEFECTS, isDefectName } from './sim/defects';
export type { DefectName, DefectInfo } from './sim/defects';
export type { DriverProfile, OpenPolicy, IommuKind } from './profile';
export type * from './adapter';
export { CAPABILITY_GROUPS, JOB_KINDS } from './adapter';
export { ApuAdapter, createApuAdapter, jobStatusOf } from './apu/adapter';
export type { ApuBufferObject, ApuSubmittedJob } from './apu/adapter';
export { defineDriverModule } from './driver-module';
export { DRIVER_PLUGIN_API } from './driver-plugin-api';
export type { DriverPluginApi } from './driver-plugin-api';
export { adapterProblems, loadDriverPlugin, DriverPluginError } from './driver-plugin';
export type { DriverModule, DefectProof, ShippedExpectations } from './driver-module';
export { CAPABILITY_REQUIREMENTS, DEVICE_REQUIREMENTS, isRequirement, requirementMeaning } from '../harness/testing/requirements';
export type { Requirement, CapabilityRequirement, DeviceRequirement } from '../harness/testing/requirements';
export {
  profileFor,
  adapterFor,
  detectProfile,
  registerProfile,
  registerAdapter,
  registerDriverModule,
  useDriverPlugins,
  shippedExpectationsFor,
  knownDrivers,
} from './registry';
export type { ProfileSource } from './registry';
export { benchSimulator } from './sim/bench';
export type { BenchResult } from './sim/bench';
