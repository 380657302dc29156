// E2E (real kubectl 1.33 and 1.29, full cluster): the seed walkthrough's volumes. The article's
// seven class-less Retain PVs bind to the StatefulSet's claims (CLAIM sts/sts-pvc-...), scaling up
// binds two more, a claim nothing fits stays Pending with FailedBinding, deleting a claim leaves
// its Retain PV Released, and deleting the namespace removes the claims and releases the volumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { AGE, PVC_HEADER, PV_HEADER, PV_YAML, STS_YAML, byName, describeEvents, describeFields, lines, manifest, parseTable, pollGet, startCluster, type Cluster } from './fixtures/net/util.js';

const PVS = [0, 1, 2, 3, 4, 5, 6].map((i) => `sts-pv-v${i}`);
const claim = (i: number) => `sts-pvc-sts-pod-contoller-${i}`;

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: the seed PVs and the StatefulSet claims', ({ bin }) => {
  let c: Cluster;
  let k: Kubectl;
  /** claim name -> PV name, as bound */
  const boundTo: Record<string, string> = {};

  beforeAll(async () => {
    c = await startCluster();
    k = new Kubectl(bin, c.emu.url);
  });
  afterAll(async () => {
    await c?.emu.close();
  });

  it('apply pv.yaml: seven Available Retain PVs of 5G', async () => {
    expect(lines(await k.ok(['apply', '-f', PV_YAML]))).toEqual(['namespace/sts created', ...PVS.map((n) => `persistentvolume/${n} created`)]);
    const rows = await pollGet(k, ['get', 'pv', '-n', 'sts'], (r) => PVS.every((n) => r[n]?.STATUS === 'Available'), 'PVs Available');
    expect(parseTable(await k.ok(['get', 'pv'])).header).toEqual(PV_HEADER);
    for (const n of PVS) {
      expect(rows[n]).toMatchObject({ CAPACITY: '5G', 'ACCESS MODES': 'RWO', 'RECLAIM POLICY': 'Retain', STATUS: 'Available', CLAIM: '', STORAGECLASS: '' });
      expect(rows[n].AGE).toMatch(AGE);
    }
  });

  it('apply sts.yaml: each claim binds its own seed PV; CLAIM column sts/sts-pvc-...', async () => {
    expect(lines(await k.ok(['apply', '-f', STS_YAML]))).toEqual(['service/sts-service created', 'statefulset.apps/sts-pod-contoller created']);
    const pvcs = await pollGet(k, ['get', 'pvc', '-n', 'sts'], (r) => [0, 1].every((i) => r[claim(i)]?.STATUS === 'Bound'), 'claims 0 and 1 Bound');
    expect(parseTable(await k.ok(['get', 'pvc', '-n', 'sts'])).header).toEqual(PVC_HEADER);
    for (const i of [0, 1]) {
      // capacity is the volume's (5G), not the request (2G)
      expect(pvcs[claim(i)]).toMatchObject({ STATUS: 'Bound', CAPACITY: '5G', 'ACCESS MODES': 'RWO', STORAGECLASS: '' });
      expect(PVS).toContain(pvcs[claim(i)].VOLUME);
      boundTo[claim(i)] = pvcs[claim(i)].VOLUME;
    }
    expect(boundTo[claim(0)]).not.toBe(boundTo[claim(1)]);
    const pvs = await pollGet(k, ['get', 'pv'], (r) => [0, 1].every((i) => r[boundTo[claim(i)]]?.STATUS === 'Bound'), 'PVs Bound');
    for (const i of [0, 1]) expect(pvs[boundTo[claim(i)]]).toMatchObject({ STATUS: 'Bound', CLAIM: `sts/${claim(i)}`, CAPACITY: '5G' });
    expect(Object.values(pvs).filter((r) => r.STATUS === 'Available')).toHaveLength(5);
    // the pods run and mount their claims
    const pods = await pollGet(k, ['get', 'pods', '-n', 'sts'], (r) => [0, 1].every((i) => r[`sts-pod-contoller-${i}`]?.STATUS === 'Running' && r[`sts-pod-contoller-${i}`]?.READY === '1/1'), 'pods Running');
    expect(Object.keys(pods).sort()).toEqual(['sts-pod-contoller-0', 'sts-pod-contoller-1']);
    const d = await k.ok(['describe', 'pvc', '-n', 'sts', claim(0)]);
    expect(describeFields(d)).toMatchObject({ Status: 'Bound', Volume: boundTo[claim(0)], Capacity: '5G', 'Access Modes': 'RWO', 'Used By': 'sts-pod-contoller-0' });
    // the binder's annotations on the claim, the claimRef on the volume
    const pvc = JSON.parse(await k.ok(['get', 'pvc', '-n', 'sts', claim(0), '-o', 'json']));
    expect(pvc.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(pvc.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    expect(pvc.status).toMatchObject({ phase: 'Bound', capacity: { storage: '5G' }, accessModes: ['ReadWriteOnce'] });
    const pv = JSON.parse(await k.ok(['get', 'pv', boundTo[claim(0)], '-o', 'json']));
    expect(pv.spec.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: 'sts', name: claim(0), uid: pvc.metadata.uid });
    expect(pv.metadata.finalizers).toContain('kubernetes.io/pv-protection');
  });

  it('a recreated pod mounts the same claim (walkthrough step 5)', async () => {
    const before = JSON.parse(await k.ok(['get', 'pod', '-n', 'sts', 'sts-pod-contoller-1', '-o', 'json'])).metadata.uid;
    // --wait=false: with zero-delay pod stages the pod is gone and recreated under the same name
    // between kubectl's GET and its LIST, and kubectl's deletion wait (which watches by name) would
    // never see the DELETED event
    await k.ok(['delete', 'pod', '-n', 'sts', 'sts-pod-contoller-1', '--wait=false']);
    await pollGet(
      k,
      ['get', 'pods', '-n', 'sts', '-o', 'custom-columns=NAME:.metadata.name,UID:.metadata.uid,STATUS:.status.phase'],
      (r) => r['sts-pod-contoller-1'] !== undefined && r['sts-pod-contoller-1'].UID !== before && r['sts-pod-contoller-1'].STATUS === 'Running',
      'pod 1 recreated',
    );
    const pod = JSON.parse(await k.ok(['get', 'pod', '-n', 'sts', 'sts-pod-contoller-1', '-o', 'json']));
    expect(pod.spec.volumes.find((v: { name: string }) => v.name === 'sts-pvc').persistentVolumeClaim.claimName).toBe(claim(1));
    expect(byName(await k.ok(['get', 'pvc', '-n', 'sts']))[claim(1)].VOLUME).toBe(boundTo[claim(1)]);
  });

  it('scale to 4: claims 2 and 3 bind two of the remaining PVs', async () => {
    await k.ok(['scale', '--replicas=4', '-n', 'sts', 'statefulset', 'sts-pod-contoller']);
    const pvcs = await pollGet(k, ['get', 'pvc', '-n', 'sts'], (r) => [2, 3].every((i) => r[claim(i)]?.STATUS === 'Bound'), 'claims 2 and 3 Bound', 15_000);
    const vols = [0, 1, 2, 3].map((i) => pvcs[claim(i)].VOLUME);
    expect(new Set(vols).size).toBe(4);
    for (const i of [2, 3]) boundTo[claim(i)] = pvcs[claim(i)].VOLUME;
    const pvs = await pollGet(k, ['get', 'pv'], (r) => Object.values(r).filter((x) => x.STATUS === 'Bound').length === 4, '4 PVs Bound');
    expect(Object.values(pvs).filter((r) => r.STATUS === 'Available')).toHaveLength(3);
    for (const i of [2, 3]) expect(pvs[boundTo[claim(i)]].CLAIM).toBe(`sts/${claim(i)}`);
  });

  it('a claim no PV fits stays Pending with a FailedBinding event', async () => {
    const path = manifest('big.yaml', 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: big, namespace: sts}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 50G}}\n');
    await k.ok(['apply', '-f', path]);
    let d = '';
    await pollGet(k, ['get', 'pvc', '-n', 'sts'], (r) => r.big?.STATUS === 'Pending', 'big Pending');
    await pollGet(k, ['get', 'events', '-n', 'sts', '--field-selector', 'involvedObject.name=big'], (r) => Object.keys(r).length > 0, 'an event for big');
    d = await k.ok(['describe', 'pvc', '-n', 'sts', 'big']);
    expect(describeFields(d)).toMatchObject({ Status: 'Pending', Volume: '', StorageClass: '' });
    const ev = describeEvents(d);
    expect(ev[0]).toMatchObject({ type: 'Normal', reason: 'FailedBinding', from: 'persistentvolume-controller', message: 'no persistent volumes available for this claim and no storage class is set' });
    expect(byName(await k.ok(['get', 'pvc', '-n', 'sts'])).big).toMatchObject({ STATUS: 'Pending', VOLUME: '', CAPACITY: '', 'ACCESS MODES': '' });
  });

  it('scale down keeps the claims; deleting a claim releases its Retain PV', async () => {
    await k.ok(['scale', '--replicas=2', '-n', 'sts', 'statefulset', 'sts-pod-contoller']);
    await pollGet(k, ['get', 'pods', '-n', 'sts'], (r) => !r['sts-pod-contoller-3'] && !r['sts-pod-contoller-2'], 'pods 2 and 3 gone', 15_000);
    expect(byName(await k.ok(['get', 'pvc', '-n', 'sts']))[claim(3)].STATUS).toBe('Bound');
    expect(lines(await k.ok(['delete', 'pvc', '-n', 'sts', claim(3)]))).toEqual([`persistentvolumeclaim "${claim(3)}" deleted`]);
    const pvs = await pollGet(k, ['get', 'pv'], (r) => r[boundTo[claim(3)]]?.STATUS === 'Released', 'PV Released');
    // Released keeps the claim reference: the volume is not reused
    expect(pvs[boundTo[claim(3)]]).toMatchObject({ STATUS: 'Released', CLAIM: `sts/${claim(3)}`, 'RECLAIM POLICY': 'Retain' });
    const pv = JSON.parse(await k.ok(['get', 'pv', boundTo[claim(3)], '-o', 'json']));
    expect(pv.status.phase).toBe('Released');
    expect(pv.spec.claimRef.name).toBe(claim(3));
  });

  it('deleting the namespace removes the claims and releases every bound volume', async () => {
    const path = manifest('prov.yaml', 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: prov, namespace: sts}\nspec:\n  storageClassName: standard\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n');
    await k.ok(['apply', '-f', path]);
    const prov = await pollGet(k, ['get', 'pvc', '-n', 'sts'], (r) => r.prov?.STATUS === 'Bound', 'prov Bound');
    const provPV = prov.prov.VOLUME;
    expect(lines(await k.ok(['delete', 'ns', 'sts']))).toEqual(['namespace "sts" deleted']);
    expect((await k.run(['get', 'ns', 'sts'])).stderr).toContain('namespaces "sts" not found');
    expect((await k.run(['get', 'pvc', '-A'])).stdout).toBe('');
    const pvs = await pollGet(k, ['get', 'pv'], (r) => [0, 1, 2].every((i) => r[boundTo[claim(i)]]?.STATUS === 'Released') && !r[provPV], 'volumes released');
    for (const i of [0, 1, 2, 3]) expect(pvs[boundTo[claim(i)]]).toMatchObject({ STATUS: 'Released', CLAIM: `sts/${claim(i)}` });
    // the provisioned Delete-policy volume went with its claim; unbound seed PVs stay Available
    expect(pvs[provPV]).toBeUndefined();
    expect(Object.values(pvs).filter((r) => r.STATUS === 'Available')).toHaveLength(3);
  });
});
