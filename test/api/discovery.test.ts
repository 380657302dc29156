// Discovery (legacy and aggregated), OpenAPI, /version and health endpoints
// (apiserver pkg/endpoints/discovery, discovery/aggregated; kube-openapi handler3; kubectl-wire §3, §4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startBare } from './util.js';
import type { KubeEmulator } from '../../src/server/app.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

describe('legacy discovery', () => {
  it('/api', async () => {
    const res = await api().get('/api').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const addr = emu.url.replace(/^http:\/\//, '');
    expect(res.body).toEqual({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: addr }] });
  });

  it('/apis lists the groups with their preferred versions', async () => {
    const res = await api().get('/apis').expect(200);
    expect(res.body.kind).toBe('APIGroupList');
    const groups = Object.fromEntries(res.body.groups.map((g: any) => [g.name, g]));
    for (const g of ['apps', 'authorization.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io', 'storage.k8s.io']) expect(groups[g], g).toBeDefined();
    expect(groups.apps).toEqual({ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } });
    expect(groups['']).toBeUndefined();
  });

  it('/apis/apps answers the APIGroup', async () => {
    const res = await api().get('/apis/apps').expect(200);
    expect(res.body).toMatchObject({ kind: 'APIGroup', name: 'apps', preferredVersion: { groupVersion: 'apps/v1' } });
  });

  it('/api/v1 lists the core resources and their subresources', async () => {
    const res = await api().get('/api/v1').expect(200);
    expect(res.body).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    const byName = Object.fromEntries(res.body.resources.map((r: any) => [r.name, r]));
    expect(byName.pods).toMatchObject({ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', shortNames: ['po'], categories: ['all'] });
    expect(byName.pods.verbs).toEqual(expect.arrayContaining(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']));
    expect(byName.namespaces).toMatchObject({ namespaced: false, kind: 'Namespace', shortNames: ['ns'] });
    expect(byName.nodes.namespaced).toBe(false);
    for (const sub of ['pods/log', 'pods/status', 'pods/exec', 'pods/portforward', 'pods/binding', 'namespaces/finalize']) expect(byName[sub], sub).toBeDefined();
    for (const r of ['configmaps', 'secrets', 'services', 'endpoints', 'events', 'persistentvolumes', 'persistentvolumeclaims', 'serviceaccounts', 'resourcequotas', 'limitranges'])
      expect(byName[r], r).toBeDefined();
  });

  it('/apis/apps/v1: statefulsets/scale is autoscaling/v1 Scale', async () => {
    const res = await api().get('/apis/apps/v1').expect(200);
    expect(res.body).toMatchObject({ kind: 'APIResourceList', groupVersion: 'apps/v1' });
    const byName = Object.fromEntries(res.body.resources.map((r: any) => [r.name, r]));
    expect(byName.statefulsets).toMatchObject({ kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: ['all'] });
    expect(byName['statefulsets/scale']).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale', namespaced: true });
    expect(byName['statefulsets/scale'].verbs).toEqual(expect.arrayContaining(['get', 'patch', 'update']));
    expect(byName['statefulsets/status']).toMatchObject({ kind: 'StatefulSet' });
    expect(byName['statefulsets/status'].group).toBeUndefined();
    expect(byName.controllerrevisions).toBeDefined();
  });

  it('unknown groups and versions are 404', async () => {
    await api().get('/apis/nope').expect(404);
    await api().get('/apis/apps/v1beta1').expect(404);
    await api().get('/api/v2').expect(404);
  });
});

describe('aggregated discovery', () => {
  for (const [v, accept] of [
    ['v2', `${V2},${V2BETA1},application/json`],
    ['v2beta1', `${V2BETA1},application/json`],
  ] as const) {
    it(`${v}: /api and /apis, Content-Type echoing the version`, async () => {
      const core = await api().get('/api').set('Accept', accept).expect(200);
      expect(core.headers['content-type']).toBe(`application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
      expect(core.body).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${v}` });
      expect(core.body.items).toHaveLength(1);
      expect(core.body.items[0].metadata.name).toBe('');
      const v1 = core.body.items[0].versions[0];
      expect(v1.version).toBe('v1');
      expect(v1.freshness).toBe('Current');
      const pods = v1.resources.find((r: any) => r.resource === 'pods');
      expect(pods).toMatchObject({
        resource: 'pods',
        responseKind: { group: '', version: 'v1', kind: 'Pod' },
        scope: 'Namespaced',
        singularResource: 'pod',
        shortNames: ['po'],
        categories: ['all'],
      });
      expect(pods.subresources.map((s: any) => s.subresource)).toEqual(expect.arrayContaining(['log', 'status', 'exec', 'portforward', 'binding']));

      const groups = await api().get('/apis').set('Accept', accept).expect(200);
      expect(groups.headers['content-type']).toBe(`application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
      const apps = groups.body.items.find((i: any) => i.metadata.name === 'apps');
      const sts = apps.versions[0].resources.find((r: any) => r.resource === 'statefulsets');
      expect(sts.scope).toBe('Namespaced');
      const scale = sts.subresources.find((s: any) => s.subresource === 'scale');
      expect(scale.responseKind).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
      expect(groups.body.items.find((i: any) => i.metadata.name === '')).toBeUndefined();
    });
  }

  it('plain application/json first gets the legacy document', async () => {
    const res = await api().get('/apis').set('Accept', `application/json,${V2}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json(;\s*charset=utf-8)?$/);
    expect(res.body.kind).toBe('APIGroupList');
  });
});

describe('openapi', () => {
  it('/openapi/v3 lists group-version documents with hashes, each served', async () => {
    const res = await api().get('/openapi/v3').expect(200);
    const paths = res.body.paths;
    expect(paths['api/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]+$/i);
    expect(paths['apis/apps/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=/);
    const doc = await api().get(paths['apis/apps/v1'].serverRelativeURL).expect(200);
    expect(doc.headers['content-type']).toMatch(/^application\/json/);
    expect(doc.headers.etag).toBeTruthy();
    expect(doc.body.openapi).toMatch(/^3\./);
    const schemas = doc.body.components.schemas;
    const sts = Object.values(schemas).find((s: any) =>
      (s['x-kubernetes-group-version-kind'] ?? []).some((g: any) => g.group === 'apps' && g.kind === 'StatefulSet'),
    );
    expect(sts).toBeDefined();
    // kubectl's validation probe: a patch operation with an inline fieldValidation parameter
    const patchOps = Object.values(doc.body.paths)
      .map((p: any) => p.patch)
      .filter(Boolean);
    expect(patchOps.some((op: any) => (op.parameters ?? []).some((pa: any) => pa.name === 'fieldValidation' && pa.in === 'query'))).toBe(true);
  });

  it('an unknown group-version document is 404', async () => {
    await api().get('/openapi/v3/apis/nope/v1').expect(404);
  });

  it('/openapi/v2 as gnostic protobuf when asked, JSON otherwise', async () => {
    const pb = await api()
      .get('/openapi/v2')
      .set('Accept', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf')
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(pb.headers['content-type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    expect((pb.body as Buffer).length).toBeGreaterThan(1000);
    const json = await api().get('/openapi/v2').expect(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.body.swagger).toBe('2.0');
  });
});

describe('version and health', () => {
  it('/version follows the emulated version', async () => {
    const res = await api().get('/version').expect(200);
    expect(res.body).toMatchObject({ major: '1', minor: '33', gitVersion: 'v1.33.0', platform: 'linux/amd64', compiler: 'gc' });
    const other = await startBare({ emulatedVersion: 'v1.29.4' });
    try {
      const r = await request(other.app.server).get('/version').expect(200);
      expect(r.body).toMatchObject({ major: '1', minor: '29', gitVersion: 'v1.29.4' });
    } finally {
      await other.close();
    }
  });

  for (const path of ['/healthz', '/livez', '/readyz', '/readyz/ping', '/livez/etcd']) {
    it(`${path} is ok`, async () => {
      const res = await api().get(path).expect(200);
      expect(res.text).toBe('ok');
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
    });
  }
});
