// ReplicaSet scenarios: a 1,000-replica ReplicaSet on ten simulated nodes with zero-delay pod
// stages, from create to every pod Available, then scaled to zero (every pod gone from status).
import { request, rssMB, spawnServer, spread } from './lib.js';

function rs(name: string, replicas: number): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
    },
  });
}

async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

export async function replicaSetScenarios(runs: number): Promise<[string, string, string?][]> {
  process.stderr.write('replicasets\n');
  const up: number[] = [];
  const down: number[] = [];
  let rss = NaN;
  let failed = '';
  for (let r = 0; r < runs; r++) {
    // a simulated node holds 110 pods: 1,000 replicas need ten nodes
    const s = await spawnServer(['--in-memory', '--pod-stages', 'fast', '--nodes', '10']);
    const status = async () => JSON.parse((await request(s.url, 'GET', '/apis/apps/v1/namespaces/default/replicasets/big')).body).status ?? {};
    let t0 = performance.now();
    await request(s.url, 'POST', '/apis/apps/v1/namespaces/default/replicasets', rs('big', 1000));
    if (!(await until(async () => (await status()).availableReplicas === 1000, 60_000))) failed = '1,000 replicas not Available in 60 s';
    up.push(performance.now() - t0);
    rss = rssMB(s.proc.pid!);
    t0 = performance.now();
    await request(s.url, 'PATCH', '/apis/apps/v1/namespaces/default/replicasets/big/scale', JSON.stringify({ spec: { replicas: 0 } }), {
      'content-type': 'application/merge-patch+json',
    });
    if (!(await until(async () => (await status()).replicas === 0, 60_000))) failed = 'scale to 0 not observed in 60 s';
    down.push(performance.now() - t0);
    await s.stop();
  }
  const out: [string, string, string?][] = [
    ['1,000-replica ReplicaSet (10 nodes), create to all Available (ms)', spread(up), '< 5000'],
    ['the 1,000 scaled to 0, to status.replicas 0 (ms)', spread(down)],
    ['RSS with the 1,000 pods running (MB)', rss.toFixed(0)],
  ];
  if (failed) out.push(['replicaset scenario failure', failed]);
  return out;
}
