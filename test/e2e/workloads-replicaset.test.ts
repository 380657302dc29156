// E2E: ReplicaSets and ReplicationControllers driven by real kubectl against a full cluster (all
// controllers, fast pod stages): apply, get / -o wide, scale, a deleted pod replaced, describe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { AGE, describeFields, parseTable, poll, records } from './fixtures/util.js';

const RS_YAML = (ns: string) => `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: frontend
  namespace: ${ns}
  labels:
    app: guestbook
spec:
  replicas: 3
  selector:
    matchLabels:
      tier: frontend
  template:
    metadata:
      labels:
        tier: frontend
    spec:
      containers:
      - name: php-redis
        image: us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5
`;

const RC_YAML = (ns: string) => `apiVersion: v1
kind: ReplicationController
metadata:
  name: nginx
  namespace: ${ns}
spec:
  replicas: 2
  selector:
    app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
`;

async function getJSON(k: Kubectl, args: string[]): Promise<any> {
  return JSON.parse(await k.ok(['get', ...args, '-o', 'json']));
}

async function runningPods(k: Kubectl, ns: string, selector: string): Promise<any[]> {
  const pods = (await getJSON(k, ['pods', '-n', ns, '-l', selector])).items;
  return pods.filter((p: any) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running');
}

describe.each(availableKubectls([29, 33]))('kubectl 1.$minor: ReplicaSets and ReplicationControllers', ({ minor, bin }) => {
  let emu: KubeEmulator;
  let k: Kubectl;
  const NS = `rs-${minor}`;
  beforeAll(async () => {
    emu = await startServer({ controllers: ['*'], podStages: 'fast' });
    k = new Kubectl(bin, emu.url);
    await k.ok(['create', 'ns', NS]);
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('apply creates the pods; get rs and get rs -o wide print upstream columns', async () => {
    expect(await k.ok(['apply', '-f', '-'], { input: RS_YAML(NS) })).toBe('replicaset.apps/frontend created\n');
    await poll(async () => (await getJSON(k, ['rs', 'frontend', '-n', NS])).status?.readyReplicas === 3, 'three ready replicas', 20_000);
    const pods = await runningPods(k, NS, 'tier=frontend');
    expect(pods).toHaveLength(3);
    for (const p of pods) expect(p.metadata.name).toMatch(/^frontend-[bcdfghjklmnpqrstvwxz2456789]{5}$/);

    const t = parseTable(await k.ok(['get', 'rs', '-n', NS]));
    expect(t.header).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    expect(t.rows).toHaveLength(1);
    expect(t.rows[0].slice(0, 4)).toEqual(['frontend', '3', '3', '3']);
    expect(t.rows[0][4]).toMatch(AGE);

    const wide = records(await k.ok(['get', 'replicasets', '-n', NS, '-o', 'wide']));
    expect(wide[0]).toMatchObject({
      NAME: 'frontend',
      DESIRED: '3',
      CONTAINERS: 'php-redis',
      IMAGES: 'us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5',
      SELECTOR: 'tier=frontend',
    });
    const all = await k.ok(['get', 'all', '-n', NS]);
    expect(all).toContain('replicaset.apps/frontend');
  }, 60_000);

  it('scale rs changes the pod count both ways', async () => {
    expect(await k.ok(['scale', 'rs', 'frontend', '-n', NS, '--replicas=5'])).toBe('replicaset.apps/frontend scaled\n');
    await poll(async () => (await runningPods(k, NS, 'tier=frontend')).length === 5 && (await getJSON(k, ['rs', 'frontend', '-n', NS])).status?.readyReplicas === 5, 'five running pods', 20_000);
    const rs = await getJSON(k, ['rs', 'frontend', '-n', NS]);
    expect(rs.status).toMatchObject({ replicas: 5, fullyLabeledReplicas: 5, readyReplicas: 5, availableReplicas: 5, observedGeneration: 2 });
    await k.ok(['scale', 'rs', 'frontend', '-n', NS, '--replicas=2']);
    await poll(async () => (await getJSON(k, ['rs', 'frontend', '-n', NS])).status?.replicas === 2, 'two replicas', 20_000);
    expect(await runningPods(k, NS, 'tier=frontend')).toHaveLength(2);
  }, 60_000);

  it('a deleted pod is replaced', async () => {
    const [victim] = await runningPods(k, NS, 'tier=frontend');
    await k.ok(['delete', 'pod', victim.metadata.name, '-n', NS]);
    const now = await poll(async () => {
      const pods = await runningPods(k, NS, 'tier=frontend');
      return pods.length === 2 && pods.every((p) => p.metadata.name !== victim.metadata.name) && pods;
    }, 'a replacement pod', 20_000);
    expect(now).toHaveLength(2);
  }, 60_000);

  it('describe rs shows the counts, the template and the controller events', async () => {
    const out = await k.ok(['describe', 'rs', 'frontend', '-n', NS]);
    const f = describeFields(out);
    expect(f).toMatchObject({ Name: 'frontend', Namespace: NS, Selector: 'tier=frontend', Labels: 'app=guestbook', Replicas: '2 current / 2 desired', 'Pods Status': '2 Running / 0 Waiting / 0 Succeeded / 0 Failed' });
    expect(f['Controlled By']).toBeUndefined();
    expect(out).toMatch(/Image:\s+us-docker\.pkg\.dev\/google-samples\/containers\/gke\/gb-frontend:v5/);
    expect(out).toMatch(/Normal\s+SuccessfulCreate\s+\S+\s+replicaset-controller\s+Created pod: frontend-[a-z0-9]{5}/);
    expect(out).toMatch(/Normal\s+SuccessfulDelete\s+\S+\s+replicaset-controller\s+Deleted pod: frontend-[a-z0-9]{5}/);
  }, 30_000);

  it('explain knows the kind', async () => {
    const ls = (await k.ok(['explain', 'rs.spec.minReadySeconds'])).split('\n');
    expect(ls.slice(0, 3)).toEqual(['GROUP:      apps', 'KIND:       ReplicaSet', 'VERSION:    v1']);
    expect(ls).toContain('FIELD: minReadySeconds <integer>');
    const st = (await k.ok(['explain', 'replicaset.status'])).split('\n');
    expect(st).toContain('  fullyLabeledReplicas\t<integer>');
    expect(st).toContain('  conditions\t<[]ReplicaSetCondition>');
  }, 30_000);

  it('a ReplicationController: apply, get rc, scale rc, describe rc', async () => {
    expect(await k.ok(['apply', '-f', '-'], { input: RC_YAML(NS) })).toBe('replicationcontroller/nginx created\n');
    await poll(async () => (await getJSON(k, ['rc', 'nginx', '-n', NS])).status?.readyReplicas === 2, 'two ready rc replicas', 20_000);
    const pods = await runningPods(k, NS, 'app=nginx');
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(p.metadata.ownerReferences[0]).toMatchObject({ apiVersion: 'v1', kind: 'ReplicationController', name: 'nginx', controller: true });

    expect(await k.ok(['scale', 'rc', 'nginx', '-n', NS, '--replicas=3'])).toBe('replicationcontroller/nginx scaled\n');
    await poll(async () => (await getJSON(k, ['rc', 'nginx', '-n', NS])).status?.readyReplicas === 3, 'three ready rc replicas', 20_000);
    const t = records(await k.ok(['get', 'rc', '-n', NS, '-o', 'wide']));
    expect(t[0]).toMatchObject({ NAME: 'nginx', DESIRED: '3', CURRENT: '3', READY: '3', CONTAINERS: 'nginx', IMAGES: 'nginx:1.25', SELECTOR: 'app=nginx' });
    const out = await k.ok(['describe', 'rc', 'nginx', '-n', NS]);
    expect(describeFields(out)).toMatchObject({ Name: 'nginx', Selector: 'app=nginx', Replicas: '3 current / 3 desired', 'Pods Status': '3 Running / 0 Waiting / 0 Succeeded / 0 Failed' });
    expect(out).toMatch(/Normal\s+SuccessfulCreate\s+\S+\s+replication-controller\s+Created pod: nginx-[a-z0-9]{5}/);
  }, 60_000);

  it('delete rs removes its pods; --cascade=orphan keeps them', async () => {
    await k.ok(['delete', 'rc', 'nginx', '-n', NS, '--cascade=orphan']);
    const orphans = await runningPods(k, NS, 'app=nginx');
    expect(orphans).toHaveLength(3);
    await poll(async () => (await runningPods(k, NS, 'app=nginx')).every((p) => !p.metadata.ownerReferences), 'orphaned pods', 20_000);
    await k.ok(['delete', 'rs', 'frontend', '-n', NS]);
    await poll(async () => (await getJSON(k, ['pods', '-n', NS, '-l', 'tier=frontend'])).items.length === 0, 'the frontend pods gone', 20_000);
  }, 60_000);
});
