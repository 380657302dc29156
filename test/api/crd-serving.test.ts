// CustomResourceDefinitions served over HTTP: naming and establishing, the custom resources' verbs
// at every served version, the status and scale subresources, what a custom resource refuses,
// CRD deletion through the cleanup finalizer, garbage collection and namespace deletion across
// custom resources, a restart from disk, and the OpenAPI v3 root (apiextensions-apiserver
// pkg/controller/status/naming_controller.go, pkg/controller/establish, pkg/controller/finalizer,
// pkg/apiserver/customresource_handler.go, pkg/registry/customresource).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../helpers/server.js';
import { openWatch, until } from './util.js';
import type { KubeEmulator } from '../../src/server/app.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const MERGE = 'application/merge-patch+json';

interface CRDOpts {
  group?: string;
  plural: string;
  kind?: string;
  singular?: string;
  shortNames?: string[];
  scope?: 'Namespaced' | 'Cluster';
  versions?: string[];
  status?: boolean;
  scale?: boolean;
}

function crd(o: CRDOpts): any {
  const group = o.group ?? 'stable.example.com';
  const kind = o.kind ?? o.plural[0].toUpperCase() + o.plural.slice(1, -1);
  const subresources: any = {};
  if (o.status) subresources.status = {};
  if (o.scale) subresources.scale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${o.plural}.${group}` },
    spec: {
      group,
      scope: o.scope ?? 'Namespaced',
      names: { plural: o.plural, singular: o.singular ?? o.plural.slice(0, -1), kind, listKind: `${kind}List`, ...(o.shortNames ? { shortNames: o.shortNames } : {}) },
      versions: (o.versions ?? ['v1']).map((v, i) => ({
        name: v,
        served: true,
        storage: i === 0,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        ...(Object.keys(subresources).length ? { subresources } : {}),
      })),
    },
  };
}

const cond = (obj: any, type: string) => (obj?.status?.conditions ?? []).find((c: any) => c.type === type);

let emu: KubeEmulator;
const api = () => request(emu.app.server);

async function getCRD(name: string): Promise<any> {
  const r = await api().get(`${CRDS}/${name}`);
  return r.status === 200 ? r.body : undefined;
}

/** Creates a CRD and waits until it is Established (or, with `expectConflict`, until NamesAccepted is False). */
async function createCRD(o: CRDOpts, expectConflict = false): Promise<any> {
  const body = crd(o);
  await api().post(CRDS).send(body).expect(201);
  let got: any;
  await until(async () => {
    got = await getCRD(body.metadata.name);
    return expectConflict ? cond(got, 'NamesAccepted')?.status === 'False' : cond(got, 'Established')?.status === 'True';
  }, 3000, `${body.metadata.name} ${expectConflict ? 'conflicting' : 'established'}`);
  return got;
}

async function deleteCRD(name: string): Promise<void> {
  await api().delete(`${CRDS}/${name}`);
  await until(async () => !(await getCRD(name)), 5000, `${name} gone`);
}

const cr = (apiVersion: string, kind: string, name: string, extra: Record<string, any> = {}) => ({ apiVersion, kind, metadata: { name, ...(extra.metadata ?? {}) }, ...extra, ...(extra.metadata ? { metadata: { name, ...extra.metadata } } : {}) });

beforeAll(async () => {
  emu = await startServer({ controllers: ['garbagecollector', 'namespace'] });
  for (const ns of ['crs', 'other']) await api().post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).expect(201);
});
afterAll(async () => {
  await emu.close();
});

describe('naming and establishing', () => {
  it('a new CRD gets its accepted names, NamesAccepted and Established', async () => {
    const got = await createCRD({ group: 'naming.example.com', plural: 'widgets', shortNames: ['wd'] });
    expect(got.status.acceptedNames).toEqual({ plural: 'widgets', singular: 'widget', shortNames: ['wd'], kind: 'Widget', listKind: 'WidgetList' });
    expect(cond(got, 'NamesAccepted')).toMatchObject({ status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    expect(cond(got, 'Established')).toMatchObject({ status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
    expect(cond(got, 'Established').lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(got.status.storedVersions).toEqual(['v1']);
    await api().get('/apis/naming.example.com/v1/namespaces/crs/widgets').expect(200);
  });

  it('a CRD whose short name is taken in the group: NamesAccepted False, ShortNamesConflict, not established, not served', async () => {
    const got = await createCRD({ group: 'naming.example.com', plural: 'gizmos', shortNames: ['wd'] }, true);
    expect(cond(got, 'NamesAccepted')).toMatchObject({ status: 'False', reason: 'ShortNamesConflict', message: '"wd" is already in use' });
    // naming_controller.go: the names without a conflict are accepted; Established stays False
    expect(got.status.acceptedNames).toMatchObject({ plural: 'gizmos', kind: 'Gizmo' });
    expect(got.status.acceptedNames.shortNames).toBeUndefined();
    expect(cond(got, 'Established')).toMatchObject({ status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
    await api().get('/apis/naming.example.com/v1/namespaces/crs/gizmos').expect(404);
  });

  it('a CRD whose plural is another CRD\'s singular: PluralConflict', async () => {
    const got = await createCRD({ group: 'naming.example.com', plural: 'widget', singular: 'onewidget', kind: 'OneWidget' }, true);
    expect(cond(got, 'NamesAccepted')).toMatchObject({ status: 'False', reason: 'PluralConflict', message: '"widget" is already in use' });
    await deleteCRD('widget.naming.example.com');
  });

  it('names freed by a deleted CRD are accepted for the CRD that wanted them', async () => {
    await deleteCRD('widgets.naming.example.com');
    await until(async () => cond(await getCRD('gizmos.naming.example.com'), 'Established')?.status === 'True', 3000, 'gizmos established');
    const got = await getCRD('gizmos.naming.example.com');
    expect(got.status.acceptedNames.shortNames).toEqual(['wd']);
    expect(cond(got, 'NamesAccepted')).toMatchObject({ status: 'True', reason: 'NoConflicts' });
    await api().get('/apis/naming.example.com/v1/namespaces/crs/gizmos').expect(200);
    await deleteCRD('gizmos.naming.example.com');
  });
});

describe('custom resources', () => {
  const G = 'stable.example.com';
  const base = `/apis/${G}/v1/namespaces/crs/crontabs`;
  beforeAll(async () => {
    await createCRD({ plural: 'crontabs', kind: 'CronTab', shortNames: ['ct'] });
  });

  it('create, get, list, update, delete', async () => {
    const created = await api().post(base).send(cr(`${G}/v1`, 'CronTab', 'c1', { spec: { cronSpec: '* * * * */5' } })).expect(201);
    expect(created.body).toMatchObject({ apiVersion: `${G}/v1`, kind: 'CronTab', metadata: { name: 'c1', namespace: 'crs', generation: 1 }, spec: { cronSpec: '* * * * */5' } });
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    const got = await api().get(`${base}/c1`).expect(200);
    expect(got.body).toEqual(created.body);
    const list = await api().get(base).expect(200);
    expect(list.body).toMatchObject({ apiVersion: `${G}/v1`, kind: 'CronTabList', items: [{ metadata: { name: 'c1' } }] });
    expect(list.body.metadata.resourceVersion).toMatch(/^\d+$/);
    const put = await api().put(`${base}/c1`).send({ ...got.body, spec: { cronSpec: '0 * * * *' } }).expect(200);
    expect(put.body.metadata.generation).toBe(2);
    // a kind that is not this resource's: upstream's type check
    const wrong = await api().post(base).send(cr(`${G}/v1`, 'Other', 'x')).expect(400);
    expect(wrong.body.kind).toBe('Status');
    const del = await api().delete(`${base}/c1`).expect(200);
    expect(del.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'c1', group: G, kind: 'crontabs' } });
    await api().get(`${base}/c1`).expect(404);
  });

  it('watch hears ADDED, MODIFIED and DELETED', async () => {
    const list = await api().get(base).expect(200);
    const w = await openWatch(emu.url, `${base}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    expect(w.status).toBe(200);
    await api().post(base).send(cr(`${G}/v1`, 'CronTab', 'w1', { spec: { a: 1 } })).expect(201);
    await api().patch(`${base}/w1`).set('Content-Type', MERGE).send({ spec: { a: 2 } }).expect(200);
    await api().delete(`${base}/w1`).expect(200);
    const evs = await w.take(3);
    w.close();
    expect(evs.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    for (const e of evs) expect(e.object).toMatchObject({ apiVersion: `${G}/v1`, kind: 'CronTab', metadata: { name: 'w1' } });
    expect(evs[1].object.spec).toEqual({ a: 2 });
  });

  it('label selectors and pagination', async () => {
    for (let i = 0; i < 5; i++) await api().post(base).send(cr(`${G}/v1`, 'CronTab', `p${i}`, { metadata: { labels: { tier: i % 2 ? 'odd' : 'even' } } })).expect(201);
    const sel = await api().get(`${base}?labelSelector=tier%3Dodd`).expect(200);
    expect(sel.body.items.map((o: any) => o.metadata.name)).toEqual(['p1', 'p3']);
    const notIn = await api().get(`${base}?labelSelector=tier+notin+(odd)`).expect(200);
    expect(notIn.body.items.map((o: any) => o.metadata.name)).toEqual(['p0', 'p2', 'p4']);
    const names: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const page = await api().get(`${base}?limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`).expect(200);
      names.push(...page.body.items.map((o: any) => o.metadata.name));
      cont = page.body.metadata.continue ?? '';
      if (cont) expect(page.body.metadata.remainingItemCount).toBe(5 - names.length);
      pages++;
    } while (cont);
    expect(pages).toBe(3);
    expect(names).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    // across namespaces
    const all = await api().get(`/apis/${G}/v1/crontabs?labelSelector=tier%3Deven`).expect(200);
    expect(all.body.items.map((o: any) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['crs/p0', 'crs/p2', 'crs/p4']);
    const dc = await api().delete(base).expect(200);
    expect(dc.body.kind).toBe('CronTabList');
  });

  it('strategic merge patch is refused with 415 and the patch types a custom resource accepts', async () => {
    await api().post(base).send(cr(`${G}/v1`, 'CronTab', 'smp')).expect(201);
    const r = await api().patch(`${base}/smp`).set('Content-Type', 'application/strategic-merge-patch+json').send({ spec: { a: 1 } }).expect(415);
    expect(r.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'UnsupportedMediaType',
      code: 415,
      message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    });
    await api().patch(`${base}/smp`).set('Content-Type', 'application/json-patch+json').send([{ op: 'add', path: '/spec', value: { b: 1 } }]).expect(200);
    const applied = await api()
      .patch(`${base}/smp?fieldManager=test`)
      .set('Content-Type', 'application/apply-patch+yaml')
      .send(`apiVersion: ${G}/v1\nkind: CronTab\nmetadata:\n  name: smp\nspec:\n  c: 2\n`)
      .expect(200);
    expect(applied.body.spec).toEqual({ b: 1, c: 2 });
    await api().delete(`${base}/smp`).expect(200);
  });

  it('a protobuf body is refused with 415', async () => {
    const r = await api().post(base).set('Content-Type', 'application/vnd.kubernetes.protobuf').send(Buffer.from([0x6b, 0x38, 0x73, 0x00])).expect(415);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415, message: 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml' });
    await api().post(base).send(cr(`${G}/v1`, 'CronTab', 'pb')).expect(201);
    const put = await api().put(`${base}/pb`).set('Content-Type', 'application/vnd.kubernetes.protobuf').send(Buffer.from([0x6b, 0x38, 0x73, 0x00])).expect(415);
    expect(put.body.message).toBe(r.body.message);
    await api().delete(`${base}/pb`).expect(200);
  });

  it('a cluster-scoped CRD', async () => {
    await createCRD({ group: G, plural: 'clusterthings', scope: 'Cluster' });
    const created = await api().post(`/apis/${G}/v1/clusterthings`).send(cr(`${G}/v1`, 'Clusterthing', 'ct1')).expect(201);
    expect(created.body.metadata.namespace).toBeUndefined();
    await api().get(`/apis/${G}/v1/clusterthings/ct1`).expect(200);
    await api().get(`/apis/${G}/v1/namespaces/crs/clusterthings/ct1`).expect(404);
    const list = await api().get(`/apis/${G}/v1/clusterthings`).expect(200);
    expect(list.body.items.map((o: any) => o.metadata.name)).toEqual(['ct1']);
    const disc = await api().get(`/apis/${G}/v1`).expect(200);
    expect(disc.body.resources.find((r: any) => r.name === 'clusterthings')).toMatchObject({ namespaced: false, kind: 'Clusterthing' });
    await deleteCRD(`clusterthings.${G}`);
  });
});

describe('two served versions, conversion None', () => {
  const G = 'multi.example.com';
  beforeAll(async () => {
    await createCRD({ group: G, plural: 'shapes', versions: ['v1', 'v2'] });
  });

  it('an object created at v1 is read, listed and watched at v2 with apiVersion v2; storedVersions is the storage version', async () => {
    const list0 = await api().get(`/apis/${G}/v2/namespaces/crs/shapes`).expect(200);
    const w = await openWatch(emu.url, `/apis/${G}/v2/namespaces/crs/shapes?watch=true&resourceVersion=${list0.body.metadata.resourceVersion}`);
    const created = await api().post(`/apis/${G}/v1/namespaces/crs/shapes`).send(cr(`${G}/v1`, 'Shape', 's1', { spec: { sides: 3 } })).expect(201);
    expect(created.body.apiVersion).toBe(`${G}/v1`);
    const v2 = await api().get(`/apis/${G}/v2/namespaces/crs/shapes/s1`).expect(200);
    expect(v2.body).toEqual({ ...created.body, apiVersion: `${G}/v2` });
    const l2 = await api().get(`/apis/${G}/v2/namespaces/crs/shapes`).expect(200);
    expect(l2.body.apiVersion).toBe(`${G}/v2`);
    expect(l2.body.items.map((o: any) => o.apiVersion)).toEqual([`${G}/v2`]);
    const ev = await w.next();
    w.close();
    expect(ev).toMatchObject({ type: 'ADDED', object: { apiVersion: `${G}/v2`, kind: 'Shape', metadata: { name: 's1' } } });
    // written at v2, read at v1
    const upd = await api().put(`/apis/${G}/v2/namespaces/crs/shapes/s1`).send({ ...v2.body, spec: { sides: 4 } }).expect(200);
    expect(upd.body.apiVersion).toBe(`${G}/v2`);
    const v1 = await api().get(`/apis/${G}/v1/namespaces/crs/shapes/s1`).expect(200);
    expect(v1.body).toMatchObject({ apiVersion: `${G}/v1`, spec: { sides: 4 } });
    const crdNow = await getCRD(`shapes.${G}`);
    expect(crdNow.status.storedVersions).toEqual(['v1']);
    // discovery: both versions, the higher one preferred
    const group = await api().get(`/apis/${G}`).expect(200);
    expect(group.body.versions.map((v: any) => v.version)).toEqual(['v2', 'v1']);
    expect(group.body.preferredVersion.version).toBe('v2');
  });
});

describe('status and scale subresources', () => {
  const G = 'sub.example.com';
  const base = `/apis/${G}/v1/namespaces/crs/replicators`;
  beforeAll(async () => {
    await createCRD({ group: G, plural: 'replicators', status: true, scale: true });
  });

  it('main-resource writes keep status; /status writes keep spec; generation moves only with spec', async () => {
    const created = await api().post(base).send(cr(`${G}/v1`, 'Replicator', 'r1', { spec: { replicas: 1 }, status: { replicas: 9 } })).expect(201);
    expect(created.body.status).toBeUndefined();
    expect(created.body.metadata.generation).toBe(1);
    const st = await api().put(`${base}/r1/status`).send({ ...created.body, spec: { replicas: 5 }, status: { replicas: 1, selector: 'app=r' } }).expect(200);
    expect(st.body.spec).toEqual({ replicas: 1 });
    expect(st.body.status).toEqual({ replicas: 1, selector: 'app=r' });
    expect(st.body.metadata.generation).toBe(1);
    const main = await api().put(`${base}/r1`).send({ ...st.body, spec: { replicas: 2 }, status: { replicas: 7 } }).expect(200);
    expect(main.body.spec).toEqual({ replicas: 2 });
    expect(main.body.status).toEqual({ replicas: 1, selector: 'app=r' });
    expect(main.body.metadata.generation).toBe(2);
    const sp = await api().patch(`${base}/r1/status`).set('Content-Type', MERGE).send({ status: { ready: true } }).expect(200);
    expect(sp.body.metadata.generation).toBe(2);
    expect(sp.body.status).toEqual({ replicas: 1, selector: 'app=r', ready: true });
    const labels = await api().patch(`${base}/r1`).set('Content-Type', MERGE).send({ metadata: { labels: { a: 'b' } } }).expect(200);
    expect(labels.body.metadata.generation).toBe(2);
    // the subresources take the same patch types as the main resource
    for (const sub of ['status', 'scale']) {
      const smp = await api().patch(`${base}/r1/${sub}`).set('Content-Type', 'application/strategic-merge-patch+json').send({}).expect(415);
      expect(smp.body.message).toBe('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
    }
    const gs = await api().get(`${base}/r1/status`).expect(200);
    expect(gs.body).toMatchObject({ kind: 'Replicator', status: { ready: true } });
  });

  it('scale: get, update and patch through autoscaling/v1 Scale', async () => {
    const sc = await api().get(`${base}/r1/scale`).expect(200);
    expect(sc.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'r1', namespace: 'crs' }, spec: { replicas: 2 }, status: { replicas: 1, selector: 'app=r' } });
    const up = await api().put(`${base}/r1/scale`).send({ ...sc.body, spec: { replicas: 4 } }).expect(200);
    expect(up.body.spec.replicas).toBe(4);
    expect((await api().get(`${base}/r1`).expect(200)).body.spec.replicas).toBe(4);
    const pa = await api().patch(`${base}/r1/scale`).set('Content-Type', MERGE).send({ spec: { replicas: 6 } }).expect(200);
    expect(pa.body).toMatchObject({ kind: 'Scale', spec: { replicas: 6 } });
    const obj = (await api().get(`${base}/r1`).expect(200)).body;
    expect(obj.spec.replicas).toBe(6);
    expect(obj.metadata.generation).toBe(4);
    const disc = await api().get(`/apis/${G}/v1`).expect(200);
    const byName = Object.fromEntries(disc.body.resources.map((r: any) => [r.name, r]));
    expect(byName['replicators/scale']).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect(byName['replicators/status']).toMatchObject({ kind: 'Replicator' });
  });
});

describe('updating a CRD', () => {
  const G = 'update.example.com';
  it('a spec change ends the watches of its custom resources (clients relist); a label change does not', async () => {
    await createCRD({ plural: 'gauges', group: G, kind: 'Gauge' });
    const path = `/apis/${G}/v1/namespaces/crs/gauges`;
    const list = await api().get(path).expect(200);
    const w = await openWatch(emu.url, `${path}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    await api().post(path).send(cr(`${G}/v1`, 'Gauge', 'g1')).expect(201);
    expect((await w.next()).type).toBe('ADDED');
    const name = `gauges.${G}`;
    await api().patch(`${CRDS}/${name}`).set('Content-Type', MERGE).send({ metadata: { labels: { a: 'b' } } }).expect(200);
    await api().post(path).send(cr(`${G}/v1`, 'Gauge', 'g2')).expect(201);
    expect((await w.next()).object.metadata.name).toBe('g2');
    // customresource_handler.go: a new spec is new storage
    const cur = await getCRD(name);
    cur.spec.versions[0].additionalPrinterColumns = [{ name: 'A', type: 'string', jsonPath: '.spec.a' }];
    await api().put(`${CRDS}/${name}`).send(cur).expect(200);
    await w.ended;
    expect(w.isEnded()).toBe(true);
    // served again at once, with the new columns
    const t = await api().get(path).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200);
    expect(t.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'A']);
  });
});

describe('deleting a CRD', () => {
  const G = 'doomed.example.com';
  it('Terminating, its custom resources deleted, creates refused with 405, then the CRD and its group gone', async () => {
    await createCRD({ group: G, plural: 'victims' });
    const base = `/apis/${G}/v1/namespaces/crs/victims`;
    // a finalizer keeps one instance (and so the CRD) around while we look
    await api().post(base).send(cr(`${G}/v1`, 'Victim', 'held', { metadata: { finalizers: ['example.com/hold'] } })).expect(201);
    for (let i = 0; i < 3; i++) await api().post(base).send(cr(`${G}/v1`, 'Victim', `v${i}`)).expect(201);
    const list = await api().get(base).expect(200);
    const w = await openWatch(emu.url, `${base}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    await api().delete(`${CRDS}/victims.${G}`).expect(200);
    await until(async () => (await api().get(base)).body.items?.length === 1, 3000, 'instances deleted');
    const crdNow = await getCRD(`victims.${G}`);
    expect(crdNow.metadata.deletionTimestamp).toBeDefined();
    expect(crdNow.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    expect(cond(crdNow, 'Terminating')).toMatchObject({ status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' });
    const held = (await api().get(`${base}/held`).expect(200)).body;
    expect(held.metadata.deletionTimestamp).toBeDefined();
    const refused = await api().post(base).send(cr(`${G}/v1`, 'Victim', 'late')).expect(405);
    expect(refused.body).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed', code: 405, message: 'create not allowed while custom resource definition is terminating' });
    // the held instance is released: the finalizer finishes
    await api().patch(`${base}/held`).set('Content-Type', MERGE).send({ metadata: { finalizers: null } }).expect(200);
    await until(async () => !(await getCRD(`victims.${G}`)), 5000, 'CRD gone');
    // a watch open through it all heard every instance deleted, then its stream ended
    await w.ended;
    const deleted = w.pending().filter((e) => e.type === 'DELETED').map((e) => e.object.metadata.name);
    expect(deleted.sort()).toEqual(['held', 'v0', 'v1', 'v2']);
    await api().get(`/apis/${G}`).expect(404);
    await api().get(`/apis/${G}/v1`).expect(404);
    await api().get(base).expect(404);
    expect(emu.store.list(`${G}/victims`)).toEqual([]);
    const groups = (await api().get('/apis').expect(200)).body.groups.map((g: any) => g.name);
    expect(groups).not.toContain(G);
  });
});

describe('garbage collection and namespace deletion', () => {
  const G = 'gc.example.com';
  const base = `/apis/${G}/v1/namespaces/crs/owners`;
  beforeAll(async () => {
    await createCRD({ group: G, plural: 'owners' });
  });
  const ownerRef = (o: any) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid });

  it('a ConfigMap owned by a custom resource goes with it', async () => {
    const owner = (await api().post(base).send(cr(`${G}/v1`, 'Owner', 'o1')).expect(201)).body;
    await api().post('/api/v1/namespaces/crs/configmaps').send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dep1', ownerReferences: [ownerRef(owner)] } }).expect(201);
    await api().delete(`${base}/o1`).expect(200);
    await until(async () => (await api().get('/api/v1/namespaces/crs/configmaps/dep1')).status === 404, 5000, 'dependent ConfigMap collected');
  });

  it('a custom resource owned by a ConfigMap goes with it', async () => {
    const owner = (await api().post('/api/v1/namespaces/crs/configmaps').send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner-cm' } }).expect(201)).body;
    await api().post(base).send(cr(`${G}/v1`, 'Owner', 'dep-cr', { metadata: { ownerReferences: [ownerRef(owner)] } })).expect(201);
    await api().delete('/api/v1/namespaces/crs/configmaps/owner-cm').expect(200);
    await until(async () => (await api().get(`${base}/dep-cr`)).status === 404, 5000, 'dependent custom resource collected');
  });

  it('foreground deletion of a custom resource waits for its dependents', async () => {
    const owner = (await api().post(base).send(cr(`${G}/v1`, 'Owner', 'fg')).expect(201)).body;
    await api()
      .post('/api/v1/namespaces/crs/configmaps')
      .send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fg-dep', finalizers: ['example.com/hold'], ownerReferences: [{ ...ownerRef(owner), blockOwnerDeletion: true }] } })
      .expect(201);
    const del = await api().delete(`${base}/fg`).send({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' }).expect(200);
    expect(del.body.metadata.finalizers).toContain('foregroundDeletion');
    await until(async () => !!(await api().get('/api/v1/namespaces/crs/configmaps/fg-dep')).body.metadata?.deletionTimestamp, 5000, 'dependent deleted');
    expect((await api().get(`${base}/fg`).expect(200)).body.metadata.finalizers).toEqual(['foregroundDeletion']);
    await api().patch('/api/v1/namespaces/crs/configmaps/fg-dep').set('Content-Type', MERGE).send({ metadata: { finalizers: null } }).expect(200);
    await until(async () => (await api().get(`${base}/fg`)).status === 404, 5000, 'owner gone after its dependent');
  });

  it('deleting a namespace deletes the custom resources in it', async () => {
    await api().post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed-ns' } }).expect(201);
    for (const n of ['a', 'b']) await api().post(`/apis/${G}/v1/namespaces/doomed-ns/owners`).send(cr(`${G}/v1`, 'Owner', n)).expect(201);
    await api().post(base).send(cr(`${G}/v1`, 'Owner', 'survivor')).expect(201);
    await api().delete('/api/v1/namespaces/doomed-ns').expect(200);
    await until(async () => (await api().get('/api/v1/namespaces/doomed-ns')).status === 404, 5000, 'namespace gone');
    expect((await api().get(`/apis/${G}/v1/namespaces/doomed-ns/owners`).expect(200)).body.items).toEqual([]);
    await api().get(`${base}/survivor`).expect(200);
  });
});

describe('OpenAPI v3 root', () => {
  it('lists apis/<group>/<version> once the CRD is established and drops it after deletion', async () => {
    const G = 'openapi.example.com';
    const root0 = await api().get('/openapi/v3').expect(200);
    expect(Object.keys(root0.body.paths)).not.toContain(`apis/${G}/v1`);
    await createCRD({ group: G, plural: 'documents' });
    const root1 = await api().get('/openapi/v3').expect(200);
    const entry = root1.body.paths[`apis/${G}/v1`];
    expect(entry?.serverRelativeURL).toMatch(new RegExp(`^/openapi/v3/apis/${G.replace(/\./g, '\\.')}/v1\\?hash=[0-9A-F]+$`));
    const doc = await api().get(entry.serverRelativeURL).expect(200);
    expect(doc.headers['content-type']).toMatch(/^application\/json/);
    expect(typeof JSON.parse(doc.text)).toBe('object');
    await deleteCRD(`documents.${G}`);
    const root2 = await api().get('/openapi/v3').expect(200);
    expect(Object.keys(root2.body.paths)).not.toContain(`apis/${G}/v1`);
    await api().get(`/openapi/v3/apis/${G}/v1`).expect(404);
  });
});

describe('restart from a data dir', () => {
  it('CRDs and their custom resources are served at once after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crd-restart-'));
    try {
      let s = await startServer({ inMemory: false, dataDir: dir });
      const a = () => request(s.app.server);
      await a().post(CRDS).send(crd({ group: 'disk.example.com', plural: 'tapes', versions: ['v1', 'v2'], status: true })).expect(201);
      await until(async () => cond((await a().get(`${CRDS}/tapes.disk.example.com`)).body, 'Established')?.status === 'True', 3000, 'established');
      await a().post('/apis/disk.example.com/v1/namespaces/default/tapes').send(cr('disk.example.com/v1', 'Tape', 't1', { spec: { len: 90 } })).expect(201);
      await s.close();
      s = await startServer({ inMemory: false, dataDir: dir });
      try {
        // no waiting: the first requests after start-up find them
        const got = await request(s.app.server).get('/apis/disk.example.com/v2/namespaces/default/tapes/t1').expect(200);
        expect(got.body).toMatchObject({ apiVersion: 'disk.example.com/v2', kind: 'Tape', spec: { len: 90 } });
        const disc = await request(s.app.server).get('/apis/disk.example.com/v1').expect(200);
        expect(disc.body.resources.map((r: any) => r.name)).toEqual(['tapes', 'tapes/status']);
        await request(s.app.server).post('/apis/disk.example.com/v1/namespaces/default/tapes').send(cr('disk.example.com/v1', 'Tape', 't2')).expect(201);
      } finally {
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
