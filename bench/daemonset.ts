// DaemonSet scenario: one pod per node on 200 simulated nodes (zero-delay pod stages), create to
// every node available, then a rolling update (maxUnavailable 10%) to every node updated and available.
import { request, rssMB, spawnServer, spread } from './lib.js';

const NODES = 200;

function ds(name: string, image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
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

export async function daemonSetScenarios(runs: number): Promise<[string, string, string?][]> {
  process.stderr.write('daemonset\n');
  const create: number[] = [];
  const roll: number[] = [];
  let rss = NaN;
  let failed = '';
  for (let r = 0; r < runs; r++) {
    const s = await spawnServer(['--in-memory', '--pod-stages', 'fast', '--nodes', String(NODES)]);
    const base = '/apis/apps/v1/namespaces/default/daemonsets';
    const status = async () => JSON.parse((await request(s.url, 'GET', `${base}/agent`)).body).status ?? {};
    const nodes = async () => JSON.parse((await request(s.url, 'GET', '/api/v1/nodes')).body).items?.length ?? 0;
    if (!(await until(async () => (await nodes()) === NODES, 60_000))) failed = `${NODES} nodes did not register in 60 s`;
    let t0 = performance.now();
    await request(s.url, 'POST', base, ds('agent', 'nginx:1'));
    if (!(await until(async () => (await status()).numberAvailable === NODES, 120_000))) failed = `DaemonSet on ${NODES} nodes did not converge in 120 s`;
    create.push(performance.now() - t0);
    t0 = performance.now();
    await request(s.url, 'PATCH', `${base}/agent`, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } }), {
      'content-type': 'application/strategic-merge-patch+json',
    });
    if (
      !(await until(async () => {
        const st = await status();
        return st.observedGeneration === 2 && st.updatedNumberScheduled === NODES && st.numberAvailable === NODES;
      }, 180_000))
    )
      failed = `rolling update on ${NODES} nodes did not finish in 180 s`;
    roll.push(performance.now() - t0);
    rss = rssMB(s.proc.pid!);
    await s.stop();
  }
  const out: [string, string, string?][] = [
    [`DaemonSet on ${NODES} nodes, create to every node available (ms)`, spread(create)],
    [`its rolling update (image change, maxUnavailable 10%) to every node updated + available (ms)`, spread(roll)],
    [`RSS after the DaemonSet scenarios, ${NODES} nodes (MB)`, rss.toFixed(0)],
  ];
  if (failed) out.push(['daemonset scenario failure', failed]);
  return out;
}
