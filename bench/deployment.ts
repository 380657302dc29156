// The Deployment scenarios: a 1,000-replica Deployment from create to all Available, and its
// rolling update to a new image (maxSurge 25%), each beside a ceiling measured in the same run on
// a server of the same configuration: 1,000 bare pods POSTed to all Ready (and, for the update,
// 1,000 bare pods replaced by 1,000 new ones), the pod work the controllers cannot avoid.
import { load, podManifest, request, spawnServer, spread } from './lib.js';

const N = 1000;
// a simulated node holds 110 pods: 1,000 replicas plus the 25% surge need twelve nodes
const ARGS = ['--in-memory', '--pod-stages', 'fast', '--nodes', '12'];
const CONNS = 32;

// polled every 100 ms in both scenarios: a list of 1,000 pods is not free for the server
async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function deployment(image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'big' },
    spec: {
      replicas: N,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      selector: { matchLabels: { app: 'big' } },
      template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image }] } },
    },
  });
}

const ratio = (a: number[], b: number[]): string => spread(a.map((x, i) => x / b[i]), 2);

async function readyPods(url: string, selector: string): Promise<number> {
  const list = JSON.parse((await request(url, 'GET', `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`)).body);
  return list.items.filter((p: any) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length;
}

async function podCount(url: string, selector: string): Promise<number> {
  const list = JSON.parse((await request(url, 'GET', `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}&limit=1`)).body);
  return list.items.length ? (list.metadata.remainingItemCount ?? 0) + 1 : 0;
}

export async function deploymentScenarios(runs: number): Promise<[string, string, string, string, string][]> {
  process.stderr.write('deployment\n');
  const create: number[] = [];
  const roll: number[] = [];
  const ceilCreate: number[] = [];
  const ceilRoll: number[] = [];
  let failed = '';
  for (let r = 0; r < runs; r++) {
    // the ceiling: bare pods through the same API, scheduler and node agent
    {
      const s = await spawnServer(ARGS);
      let t0 = performance.now();
      await load(N, CONNS, (i) => request(s.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('default', `a-${i}`, { gen: 'a' })));
      if (!(await until(async () => (await readyPods(s.url, 'gen=a')) === N, 60_000))) failed = 'bare pods did not become Ready in 60 s';
      ceilCreate.push(performance.now() - t0);
      t0 = performance.now();
      await request(s.url, 'DELETE', '/api/v1/namespaces/default/pods?labelSelector=gen%3Da&gracePeriodSeconds=0');
      await load(N, CONNS, (i) => request(s.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('default', `b-${i}`, { gen: 'b' })));
      if (!(await until(async () => (await readyPods(s.url, 'gen=b')) === N && (await podCount(s.url, 'gen=a')) === 0, 60_000))) failed = 'bare pod replacement did not finish in 60 s';
      ceilRoll.push(performance.now() - t0);
      await s.stop();
    }
    {
      const s = await spawnServer(ARGS);
      const status = async () => {
        const d = JSON.parse((await request(s.url, 'GET', '/apis/apps/v1/namespaces/default/deployments/big')).body);
        return { gen: d.metadata?.generation, ...(d.status ?? {}) };
      };
      let t0 = performance.now();
      await request(s.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('nginx:1'));
      if (
        !(await until(async () => {
          const st = await status();
          return st.availableReplicas === N && st.updatedReplicas === N && st.observedGeneration === st.gen;
        }, 60_000))
      )
        failed = `${N}-replica Deployment not Available in 60 s`;
      create.push(performance.now() - t0);
      t0 = performance.now();
      await request(s.url, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/big', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } }), {
        'content-type': 'application/strategic-merge-patch+json',
      });
      if (
        !(await until(async () => {
          const st = await status();
          return st.observedGeneration === 2 && st.updatedReplicas === N && st.replicas === N && st.availableReplicas === N;
        }, 120_000))
      )
        failed = `rolling update of ${N} did not finish in 120 s`;
      roll.push(performance.now() - t0);
      await s.stop();
    }
  }
  const out: [string, string, string, string, string][] = [
    [`${N}-replica Deployment (12 nodes), create to all Available (ms)`, spread(create), spread(ceilCreate), ratio(create, ceilCreate), '< 5000'],
    [`its rolling update to a new image, maxSurge 25%, to all updated + Available (ms)`, spread(roll), spread(ceilRoll), ratio(roll, ceilRoll), '< 15000'],
  ];
  if (failed) out.push(['deployment scenario failure', failed, '', '', '']);
  return out;
}
