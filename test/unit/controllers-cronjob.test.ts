// CronJob controller on a FakeClock: the Jobs each scheduled time starts (names, scheduled-time
// annotation, owner), status.active / lastScheduleTime / lastSuccessfulTime, the concurrency
// policies, history limits, the starting deadline, suspend, time zones and the events, as
// pkg/controller/cronjob/cronjob_controllerv2.go. Jobs are finished by the test through jobs/status.
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, testControllerOptions } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { cronJobController } from '../../src/controllers/cronjob/index.js';
import { FakeClock, rfc3339 } from '../../src/controllers/runtime/index.js';
import type { KObject } from '../../src/resources/types.js';

const NS = 'default';
const MIN = 60_000;
let emu: KubeEmulator | undefined;
let mgr: ControllerManager | undefined;
let clock: FakeClock;

afterEach(async () => {
  mgr?.stop();
  await emu?.close();
  mgr = undefined;
  emu = undefined;
});

async function cluster(): Promise<void> {
  emu = await startServer({ controllers: [] });
  // the fake clock starts at the real time: creationTimestamps are stamped with it
  clock = new FakeClock(Date.now());
  mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions({ clock }), [cronJobController]);
  mgr.start(['*']);
}

const def = (g: string, p: string) => emu!.registry.mustDef(g, p);
const settle = () => mgr!.settled();

function createCronJob(name: string, spec: KObject = {}): KObject {
  const cj = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: { metadata: { labels: { app: name } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
  };
  return emu!.registry.create(def('batch', 'cronjobs'), NS, cj).object;
}

const getCJ = (name: string) => emu!.registry.get(def('batch', 'cronjobs'), NS, name);
const jobs = (cj: string) =>
  emu!.registry
    .list(def('batch', 'jobs'), NS)
    .items.filter((j: KObject) => j.metadata.ownerReferences?.[0]?.name === cj)
    .map((j: KObject) => j.metadata.name)
    .sort();
const events = (name: string) =>
  emu!.registry
    .list(def('', 'events'), NS)
    .items.filter((e: KObject) => e.involvedObject?.name === name)
    .sort((a: KObject, b: KObject) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((e: KObject) => `${e.reason}: ${e.message}`);

/** The first whole minute strictly after the CronJob's creation. */
const firstSlot = (cj: KObject) => Math.floor(Date.parse(cj.metadata.creationTimestamp) / MIN) * MIN + MIN;
const jobName = (cj: string, slot: number) => `${cj}-${slot / MIN}`;

/** Moves the clock to `ms` minute by minute, letting the controller run after each step. */
async function runUntil(ms: number): Promise<void> {
  await settle();
  while (clock.now() < ms) {
    clock.set(Math.min(ms, clock.now() + MIN));
    await settle();
  }
}

function finish(name: string, ok: boolean, startedAt: number, finishedAt: number): void {
  emu!.registry.modify(
    def('batch', 'jobs'),
    NS,
    name,
    (j) => {
      const t = rfc3339(finishedAt);
      const cond = (type: string) => ({ type, status: 'True', lastProbeTime: t, lastTransitionTime: t, reason: type, message: type });
      j.status = ok
        ? { startTime: rfc3339(startedAt), completionTime: t, succeeded: 1, conditions: [cond('SuccessCriteriaMet'), cond('Complete')] }
        : { startTime: rfc3339(startedAt), failed: 1, conditions: [cond('FailureTarget'), cond('Failed')] };
    },
    { subresource: 'status' },
  );
}

describe('cronjob controller', () => {
  it('starts one Job per scheduled time, named after the time in minutes, in order, over an hour', async () => {
    await cluster();
    const cj = createCronJob('tick', { schedule: '*/10 * * * *', successfulJobsHistoryLimit: 10 });
    const first = Math.ceil(Date.parse(cj.metadata.creationTimestamp) / (10 * MIN) + 1e-9) * 10 * MIN;
    await runUntil(clock.now() + 60 * MIN + 30_000);
    // an hour and 30 s hold six or seven ten-minute slots, depending on where the creation fell
    const slots = Array.from({ length: 7 }, (_, i) => first + i * 10 * MIN).filter((s) => s <= clock.now());
    expect(slots.length).toBeGreaterThanOrEqual(6);
    expect(jobs('tick')).toEqual(slots.map((s) => jobName('tick', s)).sort());
    expect(events('tick')).toEqual(slots.map((s) => `SuccessfulCreate: Created job ${jobName('tick', s)}`));
    const job = emu!.registry.get(def('batch', 'jobs'), NS, jobName('tick', slots[0]));
    expect(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(rfc3339(slots[0]));
    expect(job.metadata.labels.app).toBe('tick');
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const st = getCJ('tick').status;
    expect(st.lastScheduleTime).toBe(rfc3339(slots.at(-1)!));
    expect(st.active.map((r: KObject) => r.name)).toEqual(slots.map((s) => jobName('tick', s)));
    expect(st.active[0]).toMatchObject({ kind: 'Job', apiVersion: 'batch/v1', namespace: NS, uid: job.metadata.uid });
  });

  it('records completion: the Job leaves status.active, lastSuccessfulTime is its completion time', async () => {
    await cluster();
    const cj = createCronJob('done');
    const s1 = firstSlot(cj);
    await runUntil(s1 + 1000);
    expect(jobs('done')).toEqual([jobName('done', s1)]);
    finish(jobName('done', s1), true, s1, s1 + 20_000);
    await settle();
    const st = getCJ('done').status;
    expect(st.active).toBeUndefined();
    expect(st.lastSuccessfulTime).toBe(rfc3339(s1 + 20_000));
    expect(events('done')).toContain(`SawCompletedJob: Saw completed job: ${jobName('done', s1)}, condition: Complete`);
  });

  it('Forbid skips a scheduled time while a Job is active (and starts it late once the Job ends, as upstream)', async () => {
    await cluster();
    const cj = createCronJob('forbid', { concurrencyPolicy: 'Forbid' });
    const s1 = firstSlot(cj);
    await runUntil(s1 + 1000);
    await runUntil(s1 + MIN + 1000);
    expect(jobs('forbid')).toEqual([jobName('forbid', s1)]);
    expect(events('forbid')).toContain('JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid');
    // the skipped time stays unmet (lastScheduleTime is not moved): it starts when the active Job ends
    finish(jobName('forbid', s1), true, s1, s1 + MIN);
    await settle();
    expect(jobs('forbid')).toEqual([jobName('forbid', s1), jobName('forbid', s1 + MIN)]);
    await runUntil(s1 + 2 * MIN + 1000);
    expect(jobs('forbid')).toEqual([jobName('forbid', s1), jobName('forbid', s1 + MIN)]);
    const already = emu!.registry.list(def('', 'events'), NS).items.find((e: KObject) => e.involvedObject?.name === 'forbid' && e.reason === 'JobAlreadyActive');
    expect(already.count).toBe(2);
  });

  it('Replace deletes the active Job and starts the new one', async () => {
    await cluster();
    const cj = createCronJob('replace', { concurrencyPolicy: 'Replace' });
    const s1 = firstSlot(cj);
    await runUntil(s1 + 1000);
    await runUntil(s1 + MIN + 1000);
    expect(jobs('replace')).toEqual([jobName('replace', s1 + MIN)]);
    expect(getCJ('replace').status.active.map((r: KObject) => r.name)).toEqual([jobName('replace', s1 + MIN)]);
    expect(events('replace')).toEqual([
      `SuccessfulCreate: Created job ${jobName('replace', s1)}`,
      `SuccessfulDelete: Deleted job ${jobName('replace', s1)}`,
      `SuccessfulCreate: Created job ${jobName('replace', s1 + MIN)}`,
    ]);
  });

  it('keeps the newest successful and failed Jobs up to the history limits', async () => {
    await cluster();
    const cj = createCronJob('hist', { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 });
    const s1 = firstSlot(cj);
    const slots = [0, 1, 2, 3, 4].map((i) => s1 + i * MIN);
    for (const [i, s] of slots.entries()) {
      await runUntil(s + 1000);
      // jobs 0, 1, 3 succeed, 2 and 4 fail
      finish(jobName('hist', s), i !== 2 && i !== 4, s, s + 10_000);
      await settle();
    }
    await runUntil(s1 + 5 * MIN + 1000);
    const names = jobs('hist');
    expect(names).toContain(jobName('hist', s1 + 5 * MIN)); // the one still running
    expect(names.filter((n: string) => n !== jobName('hist', s1 + 5 * MIN))).toEqual([jobName('hist', slots[1]), jobName('hist', slots[3]), jobName('hist', slots[4])].sort());
    const ev = events('hist');
    expect(ev).toContain(`SuccessfulDelete: Deleted job ${jobName('hist', slots[0])}`);
    expect(ev).toContain(`SuccessfulDelete: Deleted job ${jobName('hist', slots[2])}`);
  });

  it('startingDeadlineSeconds: times missed beyond the deadline are not started; without one the most recent is', async () => {
    await cluster();
    const late = createCronJob('late', { startingDeadlineSeconds: 10 });
    const lax = createCronJob('lax');
    const s1 = firstSlot(late);
    // the controller is "down" for five minutes: one jump, the queue only runs afterwards
    await settle();
    clock.set(s1 + 4 * MIN + 30_000);
    await settle();
    expect(jobs('late')).toEqual([]);
    expect(jobs('lax')).toEqual([jobName('lax', firstSlot(lax) + 4 * MIN)]);
    // the next time within the deadline starts
    await runUntil(s1 + 5 * MIN + 5_000);
    expect(jobs('late')).toEqual([jobName('late', s1 + 5 * MIN)]);
  });

  it('warns when more than 100 start times were missed and still starts the most recent', async () => {
    await cluster();
    const cj = createCronJob('wedged');
    const s1 = firstSlot(cj);
    await settle();
    clock.set(s1 + 150 * MIN + 1000);
    await settle();
    expect(jobs('wedged')).toEqual([jobName('wedged', s1 + 150 * MIN)]);
    expect(events('wedged')[0]).toBe('TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
  });

  it('a suspended CronJob starts nothing; resumed, it starts the most recent missed time', async () => {
    await cluster();
    const cj = createCronJob('pause', { suspend: true });
    const s1 = firstSlot(cj);
    await runUntil(s1 + 3 * MIN + 1000);
    expect(jobs('pause')).toEqual([]);
    emu!.registry.modify(def('batch', 'cronjobs'), NS, 'pause', (o) => void (o.spec.suspend = false));
    await settle();
    expect(jobs('pause')).toEqual([jobName('pause', s1 + 3 * MIN)]);
  });

  it('reads the schedule in spec.timeZone; the scheduled-time annotation carries its offset', async () => {
    await cluster();
    const cj = createCronJob('tz', { schedule: '30 * * * *', timeZone: 'Asia/Kolkata' });
    // 30 minutes past the hour in India (UTC+05:30) is the top of the hour in UTC
    const slot = Math.floor(Date.parse(cj.metadata.creationTimestamp) / (60 * MIN)) * 60 * MIN + 60 * MIN;
    await settle();
    clock.set(slot + 1000);
    await settle();
    expect(jobs('tz')).toEqual([jobName('tz', slot)]);
    const job = emu!.registry.get(def('batch', 'jobs'), NS, jobName('tz', slot));
    expect(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).toMatch(/T\d\d:30:00\+05:30$/);
    expect(getCJ('tz').status.lastScheduleTime).toBe(rfc3339(slot));
  });

  it('reports a Job it did not create and an active Job that went missing', async () => {
    await cluster();
    const cj = createCronJob('odd', { schedule: '@yearly' });
    emu!.registry.create(def('batch', 'jobs'), NS, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'manual', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'odd', uid: cj.metadata.uid, controller: true }] },
      spec: cj.spec.jobTemplate.spec,
    });
    await settle();
    expect(events('odd')).toContain('UnexpectedJob: Saw a job that the controller did not create or forgot: manual');
    emu!.registry.update(def('batch', 'cronjobs'), NS, 'odd', { ...getCJ('odd'), status: { active: [{ kind: 'Job', namespace: NS, name: 'gone', uid: 'u-1', apiVersion: 'batch/v1' }] } }, { subresource: 'status' });
    await settle();
    expect(events('odd')).toContain('MissingJob: Active job went missing: gone');
    expect(getCJ('odd').status.active ?? []).toEqual([]);
  });

  it('a changed schedule moves the next run to the new schedule (no Job for a past time of it)', async () => {
    await cluster();
    const cj = createCronJob('resched', { schedule: '0 0 1 1 *' });
    const s1 = firstSlot(cj);
    await runUntil(s1 + 2 * MIN + 30_000);
    expect(jobs('resched')).toEqual([]);
    // every minute from now on: the minutes already past are not started
    emu!.registry.modify(def('batch', 'cronjobs'), NS, 'resched', (o) => void (o.spec.schedule = '* * * * *'));
    await settle();
    expect(jobs('resched')).toEqual([]);
    await runUntil(s1 + 3 * MIN + 1000);
    expect(jobs('resched')).toEqual([jobName('resched', s1 + 3 * MIN)]);
  });

  it('a time further away than a timer can wait (@yearly) is requeued in steps of at most 2^31-1 ms', async () => {
    emu = await startServer({ controllers: [] });
    const delays: number[] = [];
    clock = new (class extends FakeClock {
      override setTimeout(fn: () => void, ms: number) {
        delays.push(ms);
        return super.setTimeout(fn, ms);
      }
    })(Date.now());
    mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions({ clock }), [cronJobController]);
    mgr.start(['*']);
    createCronJob('leap', { schedule: '0 0 29 2 *' });
    await settle();
    expect(delays.length).toBeGreaterThan(0);
    // Node fires a longer setTimeout at once: the controller would spin
    expect(Math.max(...delays)).toBe(2 ** 31 - 1);
    expect(jobs('leap')).toEqual([]);
  });

  it('a schedule that parses but never fires (Feb 30th) gets the InvalidSchedule warning and no requeue', async () => {
    await cluster();
    createCronJob('never', { schedule: '0 0 30 2 *' });
    await settle();
    expect(events('never')).toEqual(['InvalidSchedule: invalid schedule: 0 0 30 2 * : time difference between two schedules is less than 1 second']);
    expect(clock.pending).toBe(0);
  });

  it('@every counts from the creation time (robfig ConstantDelaySchedule)', async () => {
    await cluster();
    const cj = createCronJob('every', { schedule: '@every 90s' });
    const created = Date.parse(cj.metadata.creationTimestamp);
    await runUntil(created + 4 * MIN);
    const times = [created + 90_000, created + 180_000];
    expect(jobs('every')).toEqual(times.map((t) => `every-${Math.floor(t / MIN)}`).sort());
    expect(getCJ('every').status.lastScheduleTime).toBe(rfc3339(times[1]));
  });
});
