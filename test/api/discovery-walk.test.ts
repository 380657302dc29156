// Discovery lists only what answers: every resource and subresource advertised by legacy and
// aggregated discovery is called with a verb discovery says it supports, and none may answer the
// route's 404 (a Status with empty details) or 405. Objects are missing on purpose: a served path
// then answers the registry's NotFound naming the object (details.name), which a route miss never does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { servedKinds } from '../../src/schema/gen/served.js';
import { startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

interface Advertised {
  gv: string; // v1, apps/v1
  resource: string; // pods, pods/status
  namespaced: boolean;
  verbs: string[];
}

async function legacyDiscovery(): Promise<Advertised[]> {
  const out: Advertised[] = [];
  const gvs = ['v1'];
  const groups = (await api().get('/apis').expect(200)).body.groups;
  for (const g of groups) for (const v of g.versions) gvs.push(v.groupVersion);
  for (const gv of gvs) {
    const list = (await api().get(gv === 'v1' ? '/api/v1' : `/apis/${gv}`).expect(200)).body;
    for (const r of list.resources) out.push({ gv, resource: r.name, namespaced: r.namespaced, verbs: r.verbs });
  }
  return out;
}

async function aggregatedDiscovery(accept: string): Promise<Advertised[]> {
  const out: Advertised[] = [];
  for (const root of ['/api', '/apis']) {
    const doc = (await api().get(root).set('Accept', accept).expect(200)).body;
    for (const g of doc.items)
      for (const v of g.versions) {
        const gv = g.metadata.name ? `${g.metadata.name}/${v.version}` : v.version;
        for (const r of v.resources) {
          const namespaced = r.scope === 'Namespaced';
          out.push({ gv, resource: r.resource, namespaced, verbs: r.verbs });
          for (const s of r.subresources ?? []) out.push({ gv, resource: `${r.resource}/${s.subresource}`, namespaced, verbs: s.verbs });
        }
      }
  }
  return out;
}

const key = (a: Advertised) => `${a.gv} ${a.resource} ${a.namespaced} ${[...a.verbs].sort().join(',')}`;

/** One plausible request per advertised verb class: GET for reads, PUT for updates, POST for creates. */
function calls(a: Advertised): { method: 'get' | 'put' | 'post'; path: string; named: boolean }[] {
  const [plural, sub] = a.resource.split('/');
  const base = `${a.gv === 'v1' ? '/api/v1' : `/apis/${a.gv}`}${a.namespaced ? '/namespaces/default' : ''}/${plural}`;
  const named = `${base}/walk-missing${sub ? `/${sub}` : ''}`;
  const out: { method: 'get' | 'put' | 'post'; path: string; named: boolean }[] = [];
  if (!sub) {
    if (a.verbs.includes('list')) out.push({ method: 'get', path: base, named: false });
    if (a.verbs.includes('create')) out.push({ method: 'post', path: base, named: false });
    if (a.verbs.includes('get')) out.push({ method: 'get', path: named, named: true });
    if (a.verbs.includes('update')) out.push({ method: 'put', path: named, named: true });
    return out;
  }
  if (a.verbs.includes('get')) out.push({ method: 'get', path: named, named: true });
  if (a.verbs.includes('update')) out.push({ method: 'put', path: named, named: true });
  if (a.verbs.includes('create')) out.push({ method: 'post', path: named, named: true });
  return out;
}

describe('discovery lists only what answers', () => {
  it('legacy and aggregated (v2, v2beta1) discovery advertise the same resources, subresources and verbs', async () => {
    const legacy = (await legacyDiscovery()).map(key).sort();
    expect((await aggregatedDiscovery(V2)).map(key).sort()).toEqual(legacy);
    expect((await aggregatedDiscovery(V2BETA1)).map(key).sort()).toEqual(legacy);
  });

  it('unserved subresources are not advertised (ephemeralcontainers, proxy, resize)', async () => {
    const names = (await legacyDiscovery()).map((a) => a.resource);
    for (const missing of ['pods/ephemeralcontainers', 'pods/proxy', 'pods/resize', 'services/proxy', 'nodes/proxy'])
      expect(names).not.toContain(missing);
    for (const served of ['pods/status', 'pods/binding', 'pods/eviction', 'pods/log', 'pods/exec', 'pods/attach', 'pods/portforward', 'namespaces/finalize', 'statefulsets/scale', 'serviceaccounts/token'])
      expect(names).toContain(served);
  });

  it('every advertised resource and subresource answers its verbs with neither a route 404 nor a 405', async () => {
    const advertised = await legacyDiscovery();
    let checked = 0;
    for (const a of advertised) {
      for (const c of calls(a)) {
        const req = api()[c.method](c.path);
        const res = c.method === 'get' ? await req : await req.set('Content-Type', 'application/json').send({});
        const what = `${c.method.toUpperCase()} ${c.path} -> ${res.status} ${res.text.slice(0, 200)}`;
        expect(res.status, what).not.toBe(405);
        if (res.status === 404) {
          // the object is missing, the path is served: the registry's NotFound names it
          expect(c.named, what).toBe(true);
          expect(res.body.details?.name, what).toBe('walk-missing');
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('the published OpenAPI kinds carry the same subresources as discovery', async () => {
    const advertised = await legacyDiscovery();
    for (const s of servedKinds()) {
      const gv = s.group ? `${s.group}/${s.version}` : s.version;
      const subs = advertised
        .filter((a) => a.gv === gv && a.resource.startsWith(`${s.plural}/`))
        .map((a) => a.resource.slice(s.plural.length + 1))
        .sort();
      expect([...s.subresources].sort(), `${gv} ${s.plural}`).toEqual(subs);
    }
    const paths = Object.keys((await api().get('/openapi/v2').expect(200)).body.paths);
    expect(paths.filter((p) => /\/(ephemeralcontainers|proxy|resize)$/.test(p))).toEqual([]);
    expect(paths).toContain('/api/v1/namespaces/{namespace}/pods/{name}/eviction');
    expect(paths).toContain('/api/v1/namespaces/{name}/finalize');
    expect(paths).toContain('/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token');
  });

  it('aggregated discovery carries an ETag of its content and answers 304 to If-None-Match', async () => {
    for (const [root, accept] of [
      ['/api', V2],
      ['/apis', V2],
      ['/apis', V2BETA1],
    ]) {
      const res = await api().get(root).set('Accept', accept).expect(200);
      const etag = res.headers.etag;
      expect(etag).toMatch(/^"[0-9A-F]{128}"$/);
      expect(res.headers.vary).toBe('Accept');
      expect(res.headers['cache-control']).toBe('public');
      const again = await api().get(root).set('Accept', accept).set('If-None-Match', etag).expect(304);
      expect(again.text ?? '').toBe('');
      await api().get(root).set('Accept', accept).set('If-None-Match', '"0"').expect(200);
    }
    const a = (await api().get('/api').set('Accept', V2)).headers.etag;
    const b = (await api().get('/apis').set('Accept', V2)).headers.etag;
    expect(a).not.toBe(b);
  });
});
