// The run-time kind registry (src/registry/kinds.ts) and what follows it: the registry's verbs,
// watches, discovery (legacy and aggregated, with its ETag) and the store's selector attributes
// for kinds added and removed while the server runs (apiextensions-apiserver
// pkg/apiserver/customresource_handler.go swaps its storage map the same way).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { KindRegistry, versionedId } from '../../src/registry/kinds.js';
import type { ResourceDef } from '../../src/resources/types.js';
import { customResourceKinds } from '../../src/apiextensions/customresource.js';
import { startServer } from '../helpers/server.js';
import { openWatch, until } from '../api/util.js';
import type { KubeEmulator } from '../../src/server/app.js';

const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

function fake(group: string, version: string, plural: string, extra: Partial<ResourceDef> = {}): ResourceDef {
  const kind = plural[0].toUpperCase() + plural.slice(1, -1);
  return { group, version, plural, kind, listKind: `${kind}List`, singular: plural.slice(0, -1), namespaced: true, verbs: ['get', 'list'], subresources: [], definition: `x.${kind}`, ...extra };
}

/** The kinds of an established CRD, as the serving code builds them. */
function crdKinds(group: string, plural: string, versions: string[], opts: { scope?: string; selectableFields?: { jsonPath: string }[] } = {}): ResourceDef[] {
  const kind = plural[0].toUpperCase() + plural.slice(1, -1);
  const names = { plural, singular: plural.slice(0, -1), kind, listKind: `${kind}List` };
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}`, uid: `uid-${plural}.${group}` },
    spec: {
      group,
      scope: opts.scope ?? 'Namespaced',
      names,
      versions: versions.map((v, i) => ({ name: v, served: true, storage: i === 0, selectableFields: opts.selectableFields, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } })),
    },
    status: { acceptedNames: names },
  };
  return customResourceKinds(crd).defs;
}

describe('KindRegistry', () => {
  it('adds, finds by group/plural and group/version/plural, and lists in registration order', () => {
    const a = fake('ex.com', 'v1', 'widgets');
    const b = fake('ex.com', 'v1', 'gadgets');
    const k = new KindRegistry([a]);
    k.add([b]);
    expect(k.all()).toEqual([a, b]);
    expect(k.get('ex.com', 'widgets')).toBe(a);
    expect(k.at('ex.com', 'v1', 'gadgets')).toBe(b);
    expect(k.at('ex.com', 'v2', 'gadgets')).toBeUndefined();
    expect(k.get('', 'widgets')).toBeUndefined();
    expect(k.hasGroup('ex.com')).toBe(true);
    expect(k.hasGroup('other.com')).toBe(false);
    expect(versionedId(a)).toBe('ex.com/v1/widgets');
    expect(versionedId(fake('', 'v1', 'pods'))).toBe('core/v1/pods');
  });

  it('replaces a definition at the same group/version/plural in place, keeping its version rank', () => {
    const v1 = fake('ex.com', 'v1', 'widgets');
    const v2 = fake('ex.com', 'v2', 'widgets');
    const k = new KindRegistry([v1, v2]);
    const v1b = fake('ex.com', 'v1', 'widgets', { kind: 'Widget2' });
    const changes: { added: ResourceDef[]; removed: ResourceDef[] }[] = [];
    k.subscribe((c) => changes.push(c));
    k.add([v1b]);
    expect(k.all()).toHaveLength(2);
    expect(k.at('ex.com', 'v1', 'widgets')).toBe(v1b);
    expect(k.versions('ex.com', 'widgets')).toEqual([v1b, v2]);
    expect(k.get('ex.com', 'widgets')).toBe(v1b);
    // the listener hears the replaced definition as removed and the new one as added
    expect(changes).toEqual([{ added: [v1b], removed: [v1] }]);
  });

  it('removes by group/version/plural (any object naming it), and forgets a resource with no versions left', () => {
    const v1 = fake('ex.com', 'v1', 'widgets');
    const v2 = fake('ex.com', 'v2', 'widgets');
    const k = new KindRegistry([v1, v2]);
    k.remove([fake('ex.com', 'v1', 'widgets', { kind: 'Other' })]);
    expect(k.at('ex.com', 'v1', 'widgets')).toBeUndefined();
    expect(k.get('ex.com', 'widgets')).toBe(v2);
    expect(k.versions('ex.com', 'widgets')).toEqual([v2]);
    k.remove([v2]);
    expect(k.get('ex.com', 'widgets')).toBeUndefined();
    expect(k.versions('ex.com', 'widgets')).toEqual([]);
    expect(k.hasGroup('ex.com')).toBe(false);
  });

  it('orders versions: registration order until setVersionOrder, names it does not list last', () => {
    const [a, b, c] = ['v1beta1', 'v1', 'v2alpha1'].map((v) => fake('ex.com', v, 'widgets'));
    const k = new KindRegistry([a, b, c]);
    expect(k.versions('ex.com', 'widgets').map((d) => d.version)).toEqual(['v1beta1', 'v1', 'v2alpha1']);
    k.setVersionOrder('ex.com', 'widgets', ['v1', 'v1beta1']);
    expect(k.versions('ex.com', 'widgets').map((d) => d.version)).toEqual(['v1', 'v1beta1', 'v2alpha1']);
    expect(k.get('ex.com', 'widgets')!.version).toBe('v1');
    k.setVersionOrder('ex.com', 'nothing', ['v1']); // no such resource: no change, no throw
  });

  it('bumps the generation and calls each listener once per change, not for a change that changes nothing', () => {
    const k = new KindRegistry();
    expect(k.generation).toBe(0);
    const heard: number[] = [];
    const off = k.subscribe((c) => heard.push(c.added.length * 10 + c.removed.length));
    const a = fake('ex.com', 'v1', 'widgets');
    const b = fake('ex.com', 'v1', 'gadgets');
    k.add([a, b]);
    expect(k.generation).toBe(1);
    expect(heard).toEqual([20]);
    k.remove([fake('ex.com', 'v1', 'missing')]);
    k.apply([], []);
    expect(k.generation).toBe(1);
    expect(heard).toEqual([20]);
    k.apply([fake('ex.com', 'v2', 'widgets')], [b]);
    expect(k.generation).toBe(2);
    expect(heard).toEqual([20, 11]);
    off();
    k.remove([a]);
    expect(k.generation).toBe(3);
    expect(heard).toEqual([20, 11]);
  });

  it('a listener that unsubscribes (or subscribes another) during a change does not disturb the others', () => {
    const k = new KindRegistry();
    const heard: string[] = [];
    const offA = k.subscribe(() => {
      heard.push('a');
      offA();
      k.subscribe(() => heard.push('late'));
    });
    k.subscribe(() => heard.push('b'));
    k.add([fake('ex.com', 'v1', 'widgets')]);
    expect(heard).toEqual(['a', 'b']);
    k.add([fake('ex.com', 'v1', 'gadgets')]);
    expect(heard).toEqual(['a', 'b', 'b', 'late']);
  });
});

describe('the server follows the kind registry', () => {
  let emu: KubeEmulator;
  const api = () => request(emu.app.server);
  const GROUP = 'kinds.example.com';

  beforeAll(async () => {
    emu = await startServer();
    await api().post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'k' } }).expect(201);
  });
  afterAll(async () => {
    await emu.close();
  });

  const widget = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name, labels: { app: 'w' } }, ...extra });

  it('a kind added while a list and a watch of another kind run: both go on; the new kind is served at once', async () => {
    await api().post('/api/v1/namespaces/k/configmaps').send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before' } }).expect(201);
    const list = await api().get('/api/v1/namespaces/k/configmaps').expect(200);
    const w = await openWatch(emu.url, `/api/v1/namespaces/k/configmaps?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    await api().get('/apis/kinds.example.com/v1/namespaces/k/widgets').expect(404);
    const defs = crdKinds(GROUP, 'widgets', ['v1']);
    emu.registry.kinds.add(defs);
    try {
      await api().post('/api/v1/namespaces/k/configmaps').send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after' } }).expect(201);
      const ev = await w.next();
      expect(ev).toMatchObject({ type: 'ADDED', object: { kind: 'ConfigMap', metadata: { name: 'after' } } });
      // a list paged across the change goes on with its continue token
      await api().post('/api/v1/namespaces/k/configmaps').send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'zz' } }).expect(201);
      const p1 = await api().get('/api/v1/namespaces/k/configmaps?limit=1').expect(200);
      emu.registry.kinds.add(crdKinds(GROUP, 'gadgets', ['v1']));
      const p2 = await api().get(`/api/v1/namespaces/k/configmaps?limit=10&continue=${p1.body.metadata.continue}`).expect(200);
      expect([...p1.body.items, ...p2.body.items].map((o: any) => o.metadata.name)).toEqual(['after', 'before', 'zz']);
      const created = await api().post(`/apis/${GROUP}/v1/namespaces/k/widgets`).send(widget('w1', { spec: { size: 1 } })).expect(201);
      expect(created.body).toMatchObject({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: 'k', generation: 1 }, spec: { size: 1 } });
      const got = await api().get(`/apis/${GROUP}/v1/namespaces/k/widgets`).expect(200);
      expect(got.body).toMatchObject({ apiVersion: `${GROUP}/v1`, kind: 'WidgetList', items: [{ metadata: { name: 'w1' } }] });
      // the old watch hears its own kind only
      await until(() => w.pending().length > 0);
      expect(w.pending().map((e) => `${e.type} ${e.object.kind} ${e.object.metadata.name}`)).toEqual(['ADDED ConfigMap zz']);
    } finally {
      w.close();
      emu.registry.kinds.remove(emu.registry.kinds.all().filter((d) => d.group === GROUP));
      emu.store.list(`${GROUP}/widgets`).forEach((e) => emu.registry.delete(defs[0], e.namespace, e.name));
    }
  });

  it('a kind removed while a watch on it is open: the watcher gets the events it was owed, then its stream ends; the server stays up', async () => {
    const defs = crdKinds(GROUP, 'widgets', ['v1']);
    const other = crdKinds(GROUP, 'gadgets', ['v1']);
    emu.registry.kinds.add([...defs, ...other]);
    await api().post(`/apis/${GROUP}/v1/namespaces/k/widgets`).send(widget('gone')).expect(201);
    const w = await openWatch(emu.url, `/apis/${GROUP}/v1/namespaces/k/widgets?watch=true`);
    const g = await openWatch(emu.url, `/apis/${GROUP}/v1/namespaces/k/gadgets?watch=true`);
    expect(w.status).toBe(200);
    expect(await w.next()).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'gone' } } });
    // as the CRD finalizer does: the instances deleted, then the kind removed (in the same turn)
    emu.registry.delete(defs[0], 'k', 'gone');
    emu.registry.kinds.remove(defs);
    expect(await w.next()).toMatchObject({ type: 'DELETED', object: { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'gone' } } });
    await w.ended;
    expect(w.pending()).toEqual([]);
    // a watch of another kind of the same group goes on
    expect(g.isEnded()).toBe(false);
    await api().get(`/apis/${GROUP}/v1/namespaces/k/widgets`).expect(404);
    await api().get(`/apis/${GROUP}/v1/namespaces/k/widgets/gone`).expect(404);
    await api().post(`/apis/${GROUP}/v1/namespaces/k/widgets`).send(widget('again')).expect(404);
    // a replaced kind (a CRD updated) keeps its watches
    const g2 = crdKinds(GROUP, 'gadgets', ['v1']);
    emu.registry.kinds.add(g2);
    await api().post(`/apis/${GROUP}/v1/namespaces/k/gadgets`).send({ apiVersion: `${GROUP}/v1`, kind: 'Gadget', metadata: { name: 'g1' } }).expect(201);
    expect(await g.next()).toMatchObject({ type: 'ADDED', object: { kind: 'Gadget', metadata: { name: 'g1' } } });
    emu.registry.delete(g2[0], 'k', 'g1');
    emu.registry.kinds.remove(g2);
    await g.ended;
    await api().get('/healthz').expect(200);
  });

  it('discovery documents before and after: /apis, /apis/<group>, /apis/<group>/<version>, aggregated v2 and its ETag', async () => {
    const before = await api().get('/apis').expect(200);
    expect(before.body.groups.map((g: any) => g.name)).not.toContain(GROUP);
    await api().get(`/apis/${GROUP}`).expect(404);
    await api().get(`/apis/${GROUP}/v1`).expect(404);
    const agg0 = await api().get('/apis').set('Accept', V2).expect(200);
    const etag0 = agg0.headers.etag;
    expect(etag0).toMatch(/^"[0-9A-F]{128}"$/);
    await api().get('/apis').set('Accept', V2).set('If-None-Match', etag0).expect(304);
    expect(JSON.parse(agg0.text).items.map((i: any) => i.metadata.name)).not.toContain(GROUP);

    const defs = [...crdKinds(GROUP, 'widgets', ['v1', 'v2']), ...crdKinds(GROUP, 'things', ['v1'], { scope: 'Cluster' })];
    emu.registry.kinds.add(defs);
    emu.registry.kinds.setVersionOrder(GROUP, 'widgets', ['v2', 'v1']);
    try {
      const after = await api().get('/apis').expect(200);
      const g = after.body.groups.find((x: any) => x.name === GROUP);
      expect(g).toEqual({ name: GROUP, versions: [{ groupVersion: `${GROUP}/v2`, version: 'v2' }, { groupVersion: `${GROUP}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${GROUP}/v2`, version: 'v2' } });
      const group = await api().get(`/apis/${GROUP}`).expect(200);
      expect(group.body).toMatchObject({ kind: 'APIGroup', name: GROUP, preferredVersion: { version: 'v2' } });
      const v1 = await api().get(`/apis/${GROUP}/v1`).expect(200);
      expect(v1.body).toMatchObject({ kind: 'APIResourceList', groupVersion: `${GROUP}/v1` });
      const byName = Object.fromEntries(v1.body.resources.map((r: any) => [r.name, r]));
      expect(byName.widgets).toMatchObject({ name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget' });
      expect(byName.things).toMatchObject({ name: 'things', namespaced: false, kind: 'Thing' });
      expect(byName.widgets.verbs.sort()).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
      const v2 = await api().get(`/apis/${GROUP}/v2`).expect(200);
      expect(v2.body.resources.map((r: any) => r.name)).toEqual(['widgets']);

      const agg1 = await api().get('/apis').set('Accept', V2).expect(200);
      expect(agg1.headers.etag).not.toBe(etag0);
      await api().get('/apis').set('Accept', V2).set('If-None-Match', etag0).expect(200);
      await api().get('/apis').set('Accept', V2).set('If-None-Match', agg1.headers.etag).expect(304);
      const item = JSON.parse(agg1.text).items.find((i: any) => i.metadata.name === GROUP);
      expect(item.versions.map((v: any) => v.version)).toEqual(['v2', 'v1']);
      const res = Object.fromEntries(item.versions[1].resources.map((r: any) => [r.resource, r]));
      expect(res.widgets).toMatchObject({ resource: 'widgets', responseKind: { group: GROUP, version: 'v1', kind: 'Widget' }, scope: 'Namespaced', singularResource: 'widget' });
      expect(res.things.scope).toBe('Cluster');

      emu.registry.kinds.remove(defs);
      await api().get(`/apis/${GROUP}`).expect(404);
      await api().get(`/apis/${GROUP}/v2`).expect(404);
      const agg2 = await api().get('/apis').set('Accept', V2).expect(200);
      expect(agg2.headers.etag).toBe(etag0);
      expect(JSON.parse(agg2.text).items.map((i: any) => i.metadata.name)).not.toContain(GROUP);
    } finally {
      emu.registry.kinds.remove(defs);
    }
  });

  it('field selectors and label selectors for a kind added later, also on objects stored before it was added', async () => {
    const defs = crdKinds(GROUP, 'widgets', ['v1'], { selectableFields: [{ jsonPath: '.spec.color' }] });
    emu.registry.kinds.add(defs);
    try {
      await api().post(`/apis/${GROUP}/v1/namespaces/k/widgets`).send(widget('red', { spec: { color: 'red' } })).expect(201);
      await api().post(`/apis/${GROUP}/v1/namespaces/k/widgets`).send({ ...widget('blue', { spec: { color: 'blue' } }), metadata: { name: 'blue', labels: { app: 'b' } } }).expect(201);
      const names = async (q: string) => (await api().get(`/apis/${GROUP}/v1/namespaces/k/widgets?${q}`).expect(200)).body.items.map((o: any) => o.metadata.name);
      expect(await names('fieldSelector=spec.color%3Dred')).toEqual(['red']);
      expect(await names('fieldSelector=spec.color!%3Dred')).toEqual(['blue']);
      expect(await names('fieldSelector=metadata.name%3Dblue')).toEqual(['blue']);
      expect(await names('labelSelector=app%3Dw')).toEqual(['red']);
      // a field the CRD does not select on: upstream's message
      const bad = await api().get(`/apis/${GROUP}/v1/namespaces/k/widgets?fieldSelector=spec.size%3D1`).expect(400);
      expect(bad.body.message).toBe('field label not supported: spec.size');
      // a watch with a field selector hears a change that moves an object in or out as ADDED / DELETED
      const list = await api().get(`/apis/${GROUP}/v1/namespaces/k/widgets`).expect(200);
      const w = await openWatch(emu.url, `/apis/${GROUP}/v1/namespaces/k/widgets?watch=true&fieldSelector=spec.color%3Dred&resourceVersion=${list.body.metadata.resourceVersion}`);
      await api().patch(`/apis/${GROUP}/v1/namespaces/k/widgets/blue`).set('Content-Type', 'application/merge-patch+json').send({ spec: { color: 'red' } }).expect(200);
      await api().patch(`/apis/${GROUP}/v1/namespaces/k/widgets/red`).set('Content-Type', 'application/merge-patch+json').send({ spec: { color: 'green' } }).expect(200);
      expect(await w.take(2)).toMatchObject([
        { type: 'ADDED', object: { metadata: { name: 'blue' } } },
        { type: 'DELETED', object: { metadata: { name: 'red' }, spec: { color: 'green' } } },
      ]);
      w.close();
      // the kind replaced by one that selects on another field: the stored objects' attributes follow
      emu.registry.kinds.add(crdKinds(GROUP, 'widgets', ['v1'], { selectableFields: [{ jsonPath: '.spec.shape' }] }));
      await api().patch(`/apis/${GROUP}/v1/namespaces/k/widgets/red`).set('Content-Type', 'application/merge-patch+json').send({ spec: { shape: 'round' } }).expect(200);
      expect(await names('fieldSelector=spec.shape%3Dround')).toEqual(['red']);
    } finally {
      for (const e of emu.store.list(`${GROUP}/widgets`)) emu.registry.delete(defs[0], e.namespace, e.name);
      emu.registry.kinds.remove(defs);
    }
    await until(() => emu.store.list(`${GROUP}/widgets`).length === 0);
  });
});
