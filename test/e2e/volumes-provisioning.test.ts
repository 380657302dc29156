// E2E (real kubectl 1.33 and 1.29, full cluster): dynamic provisioning. A claim of class
// `standard` gets a provisioned `pvc-<uid>` volume (a real directory) that goes away with the
// claim (Delete policy); a WaitForFirstConsumer class created with kubectl waits for a pod, then
// provisions on the scheduler's node; a claim in use keeps kubernetes.io/pvc-protection until its
// pod is gone; `kubectl get sc` columns, and with --default-storage-class `standard (default)` and
// a class-less claim provisioned too.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { AGE, PV_HEADER, SC_HEADER, UID_RE, byName, describeEvents, describeFields, fixture, lines, parseTable, poll, pollGet, startCluster, type Cluster } from './fixtures/net/util.js';

const NODE = 'kube-emulator-node';
const kubectls = availableKubectls([33, 29]);

describe.each(kubectls)('kubectl 1.$minor: provisioning with the standard class', ({ bin }) => {
  let c: Cluster;
  let k: Kubectl;
  let fastPV = '';
  let fastDir = '';

  beforeAll(async () => {
    c = await startCluster();
    k = new Kubectl(bin, c.emu.url);
  });
  afterAll(async () => {
    await c?.emu.close();
  });

  it('get sc: the built-in standard class, not the default', async () => {
    const t = parseTable(await k.ok(['get', 'sc']));
    expect(t.header).toEqual(SC_HEADER);
    expect(t.rows).toEqual([['standard', 'kube-emulator.io/hostpath', 'Delete', 'Immediate', 'false', expect.stringMatching(AGE)]]);
    const sc = JSON.parse(await k.ok(['get', 'sc', 'standard', '-o', 'json']));
    expect(sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class']).not.toBe('true');
  });

  it('a claim of class standard is provisioned: pvc-<uid>, Bound, a real directory', async () => {
    expect(lines(await k.ok(['apply', '-f', fixture('claims.yaml')]))).toEqual([
      'namespace/vol created',
      'persistentvolumeclaim/fast created',
      'persistentvolumeclaim/classless created',
    ]);
    const pvcs = await pollGet(k, ['get', 'pvc', '-n', 'vol'], (r) => r.fast?.STATUS === 'Bound', 'fast Bound');
    const uid = JSON.parse(await k.ok(['get', 'pvc', '-n', 'vol', 'fast', '-o', 'json'])).metadata.uid;
    expect(uid).toMatch(UID_RE);
    fastPV = `pvc-${uid}`;
    expect(pvcs.fast).toMatchObject({ STATUS: 'Bound', VOLUME: fastPV, CAPACITY: '1Gi', 'ACCESS MODES': 'RWO', STORAGECLASS: 'standard' });
    const pvOut = await k.ok(['get', 'pv']);
    expect(parseTable(pvOut).header).toEqual(PV_HEADER);
    expect(byName(pvOut)[fastPV]).toMatchObject({ CAPACITY: '1Gi', 'ACCESS MODES': 'RWO', 'RECLAIM POLICY': 'Delete', STATUS: 'Bound', CLAIM: 'vol/fast', STORAGECLASS: 'standard' });
    const pv = JSON.parse(await k.ok(['get', 'pv', fastPV, '-o', 'json']));
    expect(pv.metadata.annotations['pv.kubernetes.io/provisioned-by']).toBe('kube-emulator.io/hostpath');
    expect(pv.spec.claimRef).toMatchObject({ namespace: 'vol', name: 'fast', uid });
    fastDir = pv.spec.hostPath.path;
    expect(fastDir).toMatch(new RegExp(`/${fastPV}$`));
    expect(existsSync(fastDir)).toBe(true);
    const d = await k.ok(['describe', 'pvc', '-n', 'vol', 'fast']);
    expect(describeFields(d)).toMatchObject({ StorageClass: 'standard', Status: 'Bound', Volume: fastPV });
    expect(describeEvents(d).map((e) => e.reason)).toEqual(expect.arrayContaining(['ExternalProvisioning', 'Provisioning', 'ProvisioningSucceeded']));
    expect(describeEvents(d).find((e) => e.reason === 'ProvisioningSucceeded')).toMatchObject({ from: 'kube-emulator.io/hostpath', message: `Successfully provisioned volume ${fastPV}` });
  });

  it('without a default class, a class-less claim stays Pending (FailedBinding)', async () => {
    const pvcs = byName(await k.ok(['get', 'pvc', '-n', 'vol']));
    expect(pvcs.classless).toMatchObject({ STATUS: 'Pending', VOLUME: '', STORAGECLASS: '' });
    const d = await poll(async () => {
      const out = await k.ok(['describe', 'pvc', '-n', 'vol', 'classless']);
      return describeEvents(out).length > 0 && out;
    }, 'FailedBinding event');
    expect(describeEvents(d)[0]).toMatchObject({ reason: 'FailedBinding', from: 'persistentvolume-controller', message: 'no persistent volumes available for this claim and no storage class is set' });
  });

  it('deleting the claim deletes its Delete-policy volume and the directory', async () => {
    expect(lines(await k.ok(['delete', 'pvc', '-n', 'vol', 'fast']))).toEqual(['persistentvolumeclaim "fast" deleted']);
    await pollGet(k, ['get', 'pv'], (r) => !r[fastPV], 'provisioned PV gone');
    expect((await k.run(['get', 'pv', fastPV])).stderr).toContain(`persistentvolumes "${fastPV}" not found`);
    await poll(() => !existsSync(fastDir), 'volume directory removed');
  });

  it('WaitForFirstConsumer: Pending until a pod uses the claim, then provisioned on its node', async () => {
    expect(lines(await k.ok(['apply', '-f', fixture('wffc.yaml')]))).toEqual(['storageclass.storage.k8s.io/late-binding created', 'persistentvolumeclaim/late created']);
    expect(byName(await k.ok(['get', 'sc']))['late-binding']).toMatchObject({ PROVISIONER: 'kube-emulator.io/hostpath', RECLAIMPOLICY: 'Delete', VOLUMEBINDINGMODE: 'WaitForFirstConsumer', ALLOWVOLUMEEXPANSION: 'false' });
    const d = await poll(async () => {
      const out = await k.ok(['describe', 'pvc', '-n', 'vol', 'late']);
      return describeEvents(out).length > 0 && out;
    }, 'WaitForFirstConsumer event');
    expect(describeFields(d)).toMatchObject({ Status: 'Pending', StorageClass: 'late-binding' });
    expect(describeEvents(d)[0]).toMatchObject({ type: 'Normal', reason: 'WaitForFirstConsumer', from: 'persistentvolume-controller', message: 'waiting for first consumer to be created before binding' });
    // still Pending, no PV for it, while nothing uses it
    expect(byName(await k.ok(['get', 'pvc', '-n', 'vol'])).late.STATUS).toBe('Pending');
    expect(Object.values(byName(await k.ok(['get', 'pv']))).filter((r) => r.CLAIM === 'vol/late')).toEqual([]);

    expect(lines(await k.ok(['apply', '-f', fixture('wffc-pod.yaml')]))).toEqual(['pod/consumer created']);
    const pods = await pollGet(k, ['get', 'pods', '-n', 'vol', '-o', 'wide'], (r) => r.consumer?.STATUS === 'Running', 'consumer Running');
    expect(pods.consumer).toMatchObject({ READY: '1/1', NODE });
    const pvcs = await pollGet(k, ['get', 'pvc', '-n', 'vol'], (r) => r.late?.STATUS === 'Bound', 'late Bound');
    const pvc = JSON.parse(await k.ok(['get', 'pvc', '-n', 'vol', 'late', '-o', 'json']));
    expect(pvcs.late).toMatchObject({ VOLUME: `pvc-${pvc.metadata.uid}`, STORAGECLASS: 'late-binding' });
    expect(pvc.metadata.annotations).toMatchObject({
      'volume.kubernetes.io/selected-node': NODE,
      'volume.kubernetes.io/storage-provisioner': 'kube-emulator.io/hostpath',
      'pv.kubernetes.io/bind-completed': 'yes',
    });
    const pod = JSON.parse(await k.ok(['get', 'pod', '-n', 'vol', 'consumer', '-o', 'json']));
    expect(pod.spec.nodeName).toBe(NODE);
    expect(pod.status.conditions.find((x: { type: string }) => x.type === 'PodScheduled')?.status).toBe('True');
    expect(byName(await k.ok(['get', 'pv']))[`pvc-${pvc.metadata.uid}`]).toMatchObject({ STATUS: 'Bound', CLAIM: 'vol/late', STORAGECLASS: 'late-binding', 'RECLAIM POLICY': 'Delete' });
    // the volume is pinned to the node it was provisioned on
    const pv = JSON.parse(await k.ok(['get', 'pv', `pvc-${pvc.metadata.uid}`, '-o', 'json']));
    expect(pv.spec.nodeAffinity.required.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [NODE] }] }]);
  });

  it('a claim in use stays Terminating (kubernetes.io/pvc-protection) until its pod is gone', async () => {
    const pv = `pvc-${JSON.parse(await k.ok(['get', 'pvc', '-n', 'vol', 'late', '-o', 'json'])).metadata.uid}`;
    expect(lines(await k.ok(['delete', 'pvc', '-n', 'vol', 'late', '--wait=false']))).toEqual(['persistentvolumeclaim "late" deleted']);
    const pvcs = await pollGet(k, ['get', 'pvc', '-n', 'vol'], (r) => r.late?.STATUS === 'Terminating', 'late Terminating');
    expect(pvcs.late.VOLUME).toBe(pv);
    const d = describeFields(await k.ok(['describe', 'pvc', '-n', 'vol', 'late']));
    expect(d.Status).toMatch(/^Terminating \(lasts \d+s\)$/);
    expect(d.Finalizers).toBe('[kubernetes.io/pvc-protection]');
    expect(d['Used By']).toBe('consumer');
    const obj = JSON.parse(await k.ok(['get', 'pvc', '-n', 'vol', 'late', '-o', 'json']));
    expect(obj.metadata.deletionTimestamp).toBeTruthy();
    expect(obj.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    // it stays: the pod still runs
    await new Promise((r) => setTimeout(r, 300));
    expect(byName(await k.ok(['get', 'pvc', '-n', 'vol'])).late?.STATUS).toBe('Terminating');

    expect(lines(await k.ok(['delete', 'pod', '-n', 'vol', 'consumer']))).toEqual(['pod "consumer" deleted']);
    await pollGet(k, ['get', 'pvc', '-n', 'vol'], (r) => !r.late, 'late gone');
    await pollGet(k, ['get', 'pv'], (r) => !r[pv], 'its volume gone');
  });
});

describe.each(kubectls)('kubectl 1.$minor: --default-storage-class', ({ bin }) => {
  let c: Cluster;
  let k: Kubectl;

  beforeAll(async () => {
    c = await startCluster({ defaultStorageClass: true });
    k = new Kubectl(bin, c.emu.url);
  });
  afterAll(async () => {
    await c?.emu.close();
  });

  it('get sc: standard (default)', async () => {
    const t = parseTable(await k.ok(['get', 'sc']));
    expect(t.header).toEqual(SC_HEADER);
    expect(t.rows).toEqual([['standard (default)', 'kube-emulator.io/hostpath', 'Delete', 'Immediate', 'false', expect.stringMatching(AGE)]]);
    const sc = JSON.parse(await k.ok(['get', 'sc', 'standard', '-o', 'json']));
    expect(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('true');
  });

  it('a class-less claim is given the default class and provisioned', async () => {
    await k.ok(['apply', '-f', fixture('claims.yaml')]);
    const pvcs = await pollGet(k, ['get', 'pvc', '-n', 'vol'], (r) => r.classless?.STATUS === 'Bound' && r.fast?.STATUS === 'Bound', 'claims Bound');
    const pvc = JSON.parse(await k.ok(['get', 'pvc', '-n', 'vol', 'classless', '-o', 'json']));
    expect(pvc.spec.storageClassName).toBe('standard');
    expect(pvcs.classless).toMatchObject({ VOLUME: `pvc-${pvc.metadata.uid}`, STORAGECLASS: 'standard', CAPACITY: '1Gi' });
    const pvs = byName(await k.ok(['get', 'pv']));
    expect(pvs[`pvc-${pvc.metadata.uid}`]).toMatchObject({ STATUS: 'Bound', CLAIM: 'vol/classless', STORAGECLASS: 'standard', 'RECLAIM POLICY': 'Delete' });
  });

  it('namespace deletion removes the claims and deletes their provisioned volumes', async () => {
    const before = Object.keys(byName(await k.ok(['get', 'pv'])));
    expect(before).toHaveLength(2);
    const dirs = await Promise.all(before.map(async (n) => JSON.parse(await k.ok(['get', 'pv', n, '-o', 'json'])).spec.hostPath.path as string));
    expect(lines(await k.ok(['delete', 'ns', 'vol']))).toEqual(['namespace "vol" deleted']);
    expect((await k.run(['get', 'pvc', '-A'])).stdout).toBe('');
    await poll(async () => (await k.run(['get', 'pv'])).stdout === '', 'volumes deleted');
    await poll(() => dirs.every((d) => !existsSync(d)), 'directories removed');
  });
});
