/**
 * intel_vpu (drivers/accel/ivpu, Intel NPU): its uAPI (drm/ivpu_accel.h), its
 * profile, its adapter, the simulated model sim:ivpu and the accel@ivpu@... family.
 */
import * as path from 'node:path';
import { type DefectProof, defineDriverModule } from '../driver-module';
import type { SimDriverModel } from '../sim/plugin-api';
import { createIvpuAdapter } from './adapter';
import { IVPU_FAMILY } from './family';
import { IVPU_ADAPTER_NAME, IVPU_DRIVER, ivpuProfile } from './profile';
import { IVPU_UAPI } from './uapi';

// Loaded on first use: a run on real devices never builds the simulator.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const model = (): SimDriverModel => (require('./sim/driver') as typeof import('./sim/driver')).SIM_IVPU;

const proof = (defect: string, ...mustFail: string[]): DefectProof => ({ defect, sim: 'ivpu', mustFail });
const core = (t: string): string => `accel@core@${t}`;
const ff = (t: string): string => `accel@feature-flags@${t}`;
const excl = (t: string): string => `accel@exclusive-open@${t}`;
const gem = (t: string): string => `accel@gem@${t}`;
const dmabuf = (t: string): string => `accel@dmabuf@${t}`;
const sched = (t: string): string => `accel@sched@${t}`;
const own = (t: string): string => `accel@ivpu@${t}`;

/**
 * Every test that passes on sim:ivpu fails with one of these: the simulated
 * core's defects (drivers/sim/defects.ts) injected into sim:ivpu, and the
 * model's own (./sim/defects.ts), real bugs first.
 */
const PROOFS: readonly DefectProof[] = [
  // Real ivpu bugs (docs/upstream-bugs.md).
  proof('no-user-context-limit', own('bad-context-limit')),
  proof('cmdq-destroy-keeps-jobs', own('cmdq-destroy-aborts-jobs')),
  proof('ctx-violation-completes', own('engine-error-kills-context')),
  proof('engine-error-range-ignored', own('engine-error-kills-context')),
  proof('reexport-imported-ok', own('bad-reexport-imported')),
  proof('bo-wait-early', own('bo-wait-timeout')),
  // The model's rule breakers.
  proof('bo-create-dirty-output', own('bad-bo-create')),
  proof('bo-create-any-flags', own('bad-bo-create')),
  proof('bo-info-dirty-output', own('bad-bo-lookup')),
  proof('bo-wait-unknown-enoent', own('bad-bo-lookup')),
  proof('vpu-addr-shared', own('basic-context-address-space')),
  proof('fault-kills-all', own('fault-kills-only-context')),
  proof('fault-context-lives', own('fault-kills-only-context')),
  proof('no-tdr', own('hang-kills-context'), sched('hang-timeout'), sched('hang-ten-in-a-row')),
  proof('reset-uncounted', own('hang-kills-context')),
  proof('param-unknown-ok', own('basic-params')),
  proof('set-param-accepts', own('basic-params')),
  proof('context-limit-one', excl('basic-second-open'), excl('shared-contexts-isolated'), own('basic-params')),
  proof('user-limit-leak', own('bad-context-limit')),
  proof('close-unplugs', excl('reopen-after-close')),
  proof('bo-info-wrong-offset', gem('basic-mmap')),
  proof('submit-bad-args-ok', own('bad-submit')),
  proof('caps-unclaimed', own('basic-capabilities')),
  proof('userptr-unpinned-ok', own('bad-userptr')),
  proof('ms-period-unchecked', own('bad-metric-streamer')),
  // The simulated DRM core under sim:ivpu.
  proof('sysfs-dev-wrong-minor', core('basic-node')),
  proof('version-empty-desc', core('basic-version')),
  proof('excl-open-allowed', core('bad-open-excl')),
  proof('unknown-ioctl-enotty', core('bad-ioctl')),
  proof('master-allowed', core('bad-master')),
  proof('prime-cap-missing', core('basic-prime-cap')),
  proof('kms-ioctls-succeed', ff('bad-kms-ioctls'), ff('bad-dumb-buffers')),
  proof('render-node', ff('no-drm-nodes')),
  proof(
    'gem-close-unknown-ok',
    gem('bad-close'),
    gem('basic-create-close'),
    excl('dup-shares-context'),
    excl('inherited-fd-shares-context'),
    excl('passed-fd-shares-context'),
  ),
  proof('handles-global', gem('handles-per-file'), excl('shared-contexts-isolated')),
  proof('handles-no-reuse', gem('handle-reuse-lowest')),
  proof('mmap-any-file', gem('bad-mmap-other-file')),
  proof('mmap-no-ref', gem('mmap-outlives-close')),
  proof('no-prime-cache', dmabuf('basic-self-import')),
  proof('dmabuf-no-ref', dmabuf('dmabuf-mmap'), dmabuf('dmabuf-outlives-exporter'), dmabuf('import-other-device')),
  proof('prime-flags-unchecked', dmabuf('bad-prime-flags')),
  proof('prime-import-any-fd', dmabuf('bad-import')),
  proof('dmabuf-lseek-any', dmabuf('basic-lseek')),
  proof('dmabuf-sync-any-flags', dmabuf('bad-sync-flags')),
];

export default defineDriverModule({
  name: 'ivpu',
  profiles: { [IVPU_DRIVER]: (sys) => ivpuProfile(sys) },
  adapters: { [IVPU_ADAPTER_NAME]: createIvpuAdapter },
  simModels: { ivpu: model },
  families: [IVPU_FAMILY],
  expectations: { [IVPU_DRIVER]: { fails: path.join(__dirname, 'expectations', 'ivpu-fails.txt') } },
  proofs: PROOFS,
  uapi: [IVPU_UAPI],
});
