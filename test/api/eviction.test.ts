// POST pods/{name}/eviction (pkg/registry/core/pod/storage/eviction.go): the PodDisruptionBudget
// check and reservation, the 429 and 500 bodies, dry-run, deleteOptions, terminal and unready pods.
// No controllers run: the budgets' status is written here as the disruption controller would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startBare } from './util.js';
import { encodeKubernetesProtobuf } from '../../src/server/protobuf.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const NS = 'evict';
const PODS = `/api/v1/namespaces/${NS}/pods`;
const PDBS = `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets`;

beforeAll(async () => {
  emu = await startBare();
  await api().post('/api/v1/namespaces').send({ metadata: { name: NS } }).expect(201);
});
afterAll(async () => {
  await emu.close();
});

/** A pod bound to a node and Running, Ready or not (as the kubelet would report it). */
async function pod(name: string, labels: Record<string, string>, opts: { ready?: boolean; phase?: string; node?: boolean } = {}) {
  const spec: any = { containers: [{ name: 'c', image: 'nginx' }] };
  if (opts.node !== false) spec.nodeName = 'node-1';
  const created = (await api().post(PODS).send({ metadata: { name, labels }, spec }).expect(201)).body;
  const phase = opts.phase ?? 'Running';
  const ready = opts.ready ?? true;
  const status = {
    ...created.status,
    phase,
    conditions: [{ type: 'Ready', status: ready && phase === 'Running' ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' }],
  };
  return (await api().put(`${PODS}/${name}/status`).send({ ...created, status }).expect(200)).body;
}

/** A budget whose status says what the disruption controller computed. */
async function pdb(name: string, selector: object, status: Record<string, unknown>, spec: Record<string, unknown> = { minAvailable: 1 }) {
  const created = (await api().post(PDBS).send({ metadata: { name }, spec: { selector, ...spec } }).expect(201)).body;
  const st = { observedGeneration: created.metadata.generation, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0, ...status };
  return (await api().put(`${PDBS}/${name}/status`).send({ ...created, status: st }).expect(200)).body;
}

const eviction = (name: string, deleteOptions?: object) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS }, ...(deleteOptions ? { deleteOptions } : {}) });
const evict = (name: string, body: object = eviction(name), query = '') => api().post(`${PODS}/${name}/eviction${query}`).send(body);
const getPod = (name: string) => api().get(`${PODS}/${name}`);

describe('pods/eviction', () => {
  it('is listed in discovery as pods/eviction, kind policy/v1 Eviction, verb create', async () => {
    const r = (await api().get('/api/v1').expect(200)).body;
    const e = r.resources.find((x: any) => x.name === 'pods/eviction');
    expect(e).toEqual({ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  });

  it('evicts a pod no budget covers: 201 Success, DisruptionTarget condition, graceful deletion', async () => {
    await pod('free', { app: 'free' });
    const r = await evict('free').expect(201);
    expect(r.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    const p = (await getPod('free').expect(200)).body;
    expect(p.metadata.deletionTimestamp).toBeDefined();
    expect(p.metadata.deletionGracePeriodSeconds).toBe(30);
    const cond = p.status.conditions.find((c: any) => c.type === 'DisruptionTarget');
    expect(cond).toMatchObject({ status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
    // written below the field manager, as the eviction REST writes it: no managedFields entry of its own
    expect(p.metadata.managedFields.map((m: any) => [m.operation, m.subresource ?? ''])).toEqual([
      ['Update', ''],
      ['Update', 'status'],
    ]);
  });

  it('honours deleteOptions.gracePeriodSeconds (0 deletes at once)', async () => {
    await pod('now', { app: 'now' });
    await evict('now', eviction('now', { gracePeriodSeconds: 0 })).expect(201);
    await getPod('now').expect(404);
  });

  it('takes one disruption from the budget and records the pod in disruptedPods', async () => {
    await pod('web-0', { app: 'web' });
    await pod('web-1', { app: 'web' });
    await pdb('web', { matchLabels: { app: 'web' } }, { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1 });
    await evict('web-0').expect(201);
    const b = (await api().get(`${PDBS}/web`).expect(200)).body;
    expect(b.status.disruptionsAllowed).toBe(0);
    expect(Object.keys(b.status.disruptedPods)).toEqual(['web-0']);
    expect(Date.now() - Date.parse(b.status.disruptedPods['web-0'])).toBeLessThan(10_000);
    // reaching zero sets DisruptionAllowed=False InsufficientPods
    expect(b.status.conditions).toEqual([
      expect.objectContaining({ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: 1 }),
    ]);
    expect((await getPod('web-0')).body.metadata.deletionTimestamp).toBeDefined();
  });

  it('refuses with 429 and the DisruptionBudget cause when no disruption is allowed; the pod stays', async () => {
    const r = await evict('web-1').expect(429);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: 'TooManyRequests',
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 2 currently' }] },
      code: 429,
    });
    expect(r.headers['retry-after']).toBeUndefined();
    const p = (await getPod('web-1').expect(200)).body;
    expect(p.metadata.deletionTimestamp).toBeUndefined();
    expect(p.status.conditions.find((c: any) => c.type === 'DisruptionTarget')).toBeUndefined();
  });

  it('refuses while the budget is not observed yet (observedGeneration behind): 429 with Retry-After 10', async () => {
    await pod('gen-0', { app: 'gen' });
    const b = await pdb('gen', { matchLabels: { app: 'gen' } }, { currentHealthy: 1, desiredHealthy: 0, expectedPods: 1, disruptionsAllowed: 1, observedGeneration: 0 });
    expect(b.metadata.generation).toBe(1);
    const r = await evict('gen-0').expect(429);
    expect(r.headers['retry-after']).toBe('10');
    expect(r.body.details).toEqual({ causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget gen is still being processed by the server.' }], retryAfterSeconds: 10 });
  });

  it('answers 500 when two budgets cover the pod', async () => {
    await pod('two-0', { app: 'two', tier: 'x' });
    await pdb('two-a', { matchLabels: { app: 'two' } }, { disruptionsAllowed: 1 });
    await pdb('two-b', { matchLabels: { tier: 'x' } }, { disruptionsAllowed: 1 });
    const r = await evict('two-0').expect(500);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      code: 500,
    });
    expect((await getPod('two-0')).body.metadata.deletionTimestamp).toBeUndefined();
  });

  it('dry run (query or deleteOptions) checks the budget but writes nothing', async () => {
    await pod('dry-0', { app: 'dry' });
    await pdb('dry', { matchLabels: { app: 'dry' } }, { currentHealthy: 1, desiredHealthy: 0, expectedPods: 1, disruptionsAllowed: 1 });
    await evict('dry-0', eviction('dry-0'), '?dryRun=All').expect(201);
    await evict('dry-0', eviction('dry-0', { dryRun: ['All'] })).expect(201);
    const b = (await api().get(`${PDBS}/dry`).expect(200)).body;
    expect(b.status.disruptionsAllowed).toBe(1);
    expect(b.status.disruptedPods).toBeUndefined();
    const p = (await getPod('dry-0').expect(200)).body;
    expect(p.metadata.deletionTimestamp).toBeUndefined();
    expect(p.status.conditions.find((c: any) => c.type === 'DisruptionTarget')).toBeUndefined();
    // different dry-run options in the query and the body
    const r = await evict('dry-0', eviction('dry-0', { dryRun: [] }), '?dryRun=All').expect(201);
    expect(r.body.status).toBe('Success');
    // a dry-run refusal is still a refusal
    await api().put(`${PDBS}/dry/status`).send({ ...b, status: { ...b.status, disruptionsAllowed: 0 } }).expect(200);
    await evict('dry-0', eviction('dry-0'), '?dryRun=All').expect(429);
  });

  it('deletes terminal and pending pods without looking at the budget', async () => {
    await pod('done-0', { app: 'done' }, { phase: 'Succeeded' });
    await pod('pend-0', { app: 'done' }, { phase: 'Pending' });
    await pdb('done', { matchLabels: { app: 'done' } }, { currentHealthy: 0, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 0 });
    await evict('done-0').expect(201);
    await getPod('done-0').expect(404); // terminal: no grace period
    await evict('pend-0').expect(201);
    expect((await getPod('pend-0')).body.metadata.deletionTimestamp).toBeDefined();
    // already terminating: no budget check either
    await evict('pend-0').expect(201);
  });

  it('unready pods: IfHealthyBudget evicts only while the budget is healthy; AlwaysAllow always', async () => {
    await pod('ih-0', { app: 'ih' }, { ready: false });
    await pod('ih-1', { app: 'ih' }, { ready: false });
    // currentHealthy < desiredHealthy: the unready pod is guarded (no disruptions allowed)
    await pdb('ih', { matchLabels: { app: 'ih' } }, { currentHealthy: 0, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 0 });
    await evict('ih-0').expect(429);
    // healthy budget: the unready pod goes without taking a disruption
    const b = (await api().get(`${PDBS}/ih`)).body;
    await api().put(`${PDBS}/ih/status`).send({ ...b, status: { ...b.status, currentHealthy: 1, desiredHealthy: 1 } }).expect(200);
    await evict('ih-0').expect(201);
    const after = (await api().get(`${PDBS}/ih`)).body;
    expect(after.status.disruptionsAllowed).toBe(0);
    expect(after.status.disruptedPods).toBeUndefined();

    await pod('aa-0', { app: 'aa' }, { ready: false });
    await pdb('aa', { matchLabels: { app: 'aa' } }, { currentHealthy: 0, desiredHealthy: 3, expectedPods: 3, disruptionsAllowed: 0 }, { minAvailable: 3, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    await evict('aa-0').expect(201);
    // a ready pod under AlwaysAllow is still guarded
    await pod('aa-1', { app: 'aa' });
    await evict('aa-1').expect(429);
  });

  it('honours preconditions: a stale uid or resourceVersion is a 409', async () => {
    const p = await pod('pre-0', { app: 'pre' });
    const r = await evict('pre-0', eviction('pre-0', { preconditions: { uid: 'nope' } })).expect(409);
    expect(r.body.message).toBe(`Operation cannot be fulfilled on Pod "pre-0": the UID in the precondition (nope) does not match the UID in record (${p.metadata.uid}). The object might have been deleted and then recreated`);
    const r2 = await evict('pre-0', eviction('pre-0', { preconditions: { resourceVersion: '1' } })).expect(409);
    expect(r2.body.message).toContain('the ResourceVersion in the precondition (1) does not match the ResourceVersion in record');
    await evict('pre-0', eviction('pre-0', { preconditions: { uid: p.metadata.uid, resourceVersion: p.metadata.resourceVersion } })).expect(201);
  });

  it('404s, a wrong name, a policy/v1beta1 body, other verbs', async () => {
    const r = await evict('missing').expect(404);
    expect(r.body.message).toBe('pods "missing" not found');
    const r2 = await evict('web-1', eviction('other')).expect(400);
    expect(r2.body.message).toBe('name in URL does not match name in Eviction object');
    await pod('beta-0', { app: 'beta' });
    await evict('beta-0', { apiVersion: 'policy/v1beta1', kind: 'Eviction', metadata: { name: 'beta-0' } }).expect(201);
    const r3 = await evict('web-1', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1' } }).expect(400);
    expect(r3.body.message).toContain('cannot be handled as a Eviction');
    await api().get(`${PODS}/web-1/eviction`).expect(405);
    const r4 = await api().post(`/api/v1/namespaces/nowhere/pods/x/eviction`).send({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'x' } }).expect(404);
    expect(r4.body.message).toBe('namespaces "nowhere" not found');
  });

  it('a terminating namespace refuses the eviction as NamespaceLifecycle does (kubectl drain waits on it)', async () => {
    await api().post('/api/v1/namespaces').send({ metadata: { name: 'going' } }).expect(201);
    await api().post('/api/v1/namespaces/going/pods').send({ metadata: { name: 'g' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }).expect(201);
    await api().delete('/api/v1/namespaces/going').expect(200);
    const r = await api().post('/api/v1/namespaces/going/pods/g/eviction').send({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'g' } }).expect(403);
    expect(r.body.message).toBe('pods "g" is forbidden: unable to create new content in namespace going because it is being terminated');
    expect(r.body.details.causes).toEqual([{ reason: 'NamespaceTerminating', message: 'namespace going is being terminated', field: 'metadata.namespace' }]);
  });

  it('decodes a protobuf Eviction (what kubectl 1.32+ sends)', async () => {
    await pod('pb-0', { app: 'pb' });
    const body = encodeKubernetesProtobuf({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'pb-0', namespace: NS }, deleteOptions: { gracePeriodSeconds: 0 } })!;
    await api().post(`${PODS}/pb-0/eviction`).set('Content-Type', 'application/vnd.kubernetes.protobuf').send(body).expect(201);
    await getPod('pb-0').expect(404);
  });
});
