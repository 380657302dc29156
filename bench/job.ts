// Jobs: 200 Jobs of 5 completions each (parallelism 1, the default) from create to all Complete,
// with zero-delay pod stages. The ceiling, measured in the same run on an identical server: the
// same pod work without the Job controller: the load generator creates the 1,000 pods itself in
// 5 waves of 200 (each Job's pods run one after another), each wave once the previous one has
// Succeeded; the pods complete through the same node-agent stage (kube-emulator.io/complete-after).
import { load, request, rssMB, spawnServer, spread } from './lib.js';

export type Row = [string, string, string, string, string];

const JOBS = 200;
const COMPLETIONS = 5;

function jobManifest(name: string): string {
  return JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { completions: COMPLETIONS, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['true'] }] } } },
  });
}

function podManifest(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'ceiling' }, annotations: { 'kube-emulator.io/complete-after': '0s' } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['true'] }] },
  });
}

async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const args = ['--in-memory', '--pod-stages', 'fast', '--nodes', '4'];

export async function jobScenarios(runs: number): Promise<Row[]> {
  process.stderr.write('job\n');
  const ours: number[] = [];
  const ceiling: number[] = [];
  let rss = NaN;
  let failed = '';
  for (let r = 0; r < runs; r++) {
    {
      const s = await spawnServer(args);
      const t0 = performance.now();
      await load(JOBS, 16, (i) => request(s.url, 'POST', '/apis/batch/v1/namespaces/default/jobs', jobManifest(`j-${i}`)));
      const ok = await until(async () => {
        const list = JSON.parse((await request(s.url, 'GET', '/apis/batch/v1/namespaces/default/jobs')).body);
        return list.items.filter((j: any) => j.status?.conditions?.some((c: any) => c.type === 'Complete' && c.status === 'True')).length === JOBS;
      }, 120_000);
      if (!ok) failed = `${JOBS} Jobs did not complete in 120 s`;
      ours.push(performance.now() - t0);
      rss = rssMB(s.proc.pid!);
      await s.stop();
    }
    {
      const s = await spawnServer(args);
      const t0 = performance.now();
      for (let w = 0; w < COMPLETIONS; w++) {
        await load(JOBS, 16, (i) => request(s.url, 'POST', '/api/v1/namespaces/default/pods', podManifest(`p-${w}-${i}`)));
        const ok = await until(async () => {
          const list = JSON.parse((await request(s.url, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dceiling')).body);
          return list.items.filter((p: any) => p.status?.phase === 'Succeeded').length === JOBS * (w + 1);
        }, 60_000);
        if (!ok) failed = `ceiling wave ${w} did not succeed in 60 s`;
      }
      ceiling.push(performance.now() - t0);
      await s.stop();
    }
  }
  const ratios = ours.map((o, i) => ceiling[i] / o);
  const out: Row[] = [
    [`${JOBS} Jobs of ${COMPLETIONS} completions (parallelism 1), create to all Complete (ms)`, spread(ours), spread(ceiling), spread(ratios, 2), '< 10000'],
    ['RSS after the Job scenario (MB)', rss.toFixed(0), '', '', ''],
  ];
  if (failed) out.push(['job scenario failure', failed, '', '', '']);
  return out;
}
