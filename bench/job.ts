// Jobs: 200 Jobs of 5 completions each (parallelism 1, the default) from create to all Complete,
// with zero-delay pod stages. The ceiling, measured in the same run on an identical server: the
// same pod work without the Job controller: the load generator creates the 1,000 pods itself in
// 5 waves of 200 (each Job's pods run one after another), each wave once the previous one has
// Succeeded; the pods complete through the same node-agent stage (kube-emulator.io/complete-after).
import http from 'node:http';
import { cpuMs, load, request, rssMB, spawnServer, spread } from './lib.js';

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

/**
 * A watch on `path` (from now) counting the objects `done` says are finished; resolves true once
 * `target` are (a watch, not polling, so the waiting costs the server next to nothing).
 */
function watchCount(base: string, path: string, done: (o: any) => boolean) {
  const u = new URL(base);
  const finished = new Set<string>();
  let want = Infinity;
  let resolve: (v: boolean) => void = () => {};
  const req = http.get({ host: u.hostname, port: u.port, path: `${path}${path.includes('?') ? '&' : '?'}watch=1&allowWatchBookmarks=false` }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      buf += c;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line) continue;
        const ev = JSON.parse(line);
        if (ev.object?.metadata?.name && done(ev.object)) finished.add(ev.object.metadata.name);
        if (finished.size >= want) resolve(true);
      }
    });
  });
  req.on('error', () => resolve(false));
  return {
    until(target: number, timeoutMs: number): Promise<boolean> {
      want = target;
      if (finished.size >= want) return Promise.resolve(true);
      return new Promise<boolean>((r) => {
        const t = setTimeout(() => r(false), timeoutMs);
        resolve = (v) => {
          clearTimeout(t);
          resolve = () => {};
          r(v);
        };
      });
    },
    close: () => req.destroy(),
  };
}

const args = ['--in-memory', '--pod-stages', 'fast', '--nodes', '4'];

export async function jobScenarios(runs: number): Promise<Row[]> {
  process.stderr.write('job\n');
  const ours: number[] = [];
  const ceiling: number[] = [];
  // server CPU time (user + system) over the scenario: steadier than wall time on a busy machine
  const oursCpu: number[] = [];
  const ceilingCpu: number[] = [];
  let rss = NaN;
  let failed = '';
  for (let r = 0; r < runs; r++) {
    {
      const s = await spawnServer(args);
      const c0 = cpuMs(s.proc.pid!);
      const w = watchCount(s.url, '/apis/batch/v1/namespaces/default/jobs', (j) => j.status?.conditions?.some((c: any) => c.type === 'Complete' && c.status === 'True'));
      const t0 = performance.now();
      await load(JOBS, 16, (i) => request(s.url, 'POST', '/apis/batch/v1/namespaces/default/jobs', jobManifest(`j-${i}`)));
      if (!(await w.until(JOBS, 120_000))) failed = `${JOBS} Jobs did not complete in 120 s`;
      w.close();
      ours.push(performance.now() - t0);
      oursCpu.push(cpuMs(s.proc.pid!) - c0);
      rss = rssMB(s.proc.pid!);
      await s.stop();
    }
    {
      const s = await spawnServer(args);
      const c0 = cpuMs(s.proc.pid!);
      const w = watchCount(s.url, '/api/v1/namespaces/default/pods', (p) => p.status?.phase === 'Succeeded');
      const t0 = performance.now();
      for (let wave = 0; wave < COMPLETIONS; wave++) {
        await load(JOBS, 16, (i) => request(s.url, 'POST', '/api/v1/namespaces/default/pods', podManifest(`p-${wave}-${i}`)));
        if (!(await w.until(JOBS * (wave + 1), 60_000))) failed = `ceiling wave ${wave} did not succeed in 60 s`;
      }
      w.close();
      ceiling.push(performance.now() - t0);
      ceilingCpu.push(cpuMs(s.proc.pid!) - c0);
      await s.stop();
    }
  }
  const ratios = ours.map((o, i) => ceiling[i] / o);
  const out: Row[] = [
    [`${JOBS} Jobs of ${COMPLETIONS} completions (parallelism 1), create to all Complete (ms)`, spread(ours), spread(ceiling), spread(ratios, 2), '< 10000'],
    ['server CPU for the 200 Jobs (ms; ceiling: the same pods without the controller)', spread(oursCpu), spread(ceilingCpu), spread(oursCpu.map((o, i) => ceilingCpu[i] / o), 2), ''],
    ['RSS after the Job scenario (MB)', rss.toFixed(0), '', '', ''],
  ];
  if (failed) out.push(['job scenario failure', failed, '', '', '']);
  return out;
}
