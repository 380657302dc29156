// Job controller (pkg/controller/job): two set-ups. "cluster": every controller with the zero-delay
// pod stages, so the node agent runs and finishes Job pods (pod-complete-for-job) or fails them
// (kube-emulator.io/fail). "driven": only the Job controller on a FakeClock, the test writing pod
// statuses itself, for back-off, deadlines, policies and suspension.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, testControllerOptions, untilSettled } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { jobController, JOB_TRACKING_FINALIZER } from '../../src/controllers/job/index.js';
import { ttlAfterFinishedController } from '../../src/controllers/ttlafterfinished/index.js';
import { FakeClock, rfc3339 } from '../../src/controllers/runtime/index.js';
import type { KObject } from '../../src/resources/types.js';
import { DEFAULT_STAGES } from '../../src/controllers/nodeagent/stages.js';
import { selectorMatches } from '../../src/controllers/nodeagent/agent.js';

const NS = 'default';

function job(name: string, spec: KObject = {}, tpl: KObject = {}): KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      ...spec,
      template: { metadata: tpl.metadata ?? {}, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }], ...(tpl.spec ?? {}) } },
    },
  };
}

describe('node agent stage pod-complete-for-job', () => {
  const stage = DEFAULT_STAGES.find((s) => s.name === 'pod-complete-for-job')!;
  const running = (extra: KObject = {}): KObject => ({
    metadata: { name: 'p', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'u', controller: true }], ...extra },
    spec: { containers: [{ name: 'c' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'c', state: { running: {} }, ready: true }] },
  });
  it('completes a running container of a pod a Job controls, with exit code 0', () => {
    expect(stage.next).toBe('exitSuccess');
    expect(selectorMatches(stage.selector, running())).toBe(true);
  });
  it('leaves other pods, failing pods and pods with complete-after alone', () => {
    const rs = running();
    rs.metadata.ownerReferences[0].kind = 'ReplicaSet';
    expect(selectorMatches(stage.selector, rs)).toBe(false);
    const notController = running();
    notController.metadata.ownerReferences[0].controller = false;
    expect(selectorMatches(stage.selector, notController)).toBe(false);
    expect(selectorMatches(stage.selector, running({ annotations: { 'kube-emulator.io/fail': 'true' } }))).toBe(false);
    expect(selectorMatches(stage.selector, running({ annotations: { 'kube-emulator.io/complete-after': '5s' } }))).toBe(false);
    expect(selectorMatches(stage.selector, running({ deletionTimestamp: '2026-01-01T00:00:00Z' }))).toBe(false);
  });
});

describe('job controller on a cluster (node agent finishes pods)', () => {
  let emu: KubeEmulator;
  const def = (g: string, p: string) => emu.registry.mustDef(g, p);
  const getJob = (n: string) => emu.registry.get(def('batch', 'jobs'), NS, n);
  const podsOf = (n: string) => emu.registry.list(def('', 'pods'), NS).items.filter((p: KObject) => p.metadata.labels?.['job-name'] === n);
  const events = (n: string) => emu.registry.list(def('', 'events'), NS).items.filter((e: KObject) => e.involvedObject?.name === n && e.involvedObject?.kind === 'Job');
  const cond = (j: KObject, t: string) => j.status?.conditions?.find((c: KObject) => c.type === t);
  const until = <T>(f: () => T | undefined | false, ms = 10_000) => untilSettled(emu.controllers, f, ms);

  beforeAll(async () => {
    emu = await startServer({ controllers: ['*'], podStages: 'fast' });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('a one-pod Job completes: SuccessCriteriaMet then Complete, counters, times, events, finalizer removed', async () => {
    emu.registry.create(def('batch', 'jobs'), NS, job('pi'));
    const done = await until(() => {
      const j = getJob('pi');
      return cond(j, 'Complete') && j;
    });
    expect(done.status).toMatchObject({ succeeded: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(done.status.active).toBeUndefined();
    expect(done.status.conditions.map((c: KObject) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
    ]);
    expect(done.status.completionTime).toBe(cond(done, 'Complete').lastTransitionTime);
    expect(Date.parse(done.status.startTime)).toBeLessThanOrEqual(Date.parse(done.status.completionTime));
    const pods = podsOf('pi');
    expect(pods).toHaveLength(1);
    const pod = pods[0];
    expect(pod.metadata.name).toMatch(/^pi-[a-z0-9]{5}$/);
    expect(pod.status.phase).toBe('Succeeded');
    expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(pod.metadata.finalizers ?? []).not.toContain(JOB_TRACKING_FINALIZER);
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: done.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(pod.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': done.metadata.uid });
    const evs = events('pi').map((e: KObject) => [e.type, e.reason, e.message, e.source?.component]);
    expect(evs).toContainEqual(['Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'job-controller']);
    expect(evs).toContainEqual(['Normal', 'Completed', 'Job completed', 'job-controller']);
  });

  it('completions 5 parallelism 2: never more than 2 active, 5 succeeded pods', async () => {
    let maxActive = 0;
    const inf = emu.controllers.informers.for('batch', 'jobs');
    inf.addHandler({ update: (_o, n) => n.metadata.name === 'five' && (maxActive = Math.max(maxActive, n.status?.active ?? 0)) });
    emu.registry.create(def('batch', 'jobs'), NS, job('five', { completions: 5, parallelism: 2 }));
    const done = await until(() => cond(getJob('five'), 'Complete') && getJob('five'));
    expect(done.status.succeeded).toBe(5);
    expect(maxActive).toBe(2);
    expect(podsOf('five').filter((p: KObject) => p.status.phase === 'Succeeded')).toHaveLength(5);
  });

  it('an Indexed Job: one pod per index with annotation, label, hostname and JOB_COMPLETION_INDEX; completedIndexes', async () => {
    emu.registry.create(def('batch', 'jobs'), NS, job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }, { spec: { subdomain: 'svc' } }));
    const done = await until(() => cond(getJob('idx'), 'Complete') && getJob('idx'));
    expect(done.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
    const pods = podsOf('idx').sort((a: KObject, b: KObject) => a.metadata.annotations['batch.kubernetes.io/job-completion-index'].localeCompare(b.metadata.annotations['batch.kubernetes.io/job-completion-index']));
    expect(pods.map((p: KObject) => [p.metadata.annotations['batch.kubernetes.io/job-completion-index'], p.metadata.labels['batch.kubernetes.io/job-completion-index'], p.spec.hostname, p.spec.subdomain])).toEqual([
      ['0', '0', 'idx-0', 'svc'],
      ['1', '1', 'idx-1', 'svc'],
      ['2', '2', 'idx-2', 'svc'],
    ]);
    expect(pods[1].metadata.name).toMatch(/^idx-1-[a-z0-9]{5}$/);
    expect(pods[0].spec.containers[0].env).toEqual([
      { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } },
    ]);
  });

  it('a failing Job (kube-emulator.io/fail) is re-created with back-off until backoffLimit: FailureTarget then Failed', async () => {
    emu.registry.create(def('batch', 'jobs'), NS, job('boom', { backoffLimit: 2 }, { metadata: { annotations: { 'kube-emulator.io/fail': 'true' } } }));
    const done = await until(() => cond(getJob('boom'), 'Failed') && getJob('boom'), 20_000);
    expect(done.status.failed).toBe(3);
    expect(done.status.conditions.map((c: KObject) => [c.type, c.reason, c.message])).toEqual([
      ['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
    ]);
    expect(done.status.completionTime).toBeUndefined();
    const pods = podsOf('boom');
    expect(pods).toHaveLength(3);
    for (const p of pods) expect(p.status.containerStatuses[0].state.terminated.exitCode).toBe(1);
    expect(events('boom').map((e: KObject) => [e.type, e.reason, e.message])).toContainEqual(['Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit']);
  });

  it('kube-emulator.io/complete-after sets how long a Job pod runs', async () => {
    const t0 = Date.now();
    emu.registry.create(def('batch', 'jobs'), NS, job('slow', {}, { metadata: { annotations: { 'kube-emulator.io/complete-after': '600ms' } } }));
    await until(() => cond(getJob('slow'), 'Complete'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
  });

  it('deleting the namespace of a running Job is not held up by the tracking finalizer', async () => {
    const nsDef = def('', 'namespaces');
    emu.registry.create(nsDef, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'batchns' } });
    emu.registry.create(def('batch', 'jobs'), 'batchns', job('long', { parallelism: 2, completions: 2 }, { metadata: { annotations: { 'kube-emulator.io/complete-after': '1h' } } }));
    await until(() => emu.registry.list(def('', 'pods'), 'batchns').items.filter((p: KObject) => p.status?.phase === 'Running').length === 2);
    emu.registry.delete(nsDef, '', 'batchns', {});
    await until(() => !emu.registry.list(nsDef, '').items.some((n: KObject) => n.metadata.name === 'batchns'), 15_000);
  });

  it('a work queue (parallelism without completions) completes once one pod succeeds and the rest finish', async () => {
    emu.registry.create(def('batch', 'jobs'), NS, job('wq', { parallelism: 3 }));
    const done = await until(() => cond(getJob('wq'), 'Complete') && getJob('wq'));
    expect(done.status.succeeded).toBeGreaterThanOrEqual(1);
    expect(done.spec.completions).toBeUndefined();
  });
});

describe('job controller emulating 1.30 (before delayTerminalCondition)', () => {
  let emu: KubeEmulator;
  beforeAll(async () => {
    emu = await startServer({ controllers: ['*'], podStages: 'fast', emulatedVersion: 'v1.30.0' });
  });
  afterAll(async () => {
    await emu.close();
  });
  it('Complete comes alone, without a reason; a failure is Failed at once', async () => {
    const jobs = emu.registry.mustDef('batch', 'jobs');
    emu.registry.create(jobs, NS, job('old'));
    emu.registry.create(jobs, NS, job('old-fail', { backoffLimit: 0 }, { metadata: { annotations: { 'kube-emulator.io/fail': 'true' } } }));
    const done = await untilSettled(emu.controllers, () => {
      const j = emu.registry.get(jobs, NS, 'old');
      return j.status?.conditions?.some((c: KObject) => c.type === 'Complete') && j;
    });
    expect(done.status.conditions.map((c: KObject) => [c.type, c.status, c.reason, c.message])).toEqual([['Complete', 'True', undefined, undefined]]);
    const failed = await untilSettled(emu.controllers, () => {
      const j = emu.registry.get(jobs, NS, 'old-fail');
      return j.status?.conditions?.some((c: KObject) => c.type === 'Failed') && j;
    });
    expect(failed.status.conditions.map((c: KObject) => [c.type, c.reason])).toEqual([['Failed', 'BackoffLimitExceeded']]);
  });
});

describe('job controller, driven (FakeClock)', () => {
  let emu: KubeEmulator;
  let mgr: ControllerManager;
  // near real time: the API server stamps deletionTimestamps with the real clock
  const clock = new FakeClock(Math.floor(Date.now() / 1000) * 1000);
  const def = (g: string, p: string) => emu.registry.mustDef(g, p);
  const getJob = (n: string) => emu.registry.get(def('batch', 'jobs'), NS, n);
  const podsOf = (n: string) =>
    emu.registry
      .list(def('', 'pods'), NS)
      .items.filter((p: KObject) => p.metadata.labels?.['job-name'] === n)
      .sort((a: KObject, b: KObject) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || 0);
  const livePods = (n: string) => podsOf(n).filter((p: KObject) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase));
  const cond = (j: KObject, t: string) => j.status?.conditions?.find((c: KObject) => c.type === t);
  const events = (n: string) => emu.registry.list(def('', 'events'), NS).items.filter((e: KObject) => e.involvedObject?.name === n && e.involvedObject?.kind === 'Job');
  const settle = () => mgr.settled();
  const create = async (o: KObject) => {
    emu.registry.create(def('batch', 'jobs'), NS, o);
    await settle();
  };

  /** Finishes a pod as the kubelet would: terminated containers with the exit code, a terminal phase. */
  function finish(pod: KObject, exitCode: number, extra: KObject = {}): void {
    const t = rfc3339(clock.now());
    emu.registry.modify(
      def('', 'pods'),
      NS,
      pod.metadata.name,
      (p) => {
        p.status = {
          phase: exitCode === 0 ? 'Succeeded' : 'Failed',
          conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: t }, ...(extra.conditions ?? [])],
          containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', startedAt: t, finishedAt: t } } }],
        };
      },
      { subresource: 'status' },
    );
  }
  function markReady(pod: KObject): void {
    emu.registry.modify(
      def('', 'pods'),
      NS,
      pod.metadata.name,
      (p) => {
        p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(clock.now()) }] };
      },
      { subresource: 'status' },
    );
  }
  /** Pods being deleted go away once the finalizers allow (no kubelet here). */
  function reap(n: string): void {
    for (const p of podsOf(n)) if (p.metadata.deletionTimestamp) emu.registry.delete(def('', 'pods'), NS, p.metadata.name, { gracePeriodSeconds: 0 });
  }

  beforeAll(async () => {
    emu = await startServer({ controllers: [] });
    mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions({ podStages: 'default', clock }), [jobController, ttlAfterFinishedController]);
    mgr.start(['*']);
  });
  afterAll(async () => {
    mgr.stop();
    await emu.close();
  });

  it('creates parallelism pods with the tracking finalizer and writes active/ready/startTime', async () => {
    await create(job('par', { completions: 4, parallelism: 2 }));
    const pods = podsOf('par');
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(p.metadata.finalizers).toEqual([JOB_TRACKING_FINALIZER]);
    markReady(pods[0]);
    await settle();
    const j = getJob('par');
    expect(j.status).toMatchObject({ active: 2, ready: 1, terminating: 0, startTime: rfc3339(clock.now()), uncountedTerminatedPods: {} });
  });

  it('counts a finished pod through uncountedTerminatedPods and removes its finalizer, then replaces it', async () => {
    await create(job('count', { completions: 2, parallelism: 1 }));
    const [p] = podsOf('count');
    const seen: KObject[] = [];
    emu.controllers.informers; // (the driven manager has its own informers)
    mgr.informers.for('batch', 'jobs').addHandler({ update: (_o, n) => n.metadata.name === 'count' && seen.push(structuredClone(n.status)) });
    finish(p, 0);
    await settle();
    expect(seen.some((s) => s.uncountedTerminatedPods?.succeeded?.includes(p.metadata.uid))).toBe(true);
    const j = getJob('count');
    expect(j.status.succeeded).toBe(1);
    expect(j.status.uncountedTerminatedPods).toEqual({});
    expect(emu.registry.get(def('', 'pods'), NS, p.metadata.name).metadata.finalizers).toBeUndefined();
    expect(livePods('count')).toHaveLength(1);
    finish(livePods('count')[0], 0);
    await settle();
    expect(cond(getJob('count'), 'Complete')?.status).toBe('True');
    expect(getJob('count').status.completionTime).toBe(rfc3339(clock.now()));
  });

  it('re-creates failed pods after 10 s, then 20 s (exponential back-off on the clock)', async () => {
    await create(job('retry', { backoffLimit: 5 }));
    finish(podsOf('retry')[0], 1);
    await settle();
    expect(livePods('retry')).toHaveLength(0);
    expect(getJob('retry').status.failed).toBe(1);
    clock.advance(9_000);
    await settle();
    expect(livePods('retry')).toHaveLength(0);
    clock.advance(1_100);
    await settle();
    expect(livePods('retry')).toHaveLength(1);
    finish(livePods('retry')[0], 1);
    await settle();
    clock.advance(19_000);
    await settle();
    expect(livePods('retry')).toHaveLength(0);
    clock.advance(1_100);
    await settle();
    expect(livePods('retry')).toHaveLength(1);
    // a success resets the back-off
    expect(getJob('retry').status.failed).toBe(2);
  });

  it('backoffLimit 0: the first failure fails the Job', async () => {
    await create(job('once', { backoffLimit: 0 }));
    finish(podsOf('once')[0], 1);
    await settle();
    const j = getJob('once');
    expect(cond(j, 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
    expect(j.status.failed).toBe(1);
  });

  it('activeDeadlineSeconds: DeadlineExceeded when the clock passes it; active pods deleted', async () => {
    await create(job('deadline', { activeDeadlineSeconds: 30, parallelism: 2, completions: 2 }));
    expect(livePods('deadline')).toHaveLength(2);
    clock.advance(29_000);
    await settle();
    expect(cond(getJob('deadline'), 'FailureTarget')).toBeUndefined();
    clock.advance(1_500);
    await settle();
    // unscheduled pods are deleted at once: their finalizer removed, they go, and the Job is Failed
    const j = getJob('deadline');
    expect(j.status.conditions.map((c: KObject) => [c.type, c.reason, c.message])).toEqual([
      ['FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline'],
      ['Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline'],
    ]);
    expect(j.status).toMatchObject({ failed: 2, terminating: 0 });
    expect(j.status.active).toBeUndefined();
    expect(podsOf('deadline')).toHaveLength(0);
    expect(events('deadline').map((e: KObject) => [e.type, e.reason])).toContainEqual(['Warning', 'DeadlineExceeded']);
  });

  it('suspend: no pods, a Suspended condition; resume creates them and resets startTime; suspending deletes them', async () => {
    await create(job('susp', { suspend: true, parallelism: 2, completions: 2 }));
    let j = getJob('susp');
    expect(podsOf('susp')).toHaveLength(0);
    expect(cond(j, 'Suspended')).toMatchObject({ status: 'True', reason: 'JobSuspended', message: 'Job suspended' });
    expect(j.status.startTime).toBeUndefined();
    clock.advance(5_000);
    emu.registry.modify(def('batch', 'jobs'), NS, 'susp', (o) => void (o.spec.suspend = false));
    await settle();
    j = getJob('susp');
    expect(cond(j, 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed', message: 'Job resumed' });
    expect(j.status.startTime).toBe(rfc3339(clock.now()));
    expect(livePods('susp')).toHaveLength(2);
    emu.registry.modify(def('batch', 'jobs'), NS, 'susp', (o) => void (o.spec.suspend = true));
    await settle();
    expect(livePods('susp')).toHaveLength(0);
    j = getJob('susp');
    expect(cond(j, 'Suspended')?.status).toBe('True');
    // deleted with their finalizer removed first (deleteJobPods); unscheduled, they are gone at once
    expect(podsOf('susp')).toHaveLength(0);
    expect(j.status).toMatchObject({ terminating: 0, ready: 0 });
    expect(j.status.failed ?? 0).toBe(0);
    // resumed again after it had started: startTime is reset (the status write is not refused)
    clock.advance(7_000);
    emu.registry.modify(def('batch', 'jobs'), NS, 'susp', (o) => void (o.spec.suspend = false));
    await settle();
    j = getJob('susp');
    expect(cond(j, 'Suspended')?.status).toBe('False');
    expect(j.status.startTime).toBe(rfc3339(clock.now()));
    expect(livePods('susp')).toHaveLength(2);
    const reasons = events('susp').map((e: KObject) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Suspended', 'Resumed', 'SuccessfulCreate', 'SuccessfulDelete']));
  });

  it('podFailurePolicy FailJob on an exit code: FailureTarget with the rule message', async () => {
    await create(job('pfp', { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] } }));
    const [p] = podsOf('pfp');
    finish(p, 42);
    await settle();
    const j = getJob('pfp');
    const msg = `Container c for pod default/${p.metadata.name} failed with exit code 42 matching FailJob rule at index 0`;
    expect(cond(j, 'FailureTarget')).toMatchObject({ reason: 'PodFailurePolicy', message: msg });
    expect(cond(j, 'Failed')).toMatchObject({ reason: 'PodFailurePolicy', message: msg });
  });

  it('podFailurePolicy Ignore on a condition does not count; Count does', async () => {
    await create(
      job('pfp-ign', {
        backoffLimit: 0,
        podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
      }),
    );
    finish(podsOf('pfp-ign')[0], 137, { conditions: [{ type: 'DisruptionTarget', status: 'True' }] });
    await settle();
    let j = getJob('pfp-ign');
    expect(cond(j, 'FailureTarget')).toBeUndefined();
    expect(j.status.failed ?? 0).toBe(0);
    // the re-creation back-off still applies
    expect(livePods('pfp-ign')).toHaveLength(0);
    clock.advance(10_500);
    await settle();
    expect(livePods('pfp-ign')).toHaveLength(1);
    finish(livePods('pfp-ign')[0], 1);
    await settle();
    j = getJob('pfp-ign');
    expect(cond(j, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded' });
    expect(j.status.failed).toBe(1);
  });

  it('podReplacementPolicy Failed waits for a deleted pod to be gone before replacing it', async () => {
    await create(job('prp', { podReplacementPolicy: 'Failed', backoffLimit: 3 }));
    const [p] = podsOf('prp');
    emu.registry.delete(def('', 'pods'), NS, p.metadata.name, {});
    await settle();
    expect(livePods('prp')).toHaveLength(0);
    expect(getJob('prp').status.terminating).toBe(1);
    finish(p, 143);
    await settle();
    clock.advance(10_500);
    await settle();
    expect(livePods('prp')).toHaveLength(1);
    // TerminatingOrFailed (the default) replaces it at once
    await create(job('prp2', { backoffLimit: 3 }));
    const [q] = podsOf('prp2');
    emu.registry.delete(def('', 'pods'), NS, q.metadata.name, {});
    await settle();
    clock.advance(10_500);
    await settle();
    expect(livePods('prp2')).toHaveLength(1);
    expect(getJob('prp2').status.failed).toBe(1);
  });

  it('Indexed with successPolicy: SuccessCriteriaMet with the rule, the rest deleted, then Complete', async () => {
    await create(job('sp', { completionMode: 'Indexed', completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededIndexes: '0' }] } }));
    const pods = podsOf('sp');
    expect(pods).toHaveLength(3);
    const zero = pods.find((p: KObject) => p.metadata.annotations['batch.kubernetes.io/job-completion-index'] === '0');
    finish(zero, 0);
    await settle();
    const j = getJob('sp');
    expect(j.status.conditions.map((c: KObject) => [c.type, c.reason, c.message])).toEqual([
      ['SuccessCriteriaMet', 'SuccessPolicy', 'Matched rules at index 0'],
      ['Complete', 'SuccessPolicy', 'Matched rules at index 0'],
    ]);
    // the pods of the other indexes are deleted, not counted as failures
    expect(j.status).toMatchObject({ completedIndexes: '0', succeeded: 1 });
    expect(j.status.failed).toBeUndefined();
    expect(livePods('sp')).toHaveLength(0);
  });

  it('backoffLimitPerIndex: an index fails on its own, the others run; failedIndexes and FailedIndexes', async () => {
    await create(job('bpi', { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 1 }));
    const byIx = (ix: string) => livePods('bpi').find((p: KObject) => p.metadata.annotations['batch.kubernetes.io/job-completion-index'] === ix);
    expect(byIx('0')!.metadata.annotations['batch.kubernetes.io/job-index-failure-count']).toBe('0');
    finish(byIx('0')!, 1);
    await settle();
    clock.advance(10_500);
    await settle();
    const again = byIx('0')!;
    expect(again.metadata.annotations['batch.kubernetes.io/job-index-failure-count']).toBe('1');
    finish(again, 1);
    await settle();
    let j = getJob('bpi');
    expect(j.status.failedIndexes).toBe('0');
    expect(cond(j, 'FailureTarget')).toBeUndefined();
    finish(byIx('1')!, 0);
    await settle();
    j = getJob('bpi');
    expect(j.status).toMatchObject({ completedIndexes: '1', failedIndexes: '0', failed: 2, succeeded: 1 });
    expect(cond(j, 'Failed')).toMatchObject({ reason: 'FailedIndexes', message: 'Job has failed indexes' });
  });

  it('a Job with too many pods deletes the extra ones (parallelism lowered)', async () => {
    await create(job('shrink', { completions: 5, parallelism: 3 }));
    expect(livePods('shrink')).toHaveLength(3);
    emu.registry.modify(def('batch', 'jobs'), NS, 'shrink', (o) => void (o.spec.parallelism = 1));
    await settle();
    expect(livePods('shrink')).toHaveLength(1);
    expect(events('shrink').filter((e: KObject) => e.reason === 'SuccessfulDelete')).toHaveLength(2);
  });

  it('an orphan pod keeps no tracking finalizer; a deleted Job releases its pods', async () => {
    await create(job('gone', { parallelism: 1 }));
    const [p] = podsOf('gone');
    expect(p.metadata.finalizers).toEqual([JOB_TRACKING_FINALIZER]);
    emu.registry.delete(def('batch', 'jobs'), NS, 'gone', { propagationPolicy: 'Background' });
    await settle();
    expect(emu.registry.get(def('', 'pods'), NS, p.metadata.name).metadata.finalizers).toBeUndefined();
  });

  it('ttlSecondsAfterFinished: the finished Job is deleted (Foreground) once the TTL passes on the clock', async () => {
    await create(job('ttl', { ttlSecondsAfterFinished: 60 }));
    finish(podsOf('ttl')[0], 0);
    await settle();
    expect(cond(getJob('ttl'), 'Complete')?.status).toBe('True');
    clock.advance(59_000);
    await settle();
    expect(getJob('ttl').metadata.deletionTimestamp).toBeUndefined();
    clock.advance(1_500);
    await settle();
    // Foreground: the Job waits for its pods (the garbage collector is not running here)
    const gone = emu.registry.list(def('batch', 'jobs'), NS).items.find((j: KObject) => j.metadata.name === 'ttl');
    expect(gone === undefined || (gone.metadata.deletionTimestamp && gone.metadata.finalizers?.includes('foregroundDeletion'))).toBeTruthy();
    // a Job without a TTL stays
    await create(job('no-ttl'));
    finish(podsOf('no-ttl')[0], 0);
    await settle();
    clock.advance(3_600_000);
    await settle();
    expect(getJob('no-ttl').metadata.deletionTimestamp).toBeUndefined();
  });

  it('managedBy another controller: the Job is left alone', async () => {
    await create(job('ext', { managedBy: 'example.com/other' }));
    expect(podsOf('ext')).toHaveLength(0);
    expect(getJob('ext').status).toEqual({});
  });
});
