// CronJobs: 1,000 CronJobs on `*/1 * * * *` reach the same minute; time from the controllers'
// clock passing it (a FakeClock, in this process: no wall-clock minute) to every CronJob having
// started its Job and recorded it in status.active. The ceiling, measured in the same run on an
// identical in-process server without controllers: the same writes done directly (each Job
// created, its SuccessfulCreate Event, each CronJob's status written once).
import { createServer } from '../src/server/app.js';
import { FakeClock, rfc3339, WRITE } from '../src/controllers/runtime/index.js';
import { getJobFromTemplate } from '../src/controllers/cronjob/utils.js';
import { spread } from './lib.js';

export type Row = [string, string, string, string, string];

const N = 1_000;
const MIN = 60_000;

function cronJob(name: string) {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } } } },
  };
}

async function server(controllers: string[], clock: FakeClock) {
  return createServer({ security: { open: true }, inMemory: true, port: 0, logLevel: 'silent', controllers, podStages: 'fast', clock });
}

export async function cronJobScenarios(runs: number): Promise<Row[]> {
  process.stderr.write('cronjob\n');
  const ours: number[] = [];
  const ceiling: number[] = [];
  let failed = '';
  for (let r = 0; r < runs; r++) {
    {
      const clock = new FakeClock(Date.now());
      const emu = await server(['cronjob'], clock);
      const cjDef = emu.registry.mustDef('batch', 'cronjobs');
      const jobDef = emu.registry.mustDef('batch', 'jobs');
      let latest = 0;
      for (let i = 0; i < N; i++) latest = Math.max(latest, Date.parse(emu.registry.create(cjDef, 'default', cronJob(`cj-${i}`)).object.metadata.creationTimestamp));
      await emu.controllers.settled();
      const slot = Math.floor(latest / MIN) * MIN + MIN;
      const t0 = performance.now();
      clock.set(slot + 1000);
      await emu.controllers.settled();
      ours.push(performance.now() - t0);
      const jobs = emu.registry.list(jobDef, 'default').items.length;
      const active = emu.registry.list(cjDef, 'default').items.filter((c: any) => c.status?.active?.length === 1).length;
      if (jobs !== N || active !== N) failed = `${jobs} Jobs and ${active} CronJobs with an active Job, not ${N}`;
      await emu.close();
    }
    {
      const clock = new FakeClock(Date.now());
      const emu = await server([], clock);
      const cjDef = emu.registry.mustDef('batch', 'cronjobs');
      const jobDef = emu.registry.mustDef('batch', 'jobs');
      const evDef = emu.registry.mustDef('', 'events');
      const cjs = [];
      for (let i = 0; i < N; i++) cjs.push(emu.registry.create(cjDef, 'default', cronJob(`cj-${i}`)).object);
      const slot = Math.floor(clock.now() / MIN) * MIN + MIN;
      const t0 = performance.now();
      for (const cj of cjs) {
        const job = emu.registry.create(jobDef, 'default', getJobFromTemplate(cj, slot), WRITE).object;
        const at = rfc3339(clock.now());
        emu.registry.create(evDef, 'default', {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${cj.metadata.name}.${job.metadata.uid.slice(0, 8)}` },
          involvedObject: { kind: 'CronJob', namespace: 'default', name: cj.metadata.name, uid: cj.metadata.uid, apiVersion: 'batch/v1', resourceVersion: cj.metadata.resourceVersion },
          reason: 'SuccessfulCreate',
          message: `Created job ${job.metadata.name}`,
          source: { component: 'cronjob-controller' },
          firstTimestamp: at,
          lastTimestamp: at,
          count: 1,
          type: 'Normal',
        });
        const st = structuredClone(cj);
        st.status = { active: [{ kind: 'Job', namespace: 'default', name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion }], lastScheduleTime: rfc3339(slot) };
        emu.registry.update(cjDef, 'default', cj.metadata.name, st, { ...WRITE, subresource: 'status' });
      }
      ceiling.push(performance.now() - t0);
      await emu.close();
    }
  }
  const ratios = ours.map((o, i) => ceiling[i] / o);
  const out: Row[] = [[`${N} CronJobs (*/1 * * * *) reaching their minute, to every Job started and in status.active (ms)`, spread(ours), spread(ceiling), spread(ratios, 2), '']];
  if (failed) out.push(['cronjob scenario failure', failed, '', '', '']);
  return out;
}
