// LIST: label and field selectors, limit/continue over a consistent snapshot, resourceVersion and
// resourceVersionMatch, 410 Expired after compaction (apiserver pkg/storage/etcd3/store.go GetList,
// errors.go interpretListError; api-concepts "Efficient detection of changes" / "Retrieving large
// results sets in chunks").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { cm, pod, startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const names = (body: any) => body.items.map((i: any) => i.metadata.name);

beforeAll(async () => {
  emu = await startBare();
  await api().post('/api/v1/namespaces').send({ metadata: { name: 'sel' } }).expect(201);
  const labelled: [string, Record<string, string>][] = [
    ['a', { app: 'web', tier: 'front' }],
    ['b', { app: 'web', tier: 'back' }],
    ['c', { app: 'db' }],
    ['d', {}],
  ];
  for (const [n, l] of labelled) await api().post('/api/v1/namespaces/sel/configmaps').send(cm(n, {}, l)).expect(201);
});
afterAll(async () => {
  await emu.close();
});

describe('label selectors', () => {
  const cases: [string, string[]][] = [
    ['app=web', ['a', 'b']],
    ['app==web', ['a', 'b']],
    ['app!=web', ['c', 'd']],
    ['app in (web,db)', ['a', 'b', 'c']],
    ['app notin (web)', ['c', 'd']],
    ['tier', ['a', 'b']],
    ['!tier', ['c', 'd']],
    ['app=web,tier=back', ['b']],
    ['app=web,!tier', []],
  ];
  for (const [selector, want] of cases) {
    it(selector, async () => {
      const res = await api().get('/api/v1/namespaces/sel/configmaps').query({ labelSelector: selector }).expect(200);
      expect(names(res.body)).toEqual(want);
    });
  }

  it('a malformed selector is 400', async () => {
    const res = await api().get('/api/v1/namespaces/sel/configmaps').query({ labelSelector: 'app in (' }).expect(400);
    expect(res.body.reason).toBe('BadRequest');
  });

  it('listing a missing namespace is an empty list, not 404', async () => {
    const res = await api().get('/api/v1/namespaces/nowhere/configmaps').expect(200);
    expect(res.body.items).toEqual([]);
  });
});

describe('field selectors', () => {
  beforeAll(async () => {
    await api().post('/api/v1/namespaces/sel/pods').send(pod('p1', { nodeName: 'n1' })).expect(201);
    await api().post('/api/v1/namespaces/sel/pods').send(pod('p2', { nodeName: 'n2' })).expect(201);
    await api().post('/api/v1/namespaces/sel/pods').send(pod('p3')).expect(201);
    const ev = (name: string, kind: string, obj: string) => ({
      metadata: { name },
      involvedObject: { kind, name: obj, namespace: 'sel', apiVersion: 'v1' },
      reason: 'Test',
      message: 'm',
      type: 'Normal',
    });
    await api().post('/api/v1/namespaces/sel/events').send(ev('e1', 'Pod', 'p1')).expect(201);
    await api().post('/api/v1/namespaces/sel/events').send(ev('e2', 'Pod', 'p2')).expect(201);
    await api().post('/api/v1/namespaces/sel/events').send(ev('e3', 'StatefulSet', 'web')).expect(201);
  });

  it('pods by spec.nodeName', async () => {
    const res = await api().get('/api/v1/namespaces/sel/pods').query({ fieldSelector: 'spec.nodeName=n1' }).expect(200);
    expect(names(res.body)).toEqual(['p1']);
    const unscheduled = await api().get('/api/v1/pods').query({ fieldSelector: 'spec.nodeName=' }).expect(200);
    expect(names(unscheduled.body)).toEqual(['p3']);
    const not = await api().get('/api/v1/namespaces/sel/pods').query({ fieldSelector: 'spec.nodeName!=n1' }).expect(200);
    expect(names(not.body)).toEqual(['p2', 'p3']);
  });

  it('pods by status.phase', async () => {
    const res = await api().get('/api/v1/namespaces/sel/pods').query({ fieldSelector: 'status.phase=Pending' }).expect(200);
    expect(names(res.body)).toEqual(['p1', 'p2', 'p3']);
    const running = await api().get('/api/v1/namespaces/sel/pods').query({ fieldSelector: 'status.phase=Running' }).expect(200);
    expect(names(running.body)).toEqual([]);
  });

  it('metadata.name and metadata.namespace on any kind', async () => {
    const res = await api().get('/api/v1/configmaps').query({ fieldSelector: 'metadata.namespace=sel,metadata.name=c' }).expect(200);
    expect(names(res.body)).toEqual(['c']);
  });

  it('events by involvedObject.*, in any order', async () => {
    const res = await api()
      .get('/api/v1/namespaces/sel/events')
      .query({ fieldSelector: 'involvedObject.name=p1,involvedObject.namespace=sel,involvedObject.kind=Pod' })
      .expect(200);
    expect(names(res.body)).toEqual(['e1']);
    const sts = await api().get('/api/v1/events').query({ fieldSelector: 'involvedObject.kind=StatefulSet' }).expect(200);
    expect(names(sts.body)).toEqual(['e3']);
  });

  it('400 for unknown field labels, worded as the kind conversion does', async () => {
    // kinds without their own field label conversion: runtime.DefaultMetaV1FieldSelectorConversion
    const res = await api().get('/api/v1/namespaces/sel/configmaps').query({ fieldSelector: 'x=y' }).expect(400);
    expect(res.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: '"x" is not a known field selector: only "metadata.name", "metadata.namespace"',
      reason: 'BadRequest',
      code: 400,
    });
    const cmField = await api().get('/api/v1/namespaces/sel/configmaps').query({ fieldSelector: 'spec.nodeName=n1' }).expect(400);
    expect(cmField.body.message).toBe('"spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace"');
    // pods convert their own labels (pkg/apis/core/v1/conversion.go)
    const podField = await api().get('/api/v1/namespaces/sel/pods').query({ fieldSelector: 'x=y' }).expect(400);
    expect(podField.body.message).toBe('field label not supported: x');
    // cluster-scoped kinds with their own conversion do not know metadata.namespace
    const nodeField = await api().get('/api/v1/nodes').query({ fieldSelector: 'metadata.namespace=a' }).expect(400);
    expect(nodeField.body.message).toBe('field label not supported: metadata.namespace');
  });
});

describe('resourceVersion', () => {
  it('the list resourceVersion is the current revision', async () => {
    const res = await api().get('/api/v1/namespaces/sel/configmaps').expect(200);
    expect(res.body.metadata.resourceVersion).toBe(String(emu.store.revision()));
  });

  it('resourceVersion=0 serves the current state', async () => {
    const res = await api().get('/api/v1/namespaces/sel/configmaps').query({ resourceVersion: '0' }).expect(200);
    expect(names(res.body)).toEqual(['a', 'b', 'c', 'd']);
    expect(Number(res.body.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it('resourceVersionMatch=Exact at an older revision returns the old state', async () => {
    await api().post('/api/v1/namespaces').send({ metadata: { name: 'exact' } }).expect(201);
    const x = (await api().post('/api/v1/namespaces/exact/configmaps').send(cm('x', { v: '1' })).expect(201)).body;
    const at = x.metadata.resourceVersion;
    await api().put('/api/v1/namespaces/exact/configmaps/x').send({ ...x, data: { v: '2' } }).expect(200);
    await api().post('/api/v1/namespaces/exact/configmaps').send(cm('y')).expect(201);
    await api().delete('/api/v1/namespaces/exact/configmaps/x').expect(200);

    const now = await api().get('/api/v1/namespaces/exact/configmaps').expect(200);
    expect(names(now.body)).toEqual(['y']);
    const old = await api().get('/api/v1/namespaces/exact/configmaps').query({ resourceVersion: at, resourceVersionMatch: 'Exact' }).expect(200);
    expect(old.body.metadata.resourceVersion).toBe(at);
    expect(names(old.body)).toEqual(['x']);
    expect(old.body.items[0].data).toEqual({ v: '1' });
    expect(old.body.items[0].metadata.resourceVersion).toBe(at);
  });

  it('NotOlderThan with a future resourceVersion is 504 Timeout "Too large resource version"', async () => {
    const future = String(emu.store.revision() + 1000);
    const res = await api().get('/api/v1/namespaces/sel/configmaps').query({ resourceVersion: future, resourceVersionMatch: 'NotOlderThan' }).expect(504);
    expect(res.body.reason).toBe('Timeout');
    expect(res.body.message).toMatch(/^Too large resource version: /);
  });

  it('an unsupported resourceVersionMatch is 422 on ListOptions (ValidateListOptions)', async () => {
    const res = await api().get('/api/v1/namespaces/sel/configmaps').query({ resourceVersion: '0', resourceVersionMatch: 'Sometimes' }).expect(422);
    expect(res.body.message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Sometimes": supported values: "Exact", "NotOlderThan", ""');
  });
});

describe('limit / continue', () => {
  beforeAll(async () => {
    await api().post('/api/v1/namespaces').send({ metadata: { name: 'pages' } }).expect(201);
    for (let i = 0; i < 10; i++) await api().post('/api/v1/namespaces/pages/configmaps').send(cm(`item-${i}`)).expect(201);
  });

  it('pages cover everything once, with remainingItemCount, and the last page has no token', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    const rvs = new Set<string>();
    const remaining: number[] = [];
    do {
      const res = await api()
        .get('/api/v1/namespaces/pages/configmaps')
        .query({ limit: 3, ...(token ? { continue: token } : {}) })
        .expect(200);
      seen.push(...names(res.body));
      rvs.add(res.body.metadata.resourceVersion);
      token = res.body.metadata.continue;
      if (token) remaining.push(res.body.metadata.remainingItemCount);
      else expect(res.body.metadata.remainingItemCount).toBeUndefined();
    } while (token);
    expect(seen).toEqual([...Array(10).keys()].map((i) => `item-${i}`));
    expect(remaining).toEqual([7, 4, 1]);
    expect(rvs.size).toBe(1);
  });

  it('pages are a snapshot at the first page revision even when objects change between pages', async () => {
    const first = await api().get('/api/v1/namespaces/pages/configmaps').query({ limit: 4 }).expect(200);
    const snapshotRV = first.body.metadata.resourceVersion;
    const seen = names(first.body);
    // changes behind and ahead of the cursor
    await api().delete('/api/v1/namespaces/pages/configmaps/item-1').expect(200);
    await api().delete('/api/v1/namespaces/pages/configmaps/item-7').expect(200);
    await api().post('/api/v1/namespaces/pages/configmaps').send(cm('item-5a')).expect(201);
    const i8 = (await api().get('/api/v1/namespaces/pages/configmaps/item-8').expect(200)).body;
    await api().put('/api/v1/namespaces/pages/configmaps/item-8').send({ ...i8, data: { changed: 'yes' } }).expect(200);
    let token = first.body.metadata.continue;
    while (token) {
      const res = await api().get('/api/v1/namespaces/pages/configmaps').query({ limit: 4, continue: token }).expect(200);
      expect(res.body.metadata.resourceVersion).toBe(snapshotRV);
      for (const it of res.body.items) {
        seen.push(it.metadata.name);
        if (it.metadata.name === 'item-8') expect(it.data).toEqual({});
      }
      token = res.body.metadata.continue;
    }
    expect(seen).toEqual([...Array(10).keys()].map((i) => `item-${i}`));
    // a fresh list sees the changes
    const now = await api().get('/api/v1/namespaces/pages/configmaps').expect(200);
    expect(names(now.body)).toEqual(['item-0', 'item-2', 'item-3', 'item-4', 'item-5', 'item-5a', 'item-6', 'item-8', 'item-9']);
  });

  it('no remainingItemCount with a selector', async () => {
    const res = await api().get('/api/v1/namespaces/sel/configmaps').query({ limit: 1, labelSelector: 'app' }).expect(200);
    expect(res.body.metadata.continue).toBeTruthy();
    expect(res.body.metadata.remainingItemCount).toBeUndefined();
  });

  it('a garbled continue token is 400', async () => {
    const res = await api().get('/api/v1/namespaces/pages/configmaps').query({ continue: 'garbage' }).expect(400);
    expect(res.body.reason).toBe('BadRequest');
  });
});

describe('410 Expired after compaction', () => {
  let small: KubeEmulator;
  let oldRV: string;
  let token: string;
  const sapi = () => request(small.app.server);

  beforeAll(async () => {
    small = await startBare({ retentionCount: 5 });
    await sapi().post('/api/v1/namespaces').send({ metadata: { name: 'gc' } }).expect(201);
    for (let i = 0; i < 4; i++) await sapi().post('/api/v1/namespaces/gc/configmaps').send(cm(`o${i}`)).expect(201);
    const first = await sapi().get('/api/v1/namespaces/gc/configmaps').query({ limit: 2 }).expect(200);
    oldRV = first.body.metadata.resourceVersion;
    token = first.body.metadata.continue;
    for (let i = 0; i < 20; i++) {
      const o = (await sapi().get('/api/v1/namespaces/gc/configmaps/o0').expect(200)).body;
      await sapi().put('/api/v1/namespaces/gc/configmaps/o0').send({ ...o, data: { i: String(i) } }).expect(200);
    }
    small.store.compact();
    expect(small.store.compactRevision()).toBeGreaterThan(Number(oldRV));
  });
  afterAll(async () => {
    await small.close();
  });

  it('a continue token older than the window', async () => {
    const res = await sapi().get('/api/v1/namespaces/gc/configmaps').query({ limit: 2, continue: token }).expect(410);
    expect(res.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
    });
    expect(res.body.message).toMatch(/^The provided continue parameter is too old to display a consistent list result\./);
  });

  it('resourceVersionMatch=Exact older than the window', async () => {
    const res = await sapi().get('/api/v1/namespaces/gc/configmaps').query({ resourceVersion: oldRV, resourceVersionMatch: 'Exact' }).expect(410);
    expect(res.body).toMatchObject({ status: 'Failure', reason: 'Expired', code: 410 });
  });

  it('Exact at the compact revision itself still works, and the current list is whole', async () => {
    const at = String(small.store.compactRevision());
    const res = await sapi().get('/api/v1/namespaces/gc/configmaps').query({ resourceVersion: at, resourceVersionMatch: 'Exact' }).expect(200);
    expect(names(res.body)).toEqual(['o0', 'o1', 'o2', 'o3']);
    const now = await sapi().get('/api/v1/namespaces/gc/configmaps').expect(200);
    expect(names(now.body)).toEqual(['o0', 'o1', 'o2', 'o3']);
  });

  // etcd3 errors.go handleCompactedErrorForPaging: the 410 carries a fresh token that continues
  // at the latest state (resourceVersion -1)
  it('expired continue: Status.metadata.continue holds a token continuing at the latest revision', async () => {
    const res = await sapi().get('/api/v1/namespaces/gc/configmaps').query({ limit: 2, continue: token }).expect(410);
    const fresh = res.body.metadata.continue;
    expect(typeof fresh).toBe('string');
    const next = await sapi().get('/api/v1/namespaces/gc/configmaps').query({ limit: 2, continue: fresh }).expect(200);
    expect(names(next.body)).toEqual(['o2', 'o3']);
    expect(next.body.metadata.resourceVersion).toBe(String(small.store.revision()));
  });

  it('expired Exact list: message "The resourceVersion for the provided list is too old."', async () => {
    const res = await sapi().get('/api/v1/namespaces/gc/configmaps').query({ resourceVersion: oldRV, resourceVersionMatch: 'Exact' }).expect(410);
    expect(res.body.message).toBe('The resourceVersion for the provided list is too old.');
  });
});
