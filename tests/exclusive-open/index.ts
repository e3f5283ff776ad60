/**
 * exclusive-open: the open policy belongs to the open file description, not
 * to the fd. dup(), fork inheritance and SCM_RIGHTS share one context; the
 * device is free again only when the last reference drops (drm_release).
 */
import type { BufferCapability } from '../../drivers/adapter';
import { check, checkEq, doIoctlErr, expectErrno, must, mustAsync } from '../../harness/testing/assert';
import { defineFamily, type TestContext, subtest } from '../../harness/testing/define';
import { O_CLOEXEC, O_RDWR } from '../../harness/sys/constants';
import { isSysError, type ErrnoName } from '../../harness/sys/errno';
import type { PeerProcess } from '../../harness/sys/types';
import { DRM_IOCTL_GEM_CLOSE, DRM_IOCTL_SYNCOBJ_CREATE, DRM_IOCTL_VERSION, drm_gem_close, drm_syncobj_create, drm_version } from '../../harness/uapi/drm';
import { getVersion } from '../lib/drm';
import { bufferMmap, needOpenPolicy, openRetry } from '../lib/device';

const REF_RELEASE = 'drivers/gpu/drm/drm_file.c: drm_release; docs/uapi-apu.md: Contexts';

const REOPEN_ROUNDS = 100;

/** Skips (with detection's reason) when the policy is unknown: every rule here depends on it. */
const exclusive = (t: TestContext): boolean => needOpenPolicy(t) === 'exclusive';
const policyText = (t: TestContext): string => `${t.dev.profile.openPolicy} (${t.dev.profile.openPolicySource})`;

/** A second open now must give EBUSY on an exclusive device. */
function expectBusy(t: TestContext, when: string): void {
  expectErrno('EBUSY', () => t.open(), `second open ${when}`);
}

/** The adapter's GEM buffers when there are, else null with `what` skipped (the result says so). */
function optionalBuffers(t: TestContext, what: string): BufferCapability | null {
  const buffers = t.dev.adapter?.buffers;
  if (buffers?.handles === 'gem') return buffers;
  t.skipPart(what, `no adapter with GEM buffers for ${t.dev.profile.driver}`);
  return null;
}

/**
 * A handle made through one fd is closed through `closeElsewhere` (another fd
 * or process); the original fd must then find it gone: one handle table.
 */
async function checkSharedTable(
  t: TestContext,
  buffers: BufferCapability,
  fd: number,
  via: string,
  closeElsewhere: (handle: number) => Promise<void>,
): Promise<void> {
  const bo = buffers.create(fd, 4096);
  await closeElsewhere(bo.handle);
  t.log(`handle ${bo.handle} closed through ${via}`);
  // The second close must miss: the context that made the handle already lost it.
  doIoctlErr(t.sys, fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle: bo.handle }), 'EINVAL');
}

async function peerGemClose(peer: PeerProcess, fd: number, handle: number, who: string): Promise<void> {
  const r = await mustAsync(`DRM_IOCTL_GEM_CLOSE in ${who}`, () =>
    peer.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle })),
  );
  checkEq(r.ret, 0, `DRM_IOCTL_GEM_CLOSE in ${who}: return value`);
}

const basicSecondOpen = subtest({
  name: 'basic-second-open',
  description: 'a second open succeeds on a shared-policy device and gives EBUSY on an exclusive one',
  reference: 'docs/uapi-apu.md: Contexts (open policy); drivers/gpu/drm/drm_file.c: drm_open_helper',
  requires: ['open-policy'],
}, async (t: TestContext): Promise<void> => {
  await openRetry(t);
  t.log(`policy ${policyText(t)}`);
  if (exclusive(t)) expectBusy(t, 'while the first is held');
  else must('second open of a shared-policy device', () => t.open());
});

const sharedContextsIsolated = subtest({
  name: 'shared-contexts-isolated',
  description: 'two open files of a shared device have separate handle tables',
  reference: 'drivers/gpu/drm/drm_gem.c: drm_gem_open (per-file object_idr)',
  requires: ['second-context', 'gem-buffers', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const buffers = t.capability('buffers');
  const a = await openRetry(t);
  const b = await openRetry(t);
  const boA = buffers.create(a, 4096);
  doIoctlErr(t.sys, b, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle: boA.handle }), 'EINVAL');
  const boB = buffers.create(b, 4096);
  t.log(`file A handle ${boA.handle}, file B handle ${boB.handle}`);
  // Both files allocate their first handle from their own table.
  checkEq(boB.handle, boA.handle, 'first handle of a fresh file vs first handle of another fresh file');
  must('GEM_CLOSE of A\'s handle in A', () => t.sys.ioctl(a, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle: boA.handle })));
  // B's object survives A's close of the same number.
  const mmap = bufferMmap(t);
  must('mmap of B\'s object after A closed its own', () => t.sys.munmap(mmap(b, boB)));
});

const dupSharesContext = subtest({
  name: 'dup-shares-context',
  description: 'a dup sees the same handles and can submit; closing the original while the dup lives keeps an exclusive device busy',
  reference: REF_RELEASE,
  requires: ['open-policy'],
}, async (t: TestContext): Promise<void> => {
  const buffers = optionalBuffers(t, 'handle sharing through the dup');
  if (!buffers && !exclusive(t)) t.skip('shared policy and no adapter with buffers: nothing a dup could be shown to share');
  const fd = await openRetry(t);
  const dup = t.sys.dup(fd);
  let dupOpen = true;
  t.defer(() => {
    if (dupOpen) t.sys.close(dup);
  });
  if (buffers) {
    await checkSharedTable(t, buffers, fd, 'the dup', async (h) => {
      must('DRM_IOCTL_GEM_CLOSE through the dup', () => t.sys.ioctl(dup, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle: h })));
    });
  }
  const jobs = t.dev.adapter?.jobs;
  if (jobs?.kinds.has('nop')) {
    const job = jobs.submit(dup, { kind: 'nop' });
    const r = await mustAsync('waiting for a nop submitted through the dup', () => jobs.wait(job, 5000));
    checkEq(r.status, 'ok', 'nop job submitted through the dup');
  }
  if (!exclusive(t)) return;
  expectBusy(t, 'while a dup is held');
  t.close(fd);
  expectBusy(t, 'after closing the original fd while its dup lives');
  t.sys.close(dup);
  dupOpen = false;
  await mustAsync('open after the last fd (the dup) closed', () => openRetry(t));
});

interface HeldPeer {
  readonly peer: PeerProcess;
  /** Ends the process once; the test's cleanup does it if the test did not. */
  exit(): Promise<void>;
}

async function spawnPeer(t: TestContext, inheritFds: number[]): Promise<HeldPeer> {
  const peer = await t.sys.spawn({ inheritFds });
  let alive = true;
  const exit = async (): Promise<void> => {
    if (!alive) return;
    alive = false;
    await peer.exit();
  };
  t.defer(exit);
  return { peer, exit };
}

/** After the parent's own fd closes, only the peer holds the description. */
async function checkPeerHolds(t: TestContext, fd: number, held: HeldPeer, who: string): Promise<void> {
  if (!exclusive(t)) return;
  expectBusy(t, `while ${who} holds the file`);
  t.close(fd);
  expectBusy(t, `after the parent closed its fd while ${who} still holds the file`);
  await held.exit();
  await mustAsync(`open after ${who} exited`, () => openRetry(t));
}

const inheritedFdSharesContext = subtest({
  name: 'inherited-fd-shares-context',
  description: 'an fd inherited by a child process shares the context and keeps an exclusive device busy until the child exits',
  reference: REF_RELEASE,
  timeoutMs: 30_000,
  requires: ['open-policy'],
}, async (t: TestContext): Promise<void> => {
  const buffers = optionalBuffers(t, 'handle sharing with the child');
  if (!buffers && !exclusive(t)) t.skip('shared policy and no adapter with buffers: nothing a child could be shown to share');
  const fd = await openRetry(t);
  const held = await spawnPeer(t, [fd]);
  const child = held.peer;
  const childFd = child.inherited.get(fd);
  check(childFd !== undefined, `the child did not inherit fd ${fd}`);
  if (buffers) await checkSharedTable(t, buffers, fd, `child ${child.pid}`, (h) => peerGemClose(child, childFd, h, 'the child'));
  await checkPeerHolds(t, fd, held, 'a child process');
});

const passedFdSharesContext = subtest({
  name: 'passed-fd-shares-context',
  description: 'an fd passed over a unix socket (SCM_RIGHTS) shares the context and keeps an exclusive device busy',
  reference: REF_RELEASE,
  timeoutMs: 30_000,
  requires: ['open-policy'],
}, async (t: TestContext): Promise<void> => {
  const buffers = optionalBuffers(t, 'handle sharing with the receiving process');
  if (!buffers && !exclusive(t)) t.skip('shared policy and no adapter with buffers: nothing a peer could be shown to share');
  const fd = await openRetry(t);
  const [mine, theirs] = t.sys.socketpair();
  t.defer(() => t.sys.close(mine));
  t.defer(() => t.sys.close(theirs));
  const held = await spawnPeer(t, [theirs]);
  const peer = held.peer;
  const peerSock = peer.inherited.get(theirs);
  check(peerSock !== undefined, `the peer did not inherit socket fd ${theirs}`);
  t.sys.sendFd(mine, fd);
  const peerFd = await mustAsync('recvFd (SCM_RIGHTS) in the peer', () => peer.recvFd(peerSock));
  if (buffers) await checkSharedTable(t, buffers, fd, `peer ${peer.pid} (SCM_RIGHTS)`, (h) => peerGemClose(peer, peerFd, h, 'the peer'));
  await checkPeerHolds(t, fd, held, 'a process that received the fd');
});

/** Skips unless the device is exclusive: these checks are about who keeps the lock. */
function needExclusive(t: TestContext): void {
  if (!exclusive(t)) t.skip(`policy ${policyText(t)}: no exclusive lock whose lifetime could be observed`);
}

const lastProcessAnywhere = subtest({
  name: 'last-process-anywhere',
  description: 'with the fd in two other processes and the opener\'s closed, an exclusive device stays busy when the first of them exits, free when the second does',
  reference: REF_RELEASE,
  timeoutMs: 30_000,
  requires: ['open-policy'],
}, async (t: TestContext): Promise<void> => {
  needExclusive(t);
  const fd = await openRetry(t);
  const [mine, theirs] = t.sys.socketpair();
  t.defer(() => t.sys.close(mine));
  t.defer(() => t.sys.close(theirs));
  // The fd goes into a first process by inheritance and into a second one over SCM_RIGHTS.
  const first = await spawnPeer(t, [fd]);
  check(first.peer.inherited.get(fd) !== undefined, `the first child did not inherit fd ${fd}`);
  const second = await spawnPeer(t, [theirs]);
  const secondSock = second.peer.inherited.get(theirs);
  check(secondSock !== undefined, `the second child did not inherit socket fd ${theirs}`);
  t.sys.sendFd(mine, fd);
  await mustAsync('recvFd (SCM_RIGHTS) in the second child', () => second.peer.recvFd(secondSock));
  t.close(fd);
  expectBusy(t, 'after the opener closed its fd while two other processes hold the file');
  await first.exit();
  expectBusy(t, 'after the first holder exited while a second process still holds the file');
  await second.exit();
  await mustAsync('open after the last process holding the file exited', () => openRetry(t));
});

type Holder = 'parent fd' | 'parent dup' | 'child fd';

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

const closeEveryOrder = subtest({
  name: 'close-every-order',
  description: 'an fd, its dup and a child\'s inherited copy closed in each of the 6 orders: an exclusive device stays busy until the last close',
  reference: REF_RELEASE,
  timeoutMs: 60_000,
  requires: ['open-policy'],
}, async (t: TestContext): Promise<void> => {
  needExclusive(t);
  const orders = permutations<Holder>(['parent fd', 'parent dup', 'child fd']);
  for (const order of orders) {
    const fd = await openRetry(t);
    const dup = t.sys.dup(fd);
    let dupOpen = true;
    t.defer(() => {
      if (dupOpen) t.sys.close(dup);
    });
    const held = await spawnPeer(t, [fd]);
    const childFd = held.peer.inherited.get(fd);
    check(childFd !== undefined, `the child did not inherit fd ${fd}`);
    const closeOne: Record<Holder, () => Promise<void>> = {
      'parent fd': async () => t.close(fd),
      'parent dup': async () => {
        dupOpen = false;
        t.sys.close(dup);
      },
      'child fd': () => held.peer.close(childFd),
    };
    const label = order.join(', then ');
    for (const [i, holder] of order.entries()) {
      await closeOne[holder]();
      if (i < order.length - 1) expectBusy(t, `after closing ${order.slice(0, i + 1).join(' and ')} (order: ${label})`);
    }
    const again = await mustAsync(`open after closing ${label}`, () => openRetry(t));
    t.close(again);
    await held.exit();
  }
  t.log(`${orders.length} close orders across parent and child`);
});

const reopenAfterClose = subtest({
  name: 'reopen-after-close',
  description: 'after the last close the device opens again, 100 times in a row, each open exclusive again where the policy says so',
  reference: 'docs/uapi-apu.md: Contexts (EAGAIN while tearing down); drivers/gpu/drm/drm_file.c: drm_release',
  requires: ['open-policy'],
}, async (t: TestContext): Promise<void> => {
  for (let i = 0; i < REOPEN_ROUNDS; i++) {
    let fd: number;
    try {
      fd = await openRetry(t);
    } catch (e) {
      if (isSysError(e)) check(false, `open #${i + 1} after the last close failed with ${e.code}`);
      throw e;
    }
    if (exclusive(t)) expectBusy(t, `in round ${i + 1}`);
    t.close(fd);
  }
  t.log(`${REOPEN_ROUNDS} open/close rounds`);
});

/**
 * Kernels that had control minors refused every ioctl not flagged
 * DRM_CONTROL_ALLOW on a control-node file with EACCES (drm_ioctl_permit:
 * "Control clients must be explicitly allowed"; torvalds/linux 012c6741c6aa
 * drivers/gpu/drm/drm_ioctl.c). No allocation or submission ioctl ever carried
 * that flag, so each must fail with exactly EACCES; VERSION carried it.
 */
const CONTROL_REFUSAL: ErrnoName = 'EACCES';

const controlNode = subtest({
  name: 'control-node',
  description: 'a declared control node opens beside the accel node and can neither allocate nor submit (EACCES)',
  reference: 'drivers/gpu/drm/drm_ioctl.c: drm_ioctl_permit (DRM_CONTROL_ALLOW, kernels with control minors)',
  requires: ['control-node', 'buffers'],
}, async (t: TestContext): Promise<void> => {
  const node = t.dev.info.drmNodes.find((n) => n.kind === 'control');
  check(node !== undefined, `the profile declares a control node but none shares ${t.dev.info.parent ?? 'the parent'}`);
  const buffers = t.capability('buffers');
  // A driver's own control node declares its rules in the profile (e.g. habanalabs: ENOTTY, no VERSION).
  const rules = t.dev.profile.controlNodeRules ?? { refusal: CONTROL_REFUSAL, versionAllowed: true };
  const accel = await openRetry(t);
  const ctl = must(`open ${node.devnode} beside the accel node`, () => t.sys.open(node.devnode, O_RDWR | O_CLOEXEC));
  t.defer(() => t.sys.close(ctl));
  if (rules.versionAllowed) {
    // The node is this device's: VERSION (DRM_CONTROL_ALLOW) names the same driver as the accel node.
    checkEq(getVersion(t.sys, ctl).name, getVersion(t.sys, accel).name, `DRM_IOCTL_VERSION on ${node.devnode} vs the accel node`);
  } else {
    doIoctlErr(t.sys, ctl, DRM_IOCTL_VERSION, drm_version.encode({}), rules.refusal);
  }
  must('buffer on the accel node while the control node is open', () => buffers.create(accel, 4096));
  expectErrno(rules.refusal, () => buffers.create(ctl, 4096), `buffer allocation through ${node.devnode}`);
  if (t.dev.profile.syncobj) {
    // A core allocation too: syncobjs are per file and no more DRM_CONTROL_ALLOW than the driver's ioctls.
    doIoctlErr(t.sys, ctl, DRM_IOCTL_SYNCOBJ_CREATE, drm_syncobj_create.encode({}), rules.refusal);
  }
  const jobs = t.dev.adapter?.jobs;
  if (jobs?.kinds.has('nop')) {
    expectErrno(rules.refusal, () => jobs.submit(ctl, { kind: 'nop' }), `job submission through ${node.devnode}`);
  } else {
    t.skipPart('job submission through the control node', `adapter '${t.adapter().name}' has no NOP job`);
  }
});

export default defineFamily('exclusive-open', 'the open policy per open file description: dup, inherited and passed fds share one context', [
  basicSecondOpen,
  sharedContextsIsolated,
  dupSharesContext,
  inheritedFdSharesContext,
  passedFdSharesContext,
  lastProcessAnywhere,
  closeEveryOrder,
  reopenAfterClose,
  controlNode,
]);
