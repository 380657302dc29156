// E2E with real kubectl: `create cronjob`, `get cj -o wide`, `create job --from=cronjob/...`, a
// CronJob firing on the controllers' clock (a FakeClock the test advances: no wall-clock minutes)
// and keeping its successful-jobs history limit, `describe cj`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { startServer } from '../helpers/server.js';
import { poll } from './fixtures/util.js';
import { FakeClock, rfc3339 } from '../../src/controllers/runtime/index.js';
import type { KubeEmulator } from '../../src/server/app.js';

const NS = 'cron';
const MIN = 60_000;

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: CronJobs', ({ bin }) => {
  let emu: KubeEmulator;
  let k: Kubectl;
  let clock: FakeClock;
  beforeAll(async () => {
    clock = new FakeClock(Date.now());
    emu = await startServer({ controllers: ['*'], podStages: 'fast', clock });
    k = new Kubectl(bin, emu.url);
    await k.ok(['create', 'ns', NS]);
  });
  afterAll(async () => {
    await emu?.close();
  });

  const getJSON = async (args: string[]) => JSON.parse(await k.ok(['get', ...args, '-n', NS, '-o', 'json']));
  const jobNames = async (owner: string) =>
    (await getJSON(['jobs'])).items
      .filter((j: any) => j.metadata.ownerReferences?.[0]?.name === owner && !j.metadata.annotations?.['cronjob.kubernetes.io/instantiate'])
      .map((j: any) => j.metadata.name)
      .sort();
  /** Moves the controllers' clock to `ms`, a minute at a time. */
  const advanceTo = async (ms: number) => {
    while (clock.now() < ms) {
      clock.set(Math.min(ms, clock.now() + MIN));
      await emu.controllers.settled();
    }
  };
  /** The Job controller runs the Job's pod (fast stages) to completion. */
  const complete = async (name: string) => {
    await k.ok(['wait', '--for=condition=complete', `job/${name}`, '-n', NS, '--timeout=20s']);
  };

  it('create cronjob, get cj -o wide', async () => {
    expect(await k.ok(['create', 'cronjob', 'c', '-n', NS, '--image=busybox', '--schedule=*/1 * * * *', '--', 'echo', 'hi'])).toBe('cronjob.batch/c created\n');
    const cj = await getJSON(['cj', 'c']);
    expect(cj.spec).toMatchObject({ schedule: '*/1 * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(cj.spec.jobTemplate.spec.template.spec.containers[0]).toMatchObject({ name: 'c', image: 'busybox', command: ['echo', 'hi'] });
    const wide = (await k.ok(['get', 'cj', '-n', NS, '-o', 'wide'])).trimEnd().split('\n');
    expect(wide[0].split(/\s{2,}/)).toEqual(['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(wide[1].split(/\s{2,}/)).toEqual(['c', '*/1 * * * *', '<none>', 'False', '0', '<none>', expect.stringMatching(/^\d+s$/), 'c', 'busybox', '<none>']);
    const explain = await k.ok(['explain', 'cj.spec.concurrencyPolicy']);
    expect(explain).toMatch(/^GROUP:\s+batch$/m);
    expect(explain).toMatch(/FIELD:\s+concurrencyPolicy <string>/);
    expect(await k.ok(['get', 'all', '-n', NS])).toMatch(/^cronjob\.batch\/c\s+\*\/1 \* \* \* \*/m);
    const short = (await k.ok(['get', 'cronjobs.batch', '-n', NS])).split('\n')[0];
    expect(short.split(/\s{2,}/)).toEqual(['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
  });

  it('create job --from=cronjob: the manual annotation and the CronJob as controller', async () => {
    expect(await k.ok(['create', 'job', 'manual', '--from=cronjob/c', '-n', NS])).toBe('job.batch/manual created\n');
    const job = await getJSON(['job', 'manual']);
    const cj = await getJSON(['cj', 'c']);
    expect(job.metadata.annotations['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'c', uid: cj.metadata.uid, controller: true }]);
    expect(job.spec.template.spec.containers[0].command).toEqual(['echo', 'hi']);
  });

  it('fires every minute, names Jobs after the scheduled minute and keeps 3 successful ones', async () => {
    const cj = await getJSON(['cj', 'c']);
    const first = Math.floor(Date.parse(cj.metadata.creationTimestamp) / MIN) * MIN + MIN;
    const fired: string[] = [];
    for (let i = 0; i < 5; i++) {
      const slot = first + i * MIN;
      await advanceTo(slot + 1000);
      const name = `c-${slot / MIN}`;
      fired.push(name);
      await poll(async () => (await jobNames('c')).includes(name), `job ${name}`);
      const job = await getJSON(['job', name]);
      expect(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(rfc3339(slot));
      await complete(name);
    }
    // each completion's sync trims the successful Jobs (the manual one included: it is the CronJob's) to successfulJobsHistoryLimit
    const allOwned = async () =>
      (await getJSON(['jobs'])).items
        .filter((j: any) => j.metadata.ownerReferences?.[0]?.name === 'c')
        .map((j: any) => j.metadata.name)
        .sort();
    await poll(async () => JSON.stringify(await allOwned()) === JSON.stringify(fired.slice(2).sort()), 'history trimmed to the 3 newest successful Jobs');
    const cjNow = await getJSON(['cj', 'c']);
    expect(cjNow.status.lastScheduleTime).toBe(rfc3339(first + 4 * MIN));
    expect(cjNow.status.active ?? []).toEqual([]);
    const last = await getJSON(['job', fired[4]]);
    expect(cjNow.status.lastSuccessfulTime).toBe(last.status.completionTime);
    const row = (await k.ok(['get', 'cj', 'c', '-n', NS, '--no-headers'])).trim().split(/\s{2,}/);
    expect(row.slice(0, 5)).toEqual(['c', '*/1 * * * *', '<none>', 'False', '0']);
    // the deleted Jobs took their pods with them (background propagation)
    await poll(async () => {
      const pods = (await getJSON(['pods'])).items.map((p: any) => p.metadata.labels?.['batch.kubernetes.io/job-name']);
      return pods.every((n: string) => fired.slice(2).includes(n)) && pods.length === 3;
    }, 'only the kept Jobs have pods');
  });

  it('describe cj', async () => {
    const out = await k.ok(['describe', 'cj', 'c', '-n', NS]);
    expect(out).toMatch(/^Name:\s+c$/m);
    expect(out).toMatch(/^Schedule:\s+\*\/1 \* \* \* \*$/m);
    expect(out).toMatch(/^Concurrency Policy:\s+Allow$/m);
    expect(out).toMatch(/^Suspend:\s+False$/m);
    expect(out).toMatch(/^Successful Job History Limit:\s+3$/m);
    expect(out).toMatch(/^Failed Job History Limit:\s+1$/m);
    expect(out).toMatch(/^Last Schedule Time:\s+\w{3}, \d\d \w{3} \d{4}/m);
    expect(out).toMatch(/^Active Jobs:\s+<none>$/m);
    expect(out).toMatch(/Normal\s+SuccessfulCreate\s+.*cronjob-controller\s+Created job c-\d+/);
    expect(out).toMatch(/Normal\s+SuccessfulDelete\s+.*cronjob-controller\s+Deleted job c-\d+/);
    expect(out).toMatch(/Warning\s+UnexpectedJob\s+.*cronjob-controller\s+Saw a job that the controller did not create or forgot: manual/);
  });

  it('ttlSecondsAfterFinished: the finished Job and its pods are deleted once the TTL has passed on the clock', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'ttl', namespace: NS },
      spec: { ttlSecondsAfterFinished: 30, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } } },
    });
    await k.ok(['apply', '-f', '-'], { input: manifest });
    await complete('ttl');
    const done = Date.parse((await getJSON(['job', 'ttl'])).status.conditions.find((c: any) => c.type === 'Complete').lastTransitionTime);
    // the Job controller stamps the condition with the same clock
    expect(done).toBeLessThanOrEqual(clock.now());
    expect(done).toBeGreaterThan(clock.now() - 5_000);
    clock.set(done + 29_000);
    await emu.controllers.settled();
    expect((await k.run(['get', 'job', 'ttl', '-n', NS])).code).toBe(0);
    clock.set(done + 31_000);
    await poll(async () => (await k.run(['get', 'job', 'ttl', '-n', NS])).stderr.includes('NotFound'), 'the Job deleted after its TTL');
    await poll(async () => !(await getJSON(['pods'])).items.some((p: any) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === 'ttl'), 'its pods deleted');
  });

  it('delete cj takes its Jobs and their pods with it', async () => {
    expect(await k.ok(['delete', 'cj', 'c', '-n', NS])).toBe('cronjob.batch "c" deleted\n');
    await poll(async () => !(await getJSON(['jobs'])).items.some((j: any) => j.metadata.ownerReferences?.[0]?.name === 'c'), 'the Jobs deleted');
    await poll(async () => !(await getJSON(['pods'])).items.some((p: any) => /^c-\d+$/.test(p.metadata.labels?.['batch.kubernetes.io/job-name'] ?? '')), 'their pods deleted');
  });

  it('apply --server-side with timeZone and suspend, then resume with a patch', async () => {
    const yaml = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: ${NS}
spec:
  schedule: "30 2 * * *"
  timeZone: Europe/Paris
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: backup
            image: busybox
`;
    expect(await k.ok(['apply', '--server-side', '-f', '-'], { input: yaml })).toBe('cronjob.batch/nightly serverside-applied\n');
    let row = (await k.ok(['get', 'cj', 'nightly', '-n', NS, '--no-headers'])).trim().split(/\s{2,}/);
    expect(row.slice(0, 6)).toEqual(['nightly', '30 2 * * *', 'Europe/Paris', 'True', '0', '<none>']);
    expect(await k.ok(['patch', 'cj', 'nightly', '-n', NS, '-p', '{"spec":{"suspend":false}}'])).toBe('cronjob.batch/nightly patched\n');
    row = (await k.ok(['get', 'cj', 'nightly', '-n', NS, '--no-headers'])).trim().split(/\s{2,}/);
    expect(row[3]).toBe('False');
    const bad = await k.run(['patch', 'cj', 'nightly', '-n', NS, '-p', '{"spec":{"timeZone":"Europe/Atlantis"}}']);
    expect(bad.stderr).toBe('The CronJob "nightly" is invalid: spec.timeZone: Invalid value: "Europe/Atlantis": unknown time zone Europe/Atlantis\n');
    const tz = await k.run(['patch', 'cj', 'nightly', '-n', NS, '-p', '{"spec":{"schedule":"CRON_TZ=UTC 0 * * * *"}}']);
    expect(tz.stderr).toBe('The CronJob "nightly" is invalid: spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead\n');
  });
});
