// Controller and kubectl scenarios: StatefulSets converging with zero-delay pod stages, the seed
// walkthrough with real kubectl, and `kubectl get pods` against 10,000 pods.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { load, podManifest, request, rssMB, spawnServer, spread, ROOT } from './lib.js';

function sts(name: string, replicas: number, policy: 'Parallel' | 'OrderedReady', image = 'nginx:1') {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      replicas,
      podManagementPolicy: policy,
      serviceName: name,
      selector: { matchLabels: { app: name } },
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

export async function controllerScenarios(runs: number): Promise<[string, string, string?][]> {
  process.stderr.write('controllers\n');
  const par: number[] = [];
  const ord: number[] = [];
  const roll: number[] = [];
  let rss = NaN;
  let failed = '';
  for (let r = 0; r < runs; r++) {
    // a simulated node holds 110 pods: the 500 + 100 replicas below need six nodes (660)
    const s = await spawnServer(['--in-memory', '--pod-stages', 'fast', '--nodes', '6']);
    const status = async (name: string) => JSON.parse((await request(s.url, 'GET', `/apis/apps/v1/namespaces/default/statefulsets/${name}`)).body).status ?? {};
    let t0 = performance.now();
    await request(s.url, 'POST', '/apis/apps/v1/namespaces/default/statefulsets', sts('par', 500, 'Parallel'));
    if (!(await until(async () => (await status('par')).readyReplicas === 500, 60_000))) failed = 'Parallel 500 did not converge in 60 s';
    par.push(performance.now() - t0);
    t0 = performance.now();
    await request(s.url, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/par', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } }), {
      'content-type': 'application/strategic-merge-patch+json',
    });
    if (
      !(await until(async () => {
        const st = await status('par');
        return st.updatedReplicas === 500 && st.readyReplicas === 500 && st.currentRevision === st.updateRevision;
      }, 120_000))
    )
      failed = 'rolling update of 500 did not finish in 120 s';
    roll.push(performance.now() - t0);
    t0 = performance.now();
    await request(s.url, 'POST', '/apis/apps/v1/namespaces/default/statefulsets', sts('ord', 100, 'OrderedReady'));
    if (!(await until(async () => (await status('ord')).readyReplicas === 100, 60_000))) failed = 'OrderedReady 100 did not converge in 60 s';
    ord.push(performance.now() - t0);
    rss = rssMB(s.proc.pid!);
    await s.stop();
  }
  const out: [string, string, string?][] = [
    ['500-replica Parallel StatefulSet (6 nodes), create to all Ready (ms)', spread(par), '< 5000'],
    ['rolling update of the 500 (image change) to all updated + Ready (ms)', spread(roll)],
    ['100-replica OrderedReady StatefulSet, create to all Ready (ms)', spread(ord)],
    ['RSS after the StatefulSet scenarios (MB)', rss.toFixed(0)],
  ];
  if (failed) out.push(['controller scenario failure', failed]);
  return out;
}

function kubectlBin(minor = 33): string | undefined {
  try {
    const dir = dirname(realpathSync(execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim()));
    const p = join(dir, `kubectl.1.${minor}`);
    return existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

function kc(bin: string, kubeconfig: string, cache: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(bin, ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args], { maxBuffer: 256 * 1024 * 1024 }, (err, out, errOut) =>
      err ? reject(new Error(`kubectl ${args.join(' ')}: ${errOut}`)) : resolve(out),
    ),
  );
}

export async function kubectlScenarios(runs: number, quick: boolean): Promise<[string, string, string?][]> {
  const bin = kubectlBin();
  if (!bin) return [['kubectl scenarios', 'SKIPPED: kubectl.1.33 not installed']];
  process.stderr.write('kubectl\n');
  const seed = join(ROOT, '..', 'shared', 'seed');
  const walk: number[] = [];
  const getPods: number[] = [];
  let walkErr = '';
  for (let r = 0; r < runs; r++) {
    const s = await spawnServer(['--in-memory', '--pod-stages', 'fast']);
    const tmp = mkdtempSync(join(tmpdir(), 'bench-kc-'));
    const kubeconfig = join(tmp, 'kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: ${s.url}\n  name: e\ncontexts:\n- context:\n    cluster: e\n    user: e\n  name: e\ncurrent-context: e\nusers:\n- name: e\n  user:\n    token: t\n`);
    const k = (args: string[]) => kc(bin, kubeconfig, join(tmp, 'cache'), args);
    const t0 = performance.now();
    try {
      await k(['apply', '-f', join(seed, 'pv.yaml')]);
      await k(['get', 'pv', '-n', 'sts']);
      await k(['apply', '-f', join(seed, 'sts.yaml')]);
      await k(['rollout', 'status', 'sts/sts-pod-contoller', '-n', 'sts', '--timeout=60s']);
      await k(['get', 'pv']);
      await k(['get', 'pvc', '-n', 'sts']);
      // `kubectl delete` waits for a DELETED event, but with zero-delay stages the pod is gone and
      // its replacement (same name, new uid) exists before kubectl's wait lists it: it would wait
      // forever. So: delete without waiting, then wait here for the replacement's uid.
      const podPath = '/api/v1/namespaces/sts/pods/sts-pod-contoller-1';
      const oldUid = JSON.parse((await request(s.url, 'GET', podPath)).body).metadata?.uid;
      await k(['delete', 'pod', '-n', 'sts', 'sts-pod-contoller-1', '--wait=false']);
      if (!(await until(async () => {
        const r = await request(s.url, 'GET', podPath);
        return r.status === 200 && JSON.parse(r.body).metadata?.uid !== oldUid;
      }, 60_000)))
        throw new Error('the deleted pod sts-pod-contoller-1 was not replaced in 60 s');
      await k(['wait', '--for=condition=Ready', 'pod/sts-pod-contoller-1', '-n', 'sts', '--timeout=60s']);
      await k(['scale', '--replicas=4', '-n', 'sts', 'statefulset', 'sts-pod-contoller']);
      await k(['rollout', 'status', 'sts/sts-pod-contoller', '-n', 'sts', '--timeout=60s']);
      await k(['set', 'image', 'sts', '-n', 'sts', 'sts-pod-contoller', 'containers=ikubernetes/myapp:v2']);
      await k(['rollout', 'status', 'sts/sts-pod-contoller', '-n', 'sts', '--timeout=60s']);
      await k(['apply', '-f', join(seed, 'sts-canary.yaml')]);
      await k(['set', 'image', 'sts', '-n', 'sts', 'sts-pod-contoller', 'containers=ikubernetes/myapp:v3']);
      await k(['rollout', 'status', 'sts/sts-pod-contoller', '-n', 'sts', '--timeout=60s']);
    } catch (err) {
      walkErr = (err as Error).message.slice(0, 300);
    }
    walk.push(performance.now() - t0);
    // kubectl get pods against N pods
    const n = quick ? 2000 : 10_000;
    await request(s.url, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'many' } }));
    await load(n, 32, (i) => request(s.url, 'POST', '/api/v1/namespaces/many/pods', podManifest('many', `p-${i}`)));
    const t1 = performance.now();
    await k(['get', 'pods', '-n', 'many']);
    getPods.push(performance.now() - t1);
    await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  const out: [string, string, string?][] = [
    ['seed walkthrough with kubectl 1.33, zero-delay stages, end to end (ms)', spread(walk), '< 10000'],
    [`kubectl get pods against ${quick ? 2000 : 10_000} pods (ms)`, spread(getPods)],
  ];
  if (walkErr) out.push(['walkthrough error', walkErr]);
  return out;
}
