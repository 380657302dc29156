// application/vnd.kubernetes.protobuf over HTTP: bodies in (create, update, DELETE options) and
// answers out (GET, LIST, Status errors, watch), negotiated as upstream does
// (apiserver pkg/endpoints/handlers/negotiation/negotiate.go).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeEmulator } from '../../src/server/app.js';
import { decodeKubernetesProtobuf, decodeWatchFrames, encodeKubernetesProtobuf, PROTOBUF_MAGIC } from '../../src/server/protobuf.js';
import { startBare } from './util.js';

const PB = 'application/vnd.kubernetes.protobuf';
// what client-go sends when configured for protobuf (rest.Config ContentType = protobuf)
const CLIENT_GO_ACCEPT = `${PB},application/json`;
const FIXTURES = fileURLToPath(new URL('../fixtures/protobuf', import.meta.url));
const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
const json = (name: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));

let emu: KubeEmulator;
beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

interface Res {
  status: number;
  type: string;
  body: Buffer;
}
async function call(method: string, p: string, opts: { body?: Buffer | string; contentType?: string; accept?: string } = {}): Promise<Res> {
  const headers: Record<string, string> = {};
  if (opts.contentType) headers['Content-Type'] = opts.contentType;
  if (opts.accept) headers.Accept = opts.accept;
  const body = typeof opts.body === "string" || opts.body === undefined ? opts.body : new Uint8Array(opts.body);
  const r = await fetch(emu.url + p, { method, headers, body });
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: Buffer.from(await r.arrayBuffer()) };
}
const pbObject = (r: Res): Record<string, any> => {
  expect(r.type).toBe(PB);
  expect(r.body.subarray(0, 4).equals(PROTOBUF_MAGIC)).toBe(true);
  return decodeKubernetesProtobuf(r.body).object;
};
const deleteOptions = (opts: Record<string, unknown>): Buffer => encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'DeleteOptions', ...opts })!;

describe('protobuf create and DELETE (what helm and Go controllers send)', () => {
  const cases = [
    { what: 'Secret (kubectl 1.33 bytes)', body: fixture('other/1.33-secret.bin'), path: '/api/v1/namespaces/default/secrets', name: 'sec', resource: 'secrets' },
    { what: 'Pod', body: fixture('objects/pod.bin'), path: '/api/v1/namespaces/default/pods', name: 'web-0', resource: 'pods' },
    { what: 'StatefulSet', body: fixture('objects/statefulset.bin'), path: '/apis/apps/v1/namespaces/default/statefulsets', name: 'db', resource: 'statefulsets' },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const decoded = decodeKubernetesProtobuf(c.body).object as any;
      const name = decoded.metadata.name;
      expect(name).toBe(c.name);
      const created = await call('POST', c.path, { body: c.body, contentType: PB, accept: CLIENT_GO_ACCEPT });
      expect(created.status).toBe(201);
      const obj = pbObject(created);
      expect(obj.metadata.name).toBe(name);
      expect(obj.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(obj.metadata.resourceVersion).toMatch(/^\d+$/);
      // the stored object is what the same body as JSON would have made
      const asJson = await call('GET', `${c.path}/${name}`, { accept: 'application/json' });
      expect(asJson.type).toMatch(/^application\/json/);
      const stored = JSON.parse(asJson.body.toString());
      const expected = structuredClone(stored);
      // an embedded object carries no TypeMeta in protobuf (it is not in the message), as upstream
      for (const t of expected.spec?.volumeClaimTemplates ?? []) {
        expect([t.apiVersion, t.kind]).toEqual(['v1', 'PersistentVolumeClaim']);
        delete t.apiVersion;
        delete t.kind;
      }
      expect(pbObject(await call('GET', `${c.path}/${name}`, { accept: CLIENT_GO_ACCEPT }))).toEqual(expected);
      if (c.resource === 'pods') expect(stored.spec.containers[0].resources.limits).toEqual({ cpu: '500m', memory: '256Mi' });
      if (c.resource === 'statefulsets') expect(stored.spec.updateStrategy.rollingUpdate.partition).toBe(0);

      // DELETE with a protobuf DeleteOptions body: a wrong uid precondition is refused first
      const conflict = await call('DELETE', `${c.path}/${name}`, { body: deleteOptions({ preconditions: { uid: 'not-the-uid' } }), contentType: PB, accept: CLIENT_GO_ACCEPT });
      expect(conflict.status).toBe(409);
      const status = pbObject(conflict);
      expect(status.kind).toBe('Status');
      expect(status.reason).toBe('Conflict');
      expect(status.message).toContain('Precondition failed: UID in precondition: not-the-uid');
      const del = await call('DELETE', `${c.path}/${name}`, { body: deleteOptions({ gracePeriodSeconds: 0, propagationPolicy: 'Background' }), contentType: PB, accept: CLIENT_GO_ACCEPT });
      expect(del.status).toBe(200);
      const answer = pbObject(del);
      expect([answer.kind, answer.metadata?.name ?? answer.details?.name]).toEqual([answer.kind === 'Status' ? 'Status' : decoded.kind, name]);
      expect((await call('GET', `${c.path}/${name}`, { accept: 'application/json' })).status).toBe(404);
    });
  }

  it('deletecollection with a protobuf DeleteOptions body', async () => {
    for (const n of ['a', 'b']) {
      const body = encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `dc-${n}`, labels: { set: 'dc' } }, data: { k: n } })!;
      expect((await call('POST', '/api/v1/namespaces/default/configmaps', { body, contentType: PB })).status).toBe(201);
    }
    const r = await call('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=set%3Ddc', { body: deleteOptions({ propagationPolicy: 'Background' }), contentType: PB, accept: CLIENT_GO_ACCEPT });
    expect(r.status).toBe(200);
    const list = pbObject(r);
    expect(list.kind).toBe('ConfigMapList');
    expect(list.items.map((i: any) => i.metadata.name).sort()).toEqual(['dc-a', 'dc-b']);
  });

  it('a protobuf update (PUT) round-trips the object', async () => {
    const body = encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'upd' }, data: { a: '1' } })!;
    const created = pbObject(await call('POST', '/api/v1/namespaces/default/configmaps', { body, contentType: PB, accept: CLIENT_GO_ACCEPT }));
    created.data = { a: '2' };
    const r = await call('PUT', '/api/v1/namespaces/default/configmaps/upd', { body: encodeKubernetesProtobuf(created), contentType: PB, accept: CLIENT_GO_ACCEPT });
    expect(r.status).toBe(200);
    expect(pbObject(r).data).toEqual({ a: '2' });
  });
});

describe('protobuf subresources', () => {
  it('scale and status of a StatefulSet, as a Go client reads and writes them', async () => {
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'sub' }, spec: { replicas: 1, serviceName: 'sub', selector: { matchLabels: { app: 'sub' } }, template: { metadata: { labels: { app: 'sub' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    expect((await call('POST', '/apis/apps/v1/namespaces/default/statefulsets', { body: encodeKubernetesProtobuf(sts), contentType: PB })).status).toBe(201);
    const scale = pbObject(await call('GET', '/apis/apps/v1/namespaces/default/statefulsets/sub/scale', { accept: CLIENT_GO_ACCEPT }));
    expect([scale.apiVersion, scale.kind, scale.spec]).toEqual(['autoscaling/v1', 'Scale', { replicas: 1 }]);
    scale.spec.replicas = 4;
    const put = await call('PUT', '/apis/apps/v1/namespaces/default/statefulsets/sub/scale', { body: encodeKubernetesProtobuf(scale), contentType: PB, accept: CLIENT_GO_ACCEPT });
    expect(put.status).toBe(200);
    expect(pbObject(put).spec).toEqual({ replicas: 4 });
    const status = pbObject(await call('GET', '/apis/apps/v1/namespaces/default/statefulsets/sub/status', { accept: CLIENT_GO_ACCEPT }));
    expect([status.kind, status.spec.replicas]).toEqual(['StatefulSet', 4]);
  });

  it('pods/binding takes a protobuf Binding and answers a protobuf Status (the scheduler\'s call)', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tobind' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    expect((await call('POST', '/api/v1/namespaces/default/pods', { body: encodeKubernetesProtobuf(pod), contentType: PB })).status).toBe(201);
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'tobind' }, target: { kind: 'Node', name: 'node-a' } };
    const r = await call('POST', '/api/v1/namespaces/default/pods/tobind/binding', { body: encodeKubernetesProtobuf(binding), contentType: PB, accept: CLIENT_GO_ACCEPT });
    expect(r.status).toBe(201);
    expect(pbObject(r)).toMatchObject({ kind: 'Status', status: 'Success', code: 201 });
    expect(JSON.parse((await call('GET', '/api/v1/namespaces/default/pods/tobind')).body.toString()).spec.nodeName).toBe('node-a');
  });
});

describe('protobuf answers', () => {
  beforeAll(async () => {
    for (const n of ['x1', 'x2']) {
      const r = await call('POST', '/api/v1/namespaces/default/secrets', { body: JSON.stringify({ metadata: { name: n, labels: { l: 'pb' } }, stringData: { k: n }, type: 'Opaque' }), contentType: 'application/json' });
      expect(r.status).toBe(201);
    }
  });

  it('LIST is the List message with the stored items', async () => {
    const r = await call('GET', '/api/v1/namespaces/default/secrets?labelSelector=l%3Dpb', { accept: CLIENT_GO_ACCEPT });
    const list = pbObject(r);
    expect(list.kind).toBe('SecretList');
    expect(list.apiVersion).toBe('v1');
    expect(list.metadata.resourceVersion).toMatch(/^\d+$/);
    const asJson = JSON.parse((await call('GET', '/api/v1/namespaces/default/secrets?labelSelector=l%3Dpb')).body.toString());
    expect(list.items).toEqual(asJson.items.map((i: any) => ({ ...i, kind: undefined, apiVersion: undefined })).map((i: any) => JSON.parse(JSON.stringify(i))));
    expect(Buffer.from(list.items[0].data.k, 'base64').toString()).toBe('x1');
  });

  it('a Status error is a protobuf meta.v1.Status with upstream wording', async () => {
    const r = await call('GET', '/api/v1/namespaces/default/secrets/nope', { accept: CLIENT_GO_ACCEPT });
    expect(r.status).toBe(404);
    expect(pbObject(r)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'secrets "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'secrets' },
      code: 404,
    });
  });

  it('negotiates as upstream: the first acceptable range in preference order', async () => {
    const get = (accept?: string) => call('GET', '/api/v1/namespaces/default/secrets/x1', { accept });
    expect((await get(CLIENT_GO_ACCEPT)).type).toBe(PB);
    expect((await get(`${PB}, */*`)).type).toBe(PB);
    expect((await get(PB)).type).toBe(PB);
    expect((await get(`application/json, ${PB}`)).type).toMatch(/^application\/json/);
    expect((await get(`${PB};q=0.5, application/json`)).type).toMatch(/^application\/json/);
    expect((await get('*/*')).type).toMatch(/^application\/json/);
    expect((await get()).type).toMatch(/^application\/json/);
    // a Table is never protobuf: kubectl get's header falls through to JSON tables
    const table = await call('GET', '/api/v1/namespaces/default/secrets', { accept: `${PB};as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io,application/json` });
    expect(table.type).toMatch(/^application\/json/);
    expect(JSON.parse(table.body.toString()).kind).toBe('Table');
    // discovery stays JSON whatever is asked
    expect((await call('GET', '/api/v1', { accept: CLIENT_GO_ACCEPT })).type).toMatch(/^application\/json/);
  });

  it('PartialObjectMetadata as protobuf (the metadata informers of the controller-manager)', async () => {
    const accept = `${PB};as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json`;
    const list = pbObject(await call('GET', '/api/v1/namespaces/default/secrets?labelSelector=l%3Dpb', { accept }));
    expect(list.kind).toBe('PartialObjectMetadataList');
    expect(list.apiVersion).toBe('meta.k8s.io/v1');
    expect(list.items.map((i: any) => i.metadata.name)).toEqual(['x1', 'x2']);
    expect(list.items[0].data).toBeUndefined();
  });

  it('a watch streams length-prefixed WatchEvent frames', async () => {
    const chunks: Buffer[] = [];
    const req = http.get(`${emu.url}/api/v1/namespaces/default/configmaps?watch=true&labelSelector=w%3Dpb`, { headers: { Accept: CLIENT_GO_ACCEPT }, agent: false });
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(`${PB};stream=watch`);
    res.on('data', (c: Buffer) => chunks.push(c));
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched', labels: { w: 'pb' } }, data: { n: '1' } };
    expect((await call('POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify(body), contentType: 'application/json' })).status).toBe(201);
    expect((await call('DELETE', '/api/v1/namespaces/default/configmaps/watched')).status).toBe(200);
    const end = Date.now() + 3000;
    let events: ReturnType<typeof decodeWatchFrames> = [];
    while (Date.now() < end) {
      const all = Buffer.concat(chunks);
      if (all.length >= 4) events = decodeWatchFrames(all);
      if (events.length >= 2) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    req.destroy();
    expect(events.map((e) => `${e.type} ${e.object.kind} ${(e.object.metadata as any).name}`)).toEqual(['ADDED ConfigMap watched', 'DELETED ConfigMap watched']);
    expect(events[0]!.object.data).toEqual({ n: '1' });
  });
});
