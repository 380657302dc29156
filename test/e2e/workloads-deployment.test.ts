// E2E: Deployments with real kubectl (1.33 sends protobuf for `create deployment`): create,
// rollout status / history / undo [--to-revision] / pause / resume / restart, set image observed
// with `get rs -w` staying within the surge and unavailability bounds, scale, expose, get -o wide,
// describe (every controller, fast pod stages).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { getJSON, poll, startCluster, type Cluster } from './fixtures/sts/util.js';
import { describeFields, records } from './fixtures/util.js';

const NS = 'deploy';

/** `kubectl get rs -w` as a child process, one parsed line per watch event. */
class RSWatch {
  readonly lines: { name: string; desired: number; available: number }[] = [];
  private child: ChildProcess;
  private buf = '';
  constructor(k: Kubectl) {
    this.child = spawn(
      k.bin,
      ['--kubeconfig', k.kubeconfig, '--cache-dir', k.cacheDir, 'get', 'rs', '-n', NS, '-w', '--no-headers', '-o', 'custom-columns=NAME:.metadata.name,DESIRED:.spec.replicas,AVAILABLE:.status.availableReplicas'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const [name, desired, available] = this.buf.slice(0, i).trim().split(/\s+/);
        this.buf = this.buf.slice(i + 1);
        if (name) this.lines.push({ name, desired: Number(desired) || 0, available: Number(available) || 0 });
      }
    });
  }
  stop(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: Deployments', ({ bin }) => {
  let c: Cluster;
  let k: Kubectl;
  beforeAll(async () => {
    c = await startCluster();
    k = new Kubectl(bin, c.emu.url);
    await k.ok(['create', 'ns', NS]);
  });
  afterAll(async () => {
    await c?.emu.close();
  });

  const deploy = () => getJSON(k, ['deploy', 'web', '-n', NS]);
  const rsList = async () => JSON.parse(await k.ok(['get', 'rs', '-n', NS, '-o', 'json'])).items as any[];
  const history = async () =>
    (await k.ok(['rollout', 'history', 'deploy/web', '-n', NS]))
      .split('\n')
      .slice(2)
      .filter(Boolean)
      .map((l) => l.split(/\s+/)[0]);
  const rolledOut = async () => {
    const out = await k.ok(['rollout', 'status', 'deploy/web', '-n', NS, '--timeout=30s']);
    expect(out.trimEnd().split('\n').at(-1)).toBe('deployment "web" successfully rolled out');
  };
  const image = async () => (await deploy()).spec.template.spec.containers[0].image;

  it('create deployment --replicas=3, rollout status, get -o wide, get rs', async () => {
    expect(await k.ok(['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3', '-n', NS])).toBe('deployment.apps/web created\n');
    await rolledOut();
    const [row] = records(await k.ok(['get', 'deploy', '-n', NS, '-o', 'wide']));
    expect(Object.keys(row)).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(row).toMatchObject({ NAME: 'web', READY: '3/3', 'UP-TO-DATE': '3', AVAILABLE: '3', CONTAINERS: 'nginx', IMAGES: 'nginx:1.25', SELECTOR: 'app=web' });
    const rss = await rsList();
    expect(rss).toHaveLength(1);
    const hash = rss[0].metadata.labels['pod-template-hash'];
    expect(rss[0].metadata.name).toBe(`web-${hash}`);
    expect(rss[0].spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    const [rsRow] = records(await k.ok(['get', 'rs', '-n', NS, '-o', 'wide']));
    expect(rsRow).toMatchObject({ NAME: `web-${hash}`, DESIRED: '3', CURRENT: '3', READY: '3', SELECTOR: `app=web,pod-template-hash=${hash}` });
    const d = await deploy();
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
  });

  it('describe deploy', async () => {
    const out = await k.ok(['describe', 'deploy', 'web', '-n', NS]);
    const f = describeFields(out);
    expect(f).toMatchObject({
      Name: 'web',
      Namespace: NS,
      Annotations: 'deployment.kubernetes.io/revision: 1',
      Selector: 'app=web',
      Replicas: '3 desired | 3 updated | 3 total | 3 available | 0 unavailable',
      StrategyType: 'RollingUpdate',
      MinReadySeconds: '0',
      RollingUpdateStrategy: '25% max unavailable, 25% max surge',
      OldReplicaSets: '<none>',
    });
    const rs = (await rsList())[0].metadata.name;
    expect(f.NewReplicaSet).toBe(`${rs} (3/3 replicas created)`);
    expect(out).toMatch(/Available\s+True\s+MinimumReplicasAvailable/);
    expect(out).toMatch(/Progressing\s+True\s+NewReplicaSetAvailable/);
    expect(out).toMatch(new RegExp(`Normal\\s+ScalingReplicaSet\\s+\\S+\\s+deployment-controller\\s+Scaled up replica set ${rs} from 0 to 3`));
  });

  it('set image: get rs -w sees the new ReplicaSet grow and the old shrink within the bounds', async () => {
    const w = new RSWatch(k);
    try {
      await poll(() => w.lines.length >= 1, 'the watch to list the ReplicaSet');
      expect(await k.ok(['set', 'image', 'deploy/web', 'nginx=nginx:1.26', '-n', NS])).toBe('deployment.apps/web image updated\n');
      await rolledOut();
      await poll(() => {
        const last = new Map(w.lines.map((l) => [l.name, l]));
        return last.size === 2 && [...last.values()].some((l) => l.desired === 0 && l.available === 0);
      }, 'the watch to see the old ReplicaSet at 0');
      // replay the watch: 3 replicas, maxSurge 25% -> 1, maxUnavailable 25% -> 0
      const state = new Map<string, { desired: number; available: number }>();
      let maxDesired = 0;
      let minAvailable = Infinity;
      for (const l of w.lines) {
        state.set(l.name, l);
        const vals = [...state.values()];
        maxDesired = Math.max(maxDesired, vals.reduce((n, v) => n + v.desired, 0));
        minAvailable = Math.min(minAvailable, vals.reduce((n, v) => n + v.available, 0));
      }
      expect(maxDesired).toBe(4);
      expect(minAvailable).toBeGreaterThanOrEqual(3);
      expect(state.size).toBe(2);
      // the new ReplicaSet went up step by step (1, 2, 3), the old one down (2, 1, 0)
      const [oldRS, newRS] = [...state.keys()];
      const desiredOf = (n: string) => [...new Set(w.lines.filter((l) => l.name === n).map((l) => l.desired))];
      expect(desiredOf(newRS)).toEqual([1, 2, 3]);
      expect(desiredOf(oldRS)).toEqual([3, 2, 1, 0]);
    } finally {
      w.stop();
    }
    expect(await history()).toEqual(['1', '2']);
    const rev2 = await k.ok(['rollout', 'history', 'deploy/web', '-n', NS, '--revision=2']);
    expect(rev2).toMatch(/^deployment\.apps\/web with revision #2\nPod Template:\n/);
    expect(rev2).toMatch(/Image:\s+nginx:1\.26/);
  });

  it('rollout undo and undo --to-revision', async () => {
    expect(await k.ok(['rollout', 'undo', 'deploy/web', '-n', NS])).toBe('deployment.apps/web rolled back\n');
    await rolledOut();
    expect(await image()).toBe('nginx:1.25');
    expect(await history()).toEqual(['2', '3']);
    expect(await k.ok(['rollout', 'undo', 'deploy/web', '--to-revision=2', '-n', NS])).toBe('deployment.apps/web rolled back\n');
    await rolledOut();
    expect(await image()).toBe('nginx:1.26');
    expect(await history()).toEqual(['3', '4']);
    const rss = await rsList();
    expect(rss).toHaveLength(2);
    expect(rss.map((r) => r.spec.replicas).sort()).toEqual([0, 3]);
  });

  it('rollout pause / resume', async () => {
    expect(await k.ok(['rollout', 'pause', 'deploy/web', '-n', NS])).toBe('deployment.apps/web paused\n');
    await k.ok(['set', 'image', 'deploy/web', 'nginx=nginx:1.27', '-n', NS]);
    const d = await poll(async () => {
      const d = await deploy();
      return d.status.observedGeneration === d.metadata.generation && d;
    }, 'the paused change observed');
    expect(d.status.conditions.find((x: any) => x.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    expect(await rsList()).toHaveLength(2);
    expect(await k.ok(['rollout', 'resume', 'deploy/web', '-n', NS])).toBe('deployment.apps/web resumed\n');
    await rolledOut();
    expect(await rsList()).toHaveLength(3);
    expect((await deploy()).status.conditions.find((x: any) => x.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
  });

  it('rollout restart makes a new ReplicaSet with the restartedAt annotation', async () => {
    expect(await k.ok(['rollout', 'restart', 'deploy/web', '-n', NS])).toBe('deployment.apps/web restarted\n');
    await rolledOut();
    const d = await deploy();
    expect(d.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    const current = (await rsList()).find((r) => r.spec.replicas === 3);
    expect(current.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBe(d.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']);
    expect(await history()).toHaveLength(4);
  });

  it('scale and expose', async () => {
    expect(await k.ok(['scale', 'deploy/web', '--replicas=5', '-n', NS])).toBe('deployment.apps/web scaled\n');
    await rolledOut();
    const [row] = records(await k.ok(['get', 'deploy', 'web', '-n', NS]));
    expect(row).toMatchObject({ READY: '5/5', 'UP-TO-DATE': '5', AVAILABLE: '5' });
    expect(await k.ok(['expose', 'deploy', 'web', '--port=80', '-n', NS])).toBe('service/web exposed\n');
    const svc = await getJSON(k, ['svc', 'web', '-n', NS]);
    expect(svc.spec.selector).toEqual({ app: 'web' });
    expect(svc.spec.ports).toEqual([{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    await poll(async () => {
      const slices = JSON.parse(await k.ok(['get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=web', '-o', 'json'])).items;
      return slices.reduce((n: number, s: any) => n + (s.endpoints ?? []).length, 0) === 5;
    }, 'five endpoints behind the service');
  });
  it('a rollout that never becomes ready exceeds its progress deadline; rollout status says so; undo recovers', async () => {
    await k.ok(['patch', 'deploy/web', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { progressDeadlineSeconds: 2 } })]);
    await rolledOut();
    // the node agent keeps pods with this annotation unready
    await k.ok(['patch', 'deploy/web', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { template: { metadata: { annotations: { 'kube-emulator.io/never-ready': 'true' } } } } })]);
    const r = await k.run(['rollout', 'status', 'deploy/web', '-n', NS, '--timeout=30s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: deployment "web" exceeded its progress deadline');
    const d = await deploy();
    expect(d.status.conditions.find((x: any) => x.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(d.status.conditions.find((x: any) => x.type === 'Progressing').message).toMatch(/^ReplicaSet "web-\w+" has timed out progressing\.$/);
    // 5 replicas, 25%: surge 2, unavailable 1: four old pods stay available
    expect(d.status.availableReplicas).toBeGreaterThanOrEqual(4);
    expect(d.status.replicas).toBeLessThanOrEqual(7);
    expect(await k.ok(['rollout', 'undo', 'deploy/web', '-n', NS])).toBe('deployment.apps/web rolled back\n');
    await rolledOut();
    expect((await deploy()).status.conditions.find((x: any) => x.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
  });
  it('delete --cascade=orphan leaves the ReplicaSets; a new Deployment with the same selector adopts them; delete removes everything', async () => {
    const before = (await rsList()).map((r) => r.metadata.name).sort();
    await k.ok(['delete', 'deploy/web', '-n', NS, '--cascade=orphan']);
    const orphans = await poll(async () => {
      const rss = await rsList();
      return rss.every((r) => !r.metadata.ownerReferences?.length) && rss;
    }, 'the ReplicaSets orphaned');
    expect(orphans.map((r) => r.metadata.name).sort()).toEqual(before);
    const image = orphans.find((r) => r.spec.replicas > 0).spec.template.spec.containers[0].image;
    await k.ok(['create', 'deployment', 'web', `--image=${image}`, '--replicas=2', '-n', NS]);
    await rolledOut();
    const d = await deploy();
    // every orphan is adopted (the template differs from the current one by the restartedAt annotation: one more)
    const adopted = await rsList();
    expect(adopted.map((r) => r.metadata.name)).toEqual(expect.arrayContaining(before));
    for (const r of adopted) expect(r.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true })]);
    await k.ok(['delete', 'deploy/web', '-n', NS]);
    await poll(async () => (await rsList()).length === 0 && (await k.ok(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'name'])) === '', 'the ReplicaSets and pods collected');
  });
});
