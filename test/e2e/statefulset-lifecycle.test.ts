// E2E: the end of a StatefulSet's pods: ordered scale-down, claims that outlive their pods and the
// set, cascading deletion (background and orphan, with re-adoption) and namespace deletion, with
// real kubectl on a full cluster (fast pod stages, the default StorageClass provisioning claims).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { PodWatch, allRunning, getJSON, poll, podRows, records, seedStsIn, startCluster, type Cluster } from './fixtures/sts/util.js';
import { manifest } from './fixtures/util.js';

const NS = 'life';
const STS = 'sts-pod-contoller';
const pod = (i: number) => `${STS}-${i}`;
const claim = (i: number) => `sts-pvc-${STS}-${i}`;

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: StatefulSet scale-down and deletion', ({ bin }) => {
  let c: Cluster;
  let k: Kubectl;
  let watch: PodWatch;
  beforeAll(async () => {
    c = await startCluster({ defaultStorageClass: true });
    k = new Kubectl(bin, c.emu.url);
    await k.ok(['create', 'ns', NS]);
    watch = await PodWatch.start(k, c.emu, NS);
  });
  afterAll(async () => {
    watch?.stop();
    await c?.emu.close();
  });

  const claims = async () => Object.fromEntries(records(await k.ok(['get', 'pvc', '-n', NS])).map((r) => [r.NAME, r]));
  const podNames = async () => Object.keys(await podRows(k, NS)).sort();
  const gone = async (args: string[]) => (await k.run(['get', ...args])).stderr.includes('(NotFound)');

  it('scales down from the highest ordinal, one pod at a time; the claims stay Bound', async () => {
    await k.ok(['apply', '-f', seedStsIn(NS)]);
    await k.ok(['scale', 'sts', STS, '-n', NS, '--replicas=4']);
    await poll(() => allRunning(k, NS, [0, 1, 2, 3].map(pod)), 'four pods Running');
    const bound = await poll(async () => {
      const r = await claims();
      return [0, 1, 2, 3].every((i) => r[claim(i)]?.STATUS === 'Bound') && r;
    }, 'four claims Bound');
    // provisioned by the default class, sized as requested
    expect(bound[claim(0)]).toMatchObject({ CAPACITY: '2G', STORAGECLASS: 'standard' });
    const from = watch.lines.length;
    expect(await k.ok(['scale', 'sts', STS, '-n', NS, '--replicas=1'])).toBe(`statefulset.apps/${STS} scaled\n`);
    await poll(async () => (await podNames()).join() === pod(0), 'only pod 0 left');
    const seq = watch.lines.slice(from);
    const term = (n: string) => seq.findIndex((l) => l.name === n && l.status === 'Terminating');
    const del = (n: string) => seq.findIndex((l) => l.name === n && l.event === 'DELETED');
    await poll(() => del(pod(1)) >= 0, 'the watch to see pod 1 deleted');
    // 3 goes first; 2 starts terminating only once 3 is gone; then 1
    expect(term(pod(3))).toBeGreaterThanOrEqual(0);
    expect(term(pod(2))).toBeGreaterThan(del(pod(3)));
    expect(term(pod(1))).toBeGreaterThan(del(pod(2)));
    expect(seq.some((l) => l.name === pod(0) && l.status === 'Terminating')).toBe(false);
    const after = await claims();
    expect(Object.keys(after).sort()).toEqual([0, 1, 2, 3].map(claim));
    for (const i of [0, 1, 2, 3]) expect(after[claim(i)].STATUS).toBe('Bound');
    const s = await poll(async () => {
      const o = await getJSON(k, ['sts', STS, '-n', NS]);
      return o.status.replicas === 1 && o;
    }, 'status.replicas 1');
    expect(s.status).toMatchObject({ replicas: 1, readyReplicas: 1, currentReplicas: 1, updatedReplicas: 1, availableReplicas: 1 });
  });

  it('scaling up again reuses the retained claims (same volumes)', async () => {
    const before = await claims();
    await k.ok(['scale', 'sts', STS, '-n', NS, '--replicas=3']);
    await poll(() => allRunning(k, NS, [0, 1, 2].map(pod)), 'three pods Running');
    const after = await claims();
    for (const i of [0, 1, 2, 3]) expect(after[claim(i)].VOLUME).toBe(before[claim(i)].VOLUME);
    for (const i of [1, 2]) {
      const p = await getJSON(k, ['pod', pod(i), '-n', NS]);
      expect(p.spec.volumes.find((v: any) => v.name === 'sts-pvc').persistentVolumeClaim.claimName).toBe(claim(i));
    }
  });

  it('delete sts (background cascade): the pods go, the claims stay', async () => {
    expect(await k.ok(['delete', 'sts', STS, '-n', NS])).toBe(`statefulset.apps "${STS}" deleted\n`);
    expect(await gone(['sts', STS, '-n', NS])).toBe(true);
    await poll(async () => (await podNames()).length === 0, 'the pods to be garbage collected');
    expect(Object.keys(await claims()).sort()).toEqual([0, 1, 2, 3].map(claim));
    const pvc = await getJSON(k, ['pvc', claim(0), '-n', NS]);
    expect(pvc.metadata.ownerReferences).toBeUndefined();
    expect(pvc.status.phase).toBe('Bound');
  });

  it('delete sts --cascade=orphan: the pods stay without owner references; a new set adopts them', async () => {
    await k.ok(['apply', '-f', seedStsIn(NS)]);
    await poll(() => allRunning(k, NS, [0, 1].map(pod)), 'two pods Running');
    const uids = await Promise.all([0, 1].map(async (i) => (await getJSON(k, ['pod', pod(i), '-n', NS])).metadata.uid));
    expect(await k.ok(['delete', 'sts', STS, '-n', NS, '--cascade=orphan'])).toBe(`statefulset.apps "${STS}" deleted\n`);
    await poll(() => gone(['sts', STS, '-n', NS]), 'the set to go');
    await c.emu.controllers.settled();
    for (const [i, uid] of uids.entries()) {
      const p = await getJSON(k, ['pod', pod(i), '-n', NS]);
      expect(p.metadata.uid).toBe(uid);
      expect(p.metadata.ownerReferences).toBeUndefined();
      expect(p.metadata.deletionTimestamp).toBeUndefined();
    }
    expect(await allRunning(k, NS, [0, 1].map(pod))).toBe(true);
    // the same manifest again: the orphans are adopted, not replaced
    await k.ok(['apply', '-f', seedStsIn(NS)]);
    const set = await getJSON(k, ['sts', STS, '-n', NS]);
    await poll(async () => {
      const ps = await Promise.all([0, 1].map((i) => getJSON(k, ['pod', pod(i), '-n', NS])));
      return ps.every((p) => p.metadata.ownerReferences?.[0]?.uid === set.metadata.uid);
    }, 'the pods adopted');
    for (const [i, uid] of uids.entries()) expect((await getJSON(k, ['pod', pod(i), '-n', NS])).metadata.uid).toBe(uid);
  });

  it('persistentVolumeClaimRetentionPolicy Delete: claims go on scale-down and with the set', async () => {
    const m = manifest(
      `auto-${Math.random().toString(36).slice(2)}.yaml`,
      `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: auto, namespace: ${NS}}
spec:
  replicas: 3
  serviceName: auto
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}
  selector: {matchLabels: {app: auto}}
  template:
    metadata: {labels: {app: auto}}
    spec: {containers: [{name: c, image: nginx:1.27, volumeMounts: [{name: data, mountPath: /data}]}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`,
    );
    await k.ok(['apply', '-f', m]);
    await poll(() => allRunning(k, NS, ['auto-0', 'auto-1', 'auto-2']), 'three auto pods Running');
    const autoClaims = async () => Object.keys(await claims()).filter((n) => n.startsWith('data-auto-')).sort();
    await poll(async () => (await autoClaims()).length === 3, 'three auto claims');
    const set = await getJSON(k, ['sts', 'auto', '-n', NS]);
    await poll(async () => {
      const pvc = await getJSON(k, ['pvc', 'data-auto-0', '-n', NS]);
      return (pvc.metadata.ownerReferences ?? []).some((r: any) => r.kind === 'StatefulSet' && r.uid === set.metadata.uid);
    }, 'the claim owned by the set');
    await k.ok(['scale', 'sts', 'auto', '-n', NS, '--replicas=1']);
    await poll(async () => (await autoClaims()).join() === 'data-auto-0', 'the claims of pods 1 and 2 deleted');
    await k.ok(['delete', 'sts', 'auto', '-n', NS]);
    await poll(async () => (await autoClaims()).length === 0, 'the last claim deleted with the set');
    // the Retain claims of the seed set are untouched
    expect(Object.keys(await claims()).filter((n) => n.startsWith('sts-pvc-')).sort()).toEqual([0, 1, 2, 3].map(claim));
  });

  it('delete ns: everything inside goes, the namespace disappears and kubectl returns', async () => {
    const t0 = Date.now();
    const r = await k.run(['delete', 'ns', NS], { timeoutMs: 20_000 });
    expect(r).toMatchObject({ code: 0, stdout: `namespace "${NS}" deleted\n` });
    const took = Date.now() - t0;
    expect(took).toBeLessThan(10_000);
    expect(await gone(['ns', NS])).toBe(true);
    for (const kind of ['pods', 'pvc', 'sts', 'svc', 'controllerrevisions', 'endpointslices']) {
      const items = JSON.parse(await k.ok(['get', kind, '-n', NS, '-o', 'json'])).items;
      expect(items, kind).toEqual([]);
    }
    // the provisioned volumes (reclaim policy Delete) go with their claims
    await poll(async () => JSON.parse(await k.ok(['get', 'pv', '-o', 'json'])).items.length === 0, 'the provisioned PVs deleted');
    // the open watch saw the pods go
    expect(watch.lines.filter((l) => l.event === 'DELETED' && l.name === pod(0)).length).toBeGreaterThanOrEqual(1);
  });
});
