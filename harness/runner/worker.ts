/**
 * The worker child: opens the session again in its own process, then runs
 * one test per `run` message for one device. If a test hangs or kills this
 * process, the runner records it and forks a fresh worker.
 */
import { Worker } from 'node:worker_threads';
import type { DeviceUnderTest } from '../testing/define';
import { deviceHealth } from './health';
import { KernelLog } from './kmsg';
import { outputEndMarker, type FromWorker, type ToWorker, type WorkerInit } from './protocol';
import { loadSuite, type OpenedSession, type SuiteProvider } from './suite';

function send(m: FromWorker): void {
  process.send?.(m);
}

interface State {
  readonly init: WorkerInit;
  readonly suite: SuiteProvider;
  readonly session: OpenedSession;
  readonly dut: DeviceUnderTest;
  /** A simulated device's kernel log, read here because its kernel lives in this process. */
  readonly simLog: KernelLog | null;
}

let state: State | null = null;

async function start(init: WorkerInit): Promise<void> {
  const suite = loadSuite(init.suiteModule);
  if (init.driverPlugins && init.driverPlugins.length > 0) suite.loadDriverPlugins?.(init.driverPlugins);
  const session = await suite.openSession(init.deviceFilter);
  const dut = session.devices.find((d) => d.label === init.label);
  if (!dut) throw new Error(`device ${init.label} is not in the session any more`);
  const opened = dut.simulated ? KernelLog.openSys(dut.sys) : null;
  state = { init, suite, session, dut, simLog: opened && 'log' in opened ? opened.log : null };
  send({ type: 'ready', health: await deviceHealth(dut, init.recoveryMs) });
}

async function run(name: string): Promise<void> {
  if (!state) throw new Error('run before init');
  const [, familyName, subName] = name.split('@');
  const family = state.suite.families.find((f) => f.name === familyName);
  const subtest = family?.subtests.find((s) => s.name === subName);
  if (!family || !subtest) throw new Error(`no test named ${name}`);
  send({ type: 'started', name });
  const others = state.session.devices.filter((d) => d !== state?.dut);
  const mark = state.simLog?.mark();
  const outcome = await state.suite.runSubtest({ family, subtest, dev: state.dut, others, options: state.init.runOptions });
  const kernelLog = mark ? state.simLog?.since(mark) : undefined;
  const health = await deviceHealth(state.dut, state.init.recoveryMs);
  process.stdout.write(outputEndMarker(name));
  process.stderr.write(outputEndMarker(name));
  send({ type: 'result', name, outcome, health, ...(kernelLog ? { kernelLog } : {}) });
}

/** A failure of the harness side (session, bad name), not of a test: the runner reports it. */
function fatal(e: unknown): void {
  const m: FromWorker = { type: 'fatal', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  if (process.send) process.send(m, () => process.exit(70));
  else process.exit(70);
}

/**
 * A test spinning in a busy loop never lets 'disconnect' fire, so a thread
 * of our own watches for the runner's death (kill -9) and takes the whole
 * process down: a hung worker must not outlive its harness.
 */
function watchParent(): void {
  const parent = process.ppid;
  const code = `
    const { workerData } = require('node:worker_threads');
    setInterval(() => {
      if (process.ppid !== workerData.parent) process.kill(workerData.pid, 'SIGKILL');
    }, 200);`;
  new Worker(code, { eval: true, workerData: { parent, pid: process.pid } }).unref();
}

watchParent();

process.on('message', (m: unknown) => {
  const msg = m as ToWorker;
  if (msg.type === 'init') start(msg).catch(fatal);
  else if (msg.type === 'run') run(msg.name).catch(fatal);
});
// The runner going away (kill -9 of the harness) must not leave us behind.
process.on('disconnect', () => process.exit(0));
