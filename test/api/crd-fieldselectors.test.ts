// Field selectors on custom resources: the labels a CR takes are metadata.name, metadata.namespace
// when the CRD is namespaced, and its selectable fields; any other label, metadata.namespace of a
// cluster-scoped CR included, is refused with "field label not supported" (apiextensions-apiserver
// pkg/apiserver/conversion/converter.go ConvertFieldLabel), not with the built-in kinds' default
// "is not a known field selector" wording.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';

const crd = (group: string, plural: string, kind: string, scope: string, selectableFields?: { jsonPath: string }[]) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope,
    names: { plural, kind },
    versions: [{ name: 'v1', served: true, storage: true, selectableFields, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } } } } } }],
  },
});

describe('field selectors on custom resources', () => {
  let emu: KubeEmulator;
  const get = async (url: string) => {
    const r = await emu.app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: JSON.parse(r.body) };
  };
  const names = (b: any) => b.items.map((i: any) => i.metadata.name);
  const refused = (label: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `field label not supported: ${label}`, reason: 'BadRequest', code: 400 });

  beforeAll(async () => {
    emu = await startServer();
    for (const c of [crd('acme.io', 'widgets', 'Widget', 'Cluster'), crd('acme.io', 'gadgets', 'Gadget', 'Namespaced'), crd('acme.io', 'gizmos', 'Gizmo', 'Namespaced', [{ jsonPath: '.spec.color' }])]) {
      const r = await emu.app.inject({ method: 'POST', url: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', payload: c });
      expect(r.statusCode).toBe(201);
    }
    for (let i = 0; ; i++) {
      const ok = await Promise.all(['widgets', 'namespaces/default/gadgets', 'namespaces/default/gizmos'].map(async (p) => (await get(`/apis/acme.io/v1/${p}`)).status === 200));
      if (ok.every(Boolean)) break;
      if (i > 200) throw new Error('CRDs not established');
      await new Promise((r) => setTimeout(r, 10));
    }
    const post = (path: string, kind: string, name: string, spec: object) => emu.app.inject({ method: 'POST', url: `/apis/acme.io/v1/${path}`, payload: { apiVersion: 'acme.io/v1', kind, metadata: { name }, spec } });
    for (const [n, size] of [['w1', 1], ['w2', 2]] as const) expect((await post('widgets', 'Widget', n, { size })).statusCode).toBe(201);
    expect((await post('namespaces/default/gadgets', 'Gadget', 'g1', { size: 1 })).statusCode).toBe(201);
    for (const [n, color] of [['z1', 'red'], ['z2', 'blue']] as const) expect((await post('namespaces/default/gizmos', 'Gizmo', n, { color })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('cluster-scoped: metadata.name selects; metadata.namespace and other fields are not supported', async () => {
    const byName = await get('/apis/acme.io/v1/widgets?fieldSelector=metadata.name%3Dw2');
    expect(byName.status).toBe(200);
    expect(names(byName.body)).toEqual(['w2']);
    expect(await get('/apis/acme.io/v1/widgets?fieldSelector=metadata.namespace%3Dx')).toEqual({ status: 400, body: refused('metadata.namespace') });
    expect(await get('/apis/acme.io/v1/widgets?fieldSelector=spec.size%3D1')).toEqual({ status: 400, body: refused('spec.size') });
    expect(await get('/apis/acme.io/v1/widgets?watch=true&fieldSelector=spec.size%3D1')).toEqual({ status: 400, body: refused('spec.size') });
  });

  it('namespaced without selectable fields: metadata.name and metadata.namespace; others are not supported', async () => {
    const r = await get('/apis/acme.io/v1/gadgets?fieldSelector=metadata.namespace%3Ddefault,metadata.name!%3Dnope');
    expect(r.status).toBe(200);
    expect(names(r.body)).toEqual(['g1']);
    expect(await get('/apis/acme.io/v1/namespaces/default/gadgets?fieldSelector=spec.size%3D1')).toEqual({ status: 400, body: refused('spec.size') });
  });

  it('namespaced with a selectable field: it selects beside the metadata labels', async () => {
    const r = await get('/apis/acme.io/v1/namespaces/default/gizmos?fieldSelector=spec.color%3Dblue,metadata.namespace%3Ddefault');
    expect(r.status).toBe(200);
    expect(names(r.body)).toEqual(['z2']);
    expect(await get('/apis/acme.io/v1/namespaces/default/gizmos?fieldSelector=spec.size%3D1')).toEqual({ status: 400, body: refused('spec.size') });
  });
});
