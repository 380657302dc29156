// The ServiceAccount admission plugin as a client sees it (plugin/pkg/admission/serviceaccount):
// the default account, the refusal of a missing one, the kube-api-access projected volume and its
// mounts, automountServiceAccountToken, imagePullSecrets, mountable secrets, mirror pods, the
// pods the in-process controllers make, --disable-admission-plugins, and how soon a new
// namespace's `default` account exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { createServer } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const PODS = '/api/v1/namespaces/default/pods';
const SAS = '/api/v1/namespaces/default/serviceaccounts';
const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

const pod = (name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...meta },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
});
const sa = (name: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, ...meta },
  ...extra,
});
const tokenVolumes = (p: any) => (p.spec.volumes ?? []).filter((v: any) => v.name.startsWith('kube-api-access-'));

beforeAll(async () => {
  emu = await startServer({ controllers: ['serviceaccount', 'replicaset', 'job'] });
});
afterAll(async () => {
  await emu.close();
});

describe('ServiceAccount admission', () => {
  it('gives a pod the default account and the kube-api-access projected volume, mounted read-only in every container', async () => {
    const res = await api()
      .post(PODS)
      .send(pod('plain', { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'nginx' }] }))
      .expect(201);
    const spec = res.body.spec;
    expect(spec.serviceAccountName).toBe('default');
    expect(spec.serviceAccount).toBe('default');
    expect(spec.volumes).toHaveLength(1);
    const [vol] = spec.volumes;
    expect(vol.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(vol).toEqual({
      name: vol.name,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    });
    for (const c of [...spec.initContainers, ...spec.containers]) expect(c.volumeMounts).toEqual([{ name: vol.name, readOnly: true, mountPath: MOUNT }]);
  });

  it('refuses a pod naming an account that does not exist, with upstream message', async () => {
    const res = await api().post(PODS).send(pod('x', { serviceAccountName: 'nope' })).expect(403);
    expect(res.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Forbidden',
      code: 403,
      message: 'pods "x" is forbidden: error looking up service account default/nope: serviceaccount "nope" not found',
      details: { name: 'x', kind: 'pods' },
    });
    // before the name is generated: the generateName is the name refused
    const gen = await api().post(PODS).send({ ...pod(''), metadata: { generateName: 'web-' }, spec: { serviceAccountName: 'nope', containers: [{ name: 'c', image: 'x' }] } }).expect(403);
    expect(gen.body.message).toBe('pods "web-" is forbidden: error looking up service account default/nope: serviceaccount "nope" not found');
    // the deprecated alias names the account too
    const alias = await api().post(PODS).send(pod('y', { serviceAccount: 'nope' })).expect(403);
    expect(alias.body.message).toContain('serviceaccount "nope" not found');
  });

  it('uses a named account, and the deprecated serviceAccount alias', async () => {
    await api().post(SAS).send(sa('builder')).expect(201);
    const named = await api().post(PODS).send(pod('named', { serviceAccountName: 'builder' })).expect(201);
    expect(named.body.spec).toMatchObject({ serviceAccountName: 'builder', serviceAccount: 'builder' });
    const alias = await api().post(PODS).send(pod('aliased', { serviceAccount: 'builder' })).expect(201);
    expect(alias.body.spec).toMatchObject({ serviceAccountName: 'builder', serviceAccount: 'builder' });
    expect(tokenVolumes(alias.body)).toHaveLength(1);
  });

  it('automountServiceAccountToken: the pod decides, then the account', async () => {
    await api().post(SAS).send(sa('quiet', { automountServiceAccountToken: false })).expect(201);
    const podOff = await api().post(PODS).send(pod('pod-off', { automountServiceAccountToken: false })).expect(201);
    expect(podOff.body.spec.volumes).toBeUndefined();
    expect(podOff.body.spec.containers[0].volumeMounts).toBeUndefined();
    expect(podOff.body.spec.serviceAccountName).toBe('default');
    const saOff = await api().post(PODS).send(pod('sa-off', { serviceAccountName: 'quiet' })).expect(201);
    expect(saOff.body.spec.volumes).toBeUndefined();
    const podOn = await api().post(PODS).send(pod('pod-on', { serviceAccountName: 'quiet', automountServiceAccountToken: true })).expect(201);
    expect(tokenVolumes(podOn.body)).toHaveLength(1);
  });

  it('leaves a container that already mounts something at the token path alone', async () => {
    const own = { name: 'own', mountPath: MOUNT };
    const one = await api()
      .post(PODS)
      .send(pod('own-mount', { volumes: [{ name: 'own', emptyDir: {} }], containers: [{ name: 'a', image: 'x', volumeMounts: [own] }, { name: 'b', image: 'x' }] }))
      .expect(201);
    const [vol] = tokenVolumes(one.body);
    expect(vol).toBeDefined();
    expect(one.body.spec.containers[0].volumeMounts).toEqual([{ name: 'own', mountPath: MOUNT }]);
    expect(one.body.spec.containers[1].volumeMounts).toEqual([{ name: vol.name, readOnly: true, mountPath: MOUNT }]);
    // every container has its own: no token volume at all
    const all = await api()
      .post(PODS)
      .send(pod('all-own', { volumes: [{ name: 'own', emptyDir: {} }], containers: [{ name: 'a', image: 'x', volumeMounts: [own] }] }))
      .expect(201);
    expect(tokenVolumes(all.body)).toEqual([]);
    expect(all.body.spec.volumes.map((v: any) => v.name)).toEqual(['own']);
  });

  it('reuses a volume already named kube-api-access-*', async () => {
    const res = await api()
      .post(PODS)
      .send(pod('reuse', { volumes: [{ name: 'kube-api-access-mine', emptyDir: {} }] }))
      .expect(201);
    expect(res.body.spec.volumes).toEqual([{ name: 'kube-api-access-mine', emptyDir: {} }]);
    expect(res.body.spec.containers[0].volumeMounts).toEqual([{ name: 'kube-api-access-mine', readOnly: true, mountPath: MOUNT }]);
  });

  it("adds the account's imagePullSecrets to a pod that has none", async () => {
    await api().post(SAS).send(sa('puller', { imagePullSecrets: [{ name: 'regcred' }, { name: 'other' }] })).expect(201);
    const none = await api().post(PODS).send(pod('pull-none', { serviceAccountName: 'puller' })).expect(201);
    expect(none.body.spec.imagePullSecrets).toEqual([{ name: 'regcred' }, { name: 'other' }]);
    const own = await api().post(PODS).send(pod('pull-own', { serviceAccountName: 'puller', imagePullSecrets: [{ name: 'mine' }] })).expect(201);
    expect(own.body.spec.imagePullSecrets).toEqual([{ name: 'mine' }]);
  });

  it('an account enforcing mountable secrets refuses other secrets', async () => {
    await api()
      .post(SAS)
      .send(sa('strict', { secrets: [{ name: 'ok' }], imagePullSecrets: [{ name: 'pull' }] }, { annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } }))
      .expect(201);
    const vol = await api().post(PODS).send(pod('s1', { serviceAccountName: 'strict', volumes: [{ name: 'v', secret: { secretName: 'bad' } }] })).expect(403);
    expect(vol.body.message).toBe('pods "s1" is forbidden: volume with secret.secretName="bad" is not allowed because service account strict does not reference that secret');
    const env = await api()
      .post(PODS)
      .send(pod('s2', { serviceAccountName: 'strict', containers: [{ name: 'c', image: 'x', env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 'bad', key: 'k' } } }] }] }))
      .expect(403);
    expect(env.body.message).toBe('pods "s2" is forbidden: container c with envVar E referencing secret.secretName="bad" is not allowed because service account strict does not reference that secret');
    const envFrom = await api()
      .post(PODS)
      .send(pod('s3', { serviceAccountName: 'strict', initContainers: [{ name: 'i', image: 'x', envFrom: [{ secretRef: { name: 'bad' } }] }] }))
      .expect(403);
    expect(envFrom.body.message).toBe('pods "s3" is forbidden: init container i with envFrom referencing secret.secretName="bad" is not allowed because service account strict does not reference that secret');
    const pull = await api().post(PODS).send(pod('s4', { serviceAccountName: 'strict', imagePullSecrets: [{ name: 'nope' }] })).expect(403);
    expect(pull.body.message).toBe('pods "s4" is forbidden: imagePullSecrets[0].name="nope" is not allowed because service account strict does not reference that imagePullSecret');
    await api().post(PODS).send(pod('s5', { serviceAccountName: 'strict', volumes: [{ name: 'v', secret: { secretName: 'ok' } }] })).expect(201);
  });

  it('mirror pods are not mutated and may not use accounts or secrets', async () => {
    const mirror = { annotations: { 'kubernetes.io/config.mirror': 'abc' } };
    const ok = await api().post(PODS).send(pod('m1', {}, mirror)).expect(201);
    expect(ok.body.spec.serviceAccountName).toBeUndefined();
    expect(ok.body.spec.volumes).toBeUndefined();
    const withSA = await api().post(PODS).send(pod('m2', { serviceAccountName: 'default' }, mirror)).expect(403);
    expect(withSA.body.message).toBe('pods "m2" is forbidden: a mirror pod may not reference service accounts');
    const withSecret = await api().post(PODS).send(pod('m3', { volumes: [{ name: 'v', secret: { secretName: 's' } }] }, mirror)).expect(403);
    expect(withSecret.body.message).toBe('pods "m3" is forbidden: a mirror pod may not reference secrets');
  });

  it('only creates are admitted: an update keeps the spec as created', async () => {
    const created = (await api().get(`${PODS}/plain`).expect(200)).body;
    const res = await api()
      .put(`${PODS}/plain`)
      .send({ ...created, metadata: { ...created.metadata, labels: { x: 'y' } } })
      .expect(200);
    expect(res.body.spec.volumes).toEqual(created.spec.volumes);
  });

  it('pods made by the controllers (ReplicaSet, Job) get the account and the volume', async () => {
    const tpl = { metadata: { labels: { app: 'rs' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    await api()
      .post('/apis/apps/v1/namespaces/default/replicasets')
      .send({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { replicas: 2, selector: { matchLabels: { app: 'rs' } }, template: tpl } })
      .expect(201);
    await api()
      .post('/apis/batch/v1/namespaces/default/jobs')
      .send({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } })
      .expect(201);
    await emu.controllers.settled();
    const owned = (kind: string) =>
      emu.registry.list(emu.registry.mustDef('', 'pods'), 'default').items.filter((p: any) => p.metadata.ownerReferences?.[0]?.kind === kind);
    expect(owned('ReplicaSet')).toHaveLength(2);
    expect(owned('Job')).toHaveLength(1);
    for (const p of [...owned('ReplicaSet'), ...owned('Job')]) {
      expect(p.spec.serviceAccountName).toBe('default');
      expect(tokenVolumes(p)).toHaveLength(1);
      expect(p.spec.containers[0].volumeMounts).toEqual([{ name: tokenVolumes(p)[0].name, readOnly: true, mountPath: MOUNT }]);
    }
  });
});

describe('a new namespace has its default account before the next request', () => {
  it('namespace, then a pod at once: never refused (measured)', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 30; i++) {
      const ns = `fresh-${i}`;
      const t0 = process.hrtime.bigint();
      await api().post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).expect(201);
      // as `kubectl apply -f` of a namespace and a pod: the next request right after the answer
      const res = await api().post(`/api/v1/namespaces/${ns}/pods`).send(pod('p'));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(tokenVolumes(res.body)).toHaveLength(1);
      const created = emu.registry.tryGet(emu.registry.mustDef('', 'serviceaccounts'), ns, 'default');
      delays.push(Number(process.hrtime.bigint() - t0) / 1e6);
      expect(created).toBeDefined();
    }
    // the account is written in a microtask after the namespace: in-process, it is there before
    // the namespace's own response is read
    const nsDef = emu.registry.mustDef('', 'namespaces');
    const saDef = emu.registry.mustDef('', 'serviceaccounts');
    emu.registry.create(nsDef, '', { metadata: { name: 'in-process' } });
    await Promise.resolve();
    expect(emu.registry.tryGet(saDef, 'in-process', 'default')).toBeDefined();
  });
});

describe('--disable-admission-plugins', () => {
  it('ServiceAccount off: pods need no account and get no volume', async () => {
    const off = await startServer({ controllers: ['serviceaccount'], disableAdmissionPlugins: ['ServiceAccount'] });
    try {
      const res = await request(off.app.server).post(PODS).send(pod('p', { serviceAccountName: 'missing' })).expect(201);
      expect(res.body.spec).toMatchObject({ serviceAccountName: 'missing', serviceAccount: 'missing' });
      expect(res.body.spec.volumes).toBeUndefined();
    } finally {
      await off.close();
    }
  });

  it('an unknown plugin name is refused at start, in upstream words', async () => {
    await expect(createServer({ inMemory: true, port: 0, logLevel: 'silent', controllers: [], disableAdmissionPlugins: ['Nope'] })).rejects.toThrow(
      'disable-admission-plugins plugin "Nope" is unknown',
    );
  });

  it('the test servers without the controller have the plugin off', async () => {
    const bare = await startServer();
    try {
      const res = await request(bare.app.server).post(PODS).send(pod('p')).expect(201);
      expect(res.body.spec.serviceAccountName).toBeUndefined();
    } finally {
      await bare.close();
    }
  });
});
