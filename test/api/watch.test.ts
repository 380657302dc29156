// WATCH over the chunked stream, read incrementally (apiserver pkg/endpoints/handlers/watch.go,
// pkg/storage/cacher/watch_cache.go for resume and 410, cacher.go for selector transitions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { cm, openWatch, TABLE_ACCEPT, until, type WatchStream, startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const open: WatchStream[] = [];
let nsN = 0;

async function watch(path: string, headers: Record<string, string> = {}): Promise<WatchStream> {
  const w = await openWatch(emu.url, path, headers);
  open.push(w);
  return w;
}

/** A fresh namespace per test keeps the streams independent. */
async function freshNS(): Promise<string> {
  const ns = `w${++nsN}`;
  await api().post('/api/v1/namespaces').send({ metadata: { name: ns } }).expect(201);
  return ns;
}

const evs = (list: { type: string; object: any }[]) => list.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`);

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  for (const w of open) w.close();
  await emu.close();
});

describe('watch events', () => {
  it('ADDED, MODIFIED, DELETED in order, with the new resourceVersions', async () => {
    const ns = await freshNS();
    const rv = (await api().get(`/api/v1/namespaces/${ns}/configmaps`).expect(200)).body.metadata.resourceVersion;
    const w = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${rv}`);
    expect(w.status).toBe(200);
    expect(w.headers['content-type']).toBe('application/json');
    expect(w.headers['transfer-encoding']).toBe('chunked');
    const a = (await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('x', { v: '1' })).expect(201)).body;
    const b = (await api().put(`/api/v1/namespaces/${ns}/configmaps/x`).send({ ...a, data: { v: '2' } }).expect(200)).body;
    await api().delete(`/api/v1/namespaces/${ns}/configmaps/x`).expect(200);
    const got = await w.take(3);
    expect(evs(got)).toEqual(['ADDED x', 'MODIFIED x', 'DELETED x']);
    expect(got[0].object).toEqual(a);
    expect(got[1].object).toEqual(b);
    expect(got[1].object.data).toEqual({ v: '2' });
    const rvs = got.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs[0]).toBeLessThan(rvs[1]);
    expect(rvs[1]).toBeLessThan(rvs[2]); // DELETED carries the deletion's revision
    expect(got[2].object.data).toEqual({ v: '2' }); // ... and the last state
  });

  it('other namespaces and kinds are not delivered; all-namespace watches see every namespace', async () => {
    const ns = await freshNS();
    const other = await freshNS();
    const rv = String(emu.store.revision());
    const w = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${rv}`);
    const all = await watch(`/api/v1/configmaps?watch=1&resourceVersion=${rv}`);
    await api().post(`/api/v1/namespaces/${other}/configmaps`).send(cm('elsewhere')).expect(201);
    await api().post(`/api/v1/namespaces/${ns}/secrets`).send({ metadata: { name: 's' } }).expect(201);
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('here')).expect(201);
    expect(evs([await w.next()])).toEqual(['ADDED here']);
    expect(evs(await all.take(2))).toEqual(['ADDED elsewhere', 'ADDED here']);
  });

  it('resuming from a resourceVersion replays only later events', async () => {
    const ns = await freshNS();
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('one')).expect(201);
    const two = (await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('two')).expect(201)).body;
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('three')).expect(201);
    await api().delete(`/api/v1/namespaces/${ns}/configmaps/one`).expect(200);
    const w = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${two.metadata.resourceVersion}`);
    expect(evs(await w.take(2))).toEqual(['ADDED three', 'DELETED one']);
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('four')).expect(201);
    expect(evs([await w.next()])).toEqual(['ADDED four']);
  });

  for (const rv of ['0', '']) {
    it(`resourceVersion=${rv || 'unset'} starts with synthetic ADDED events for existing objects`, async () => {
      const ns = await freshNS();
      await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('a')).expect(201);
      const b = (await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('b')).expect(201)).body;
      await api().put(`/api/v1/namespaces/${ns}/configmaps/b`).send({ ...b, data: { z: '1' } }).expect(200);
      const w = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true${rv ? `&resourceVersion=${rv}` : ''}`);
      const init = await w.take(2);
      expect(evs(init)).toEqual(['ADDED a', 'ADDED b']);
      expect(init[1].object.data).toEqual({ z: '1' });
      await api().delete(`/api/v1/namespaces/${ns}/configmaps/a`).expect(200);
      expect(evs([await w.next()])).toEqual(['DELETED a']);
    });
  }

  it('a label-selector watch turns label changes into ADDED / DELETED', async () => {
    const ns = await freshNS();
    const w = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&labelSelector=app%3Dweb`);
    const o = (await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('l', {}, { app: 'db' })).expect(201)).body;
    const merge = (labels: Record<string, string>) =>
      api().patch(`/api/v1/namespaces/${ns}/configmaps/l`).set('Content-Type', 'application/merge-patch+json').send({ metadata: { labels } }).expect(200);
    await merge({ app: 'web' });
    await merge({ extra: 'x' });
    await merge({ app: 'db' });
    await api().delete(`/api/v1/namespaces/${ns}/configmaps/l`).expect(200);
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('m', {}, { app: 'web' })).expect(201);
    const got = await w.take(4);
    expect(evs(got)).toEqual(['ADDED l', 'MODIFIED l', 'DELETED l', 'ADDED m']);
    expect(got[0].object.metadata.uid).toBe(o.metadata.uid);
    expect(got[2].object.metadata.labels).toEqual({ app: 'db', extra: 'x' }); // the object as it is now
    expect(w.pending()).toEqual([]);
  });

  it('fieldSelector metadata.name watches one object', async () => {
    const ns = await freshNS();
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('target')).expect(201);
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('other')).expect(201);
    const w = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&fieldSelector=metadata.name%3Dtarget&resourceVersion=0`);
    expect(evs([await w.next()])).toEqual(['ADDED target']);
    await api().delete(`/api/v1/namespaces/${ns}/configmaps/other`).expect(200);
    await api().delete(`/api/v1/namespaces/${ns}/configmaps/target`).expect(200);
    expect(evs([await w.next()])).toEqual(['DELETED target']);
    expect(w.pending()).toEqual([]);
  });

  it('legacy /watch/ paths, for a collection and for one name', async () => {
    const ns = await freshNS();
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('a')).expect(201);
    const coll = await watch(`/api/v1/watch/namespaces/${ns}/configmaps`);
    const one = await watch(`/api/v1/watch/namespaces/${ns}/configmaps/b`);
    const cluster = await watch(`/api/v1/watch/namespaces/${ns}`);
    expect(evs([await coll.next()])).toEqual(['ADDED a']);
    expect(evs([await cluster.next()])).toEqual([`ADDED ${ns}`]);
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('b')).expect(201);
    expect(evs([await coll.next()])).toEqual(['ADDED b']);
    expect(evs([await one.next()])).toEqual(['ADDED b']);
    const apps = await watch(`/apis/apps/v1/watch/namespaces/${ns}/statefulsets`);
    expect(apps.status).toBe(200);
  });
});

describe('watch options', () => {
  it('timeoutSeconds ends the stream', async () => {
    const ns = await freshNS();
    const started = Date.now();
    const w = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&timeoutSeconds=1`);
    await w.ended;
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(3000);
    await until(() => emu.watches.count === open.filter((x) => !x.isEnded()).length, 2000, 'watch bookkeeping');
  });

  it('allowWatchBookmarks sends BOOKMARK events with the current resourceVersion', async () => {
    const ns = await freshNS();
    emu.watches.bookmarkIntervalMs = 50;
    try {
      const rv = String(emu.store.revision());
      const w = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`);
      const noBookmarks = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${rv}`);
      const e = await w.next(2000);
      expect(e).toEqual({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: String(emu.store.revision()) } } });
      await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('after')).expect(201);
      expect(evs([await noBookmarks.next()])).toEqual(['ADDED after']);
    } finally {
      emu.watches.bookmarkIntervalMs = 60_000;
    }
  });

  it('sendInitialEvents ends the initial events with a BOOKMARK annotated k8s.io/initial-events-end', async () => {
    const ns = await freshNS();
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('a')).expect(201);
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('b')).expect(201);
    const w = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
    const got = await w.take(3);
    expect(evs(got.slice(0, 2))).toEqual(['ADDED a', 'ADDED b']);
    expect(got[2].type).toBe('BOOKMARK');
    expect(got[2].object).toEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(emu.store.revision()), annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('c')).expect(201);
    expect(evs([await w.next()])).toEqual(['ADDED c']);
  });

  it('sendInitialEvents without NotOlderThan or without bookmarks is 400', async () => {
    const ns = await freshNS();
    const a = await api().get(`/api/v1/namespaces/${ns}/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true`).expect(400);
    expect(a.body.reason).toBe('BadRequest');
    const b = await api().get(`/api/v1/namespaces/${ns}/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`).expect(400);
    expect(b.body.reason).toBe('BadRequest');
  });

  it('a Table watch: only the first event carries columnDefinitions', async () => {
    const ns = await freshNS();
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('a', { k: 'v' })).expect(201);
    const w = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=0`, { Accept: TABLE_ACCEPT });
    const first = await w.next();
    expect(first.type).toBe('ADDED');
    expect(first.object.kind).toBe('Table');
    expect(first.object.apiVersion).toBe('meta.k8s.io/v1');
    expect(first.object.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(first.object.rows).toHaveLength(1);
    expect(first.object.rows[0].cells.slice(0, 2)).toEqual(['a', 1]);
    expect(first.object.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'a', namespace: ns } });
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('b')).expect(201);
    await api().delete(`/api/v1/namespaces/${ns}/configmaps/a`).expect(200);
    const later = await w.take(2);
    expect(later.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
    for (const e of later) {
      expect(e.object.kind).toBe('Table');
      expect(e.object.columnDefinitions ?? null).toBeNull();
      expect(e.object.rows).toHaveLength(1);
    }
    expect(later[1].object.rows[0].cells[0]).toBe('a');
  });
});

describe('410 and stalled watchers', () => {
  it('a compacted resourceVersion gets one ERROR event with a 410 Expired Status, then the stream ends', async () => {
    const small = await startBare({ retentionCount: 3 });
    try {
      const sapi = () => request(small.app.server);
      const first = (await sapi().post('/api/v1/namespaces/default/configmaps').send(cm('g')).expect(201)).body;
      for (let i = 0; i < 10; i++) {
        const cur = (await sapi().get('/api/v1/namespaces/default/configmaps/g').expect(200)).body;
        await sapi().put('/api/v1/namespaces/default/configmaps/g').send({ ...cur, data: { i: String(i) } }).expect(200);
      }
      small.store.compact();
      const rv = first.metadata.resourceVersion;
      expect(Number(rv)).toBeLessThan(small.store.compactRevision());
      const w = await openWatch(small.url, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`);
      expect(w.status).toBe(200);
      const e = await w.next();
      expect(e.type).toBe('ERROR');
      expect(e.object).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 });
      expect(e.object.message).toMatch(new RegExp(`^too old resource version: ${rv} \\(\\d+\\)$`));
      await w.ended;
      // a resourceVersion inside the window still resumes
      const ok = await openWatch(small.url, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${small.store.compactRevision()}`);
      const resumed = await ok.next();
      expect(resumed.type).toBe('MODIFIED');
      ok.close();
    } finally {
      await small.close();
    }
  });

  it('a stalled watcher blocks neither writes nor other watchers, and is dropped once far behind', async () => {
    const ns = await freshNS();
    const rv = String(emu.store.revision());
    const stalled = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${rv}`);
    stalled.res.pause();
    const live = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${rv}`);
    const before = emu.watches.count;
    const def = emu.registry.mustDef('', 'configmaps');
    const payload = 'x'.repeat(64 * 1024);
    const N = 450; // ~29 MiB of events: more than the kernel buffers plus the 16 MiB live-lag bound
    emu.watches.lagGraceMs = 500; // over the bound for this long: dropped
    let received = 0;
    const counting = (async () => {
      for (;;) {
        const e = await live.next(5000);
        if (e.type === 'ADDED') received++;
        if (received === N) return;
      }
    })();
    counting.catch(() => {});
    const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      emu.registry.create(def, ns, cm(`big-${i}`, { payload }));
      // let the sockets move between small batches, as separate HTTP writes would
      if (i % 4 === 3) await new Promise((r) => setImmediate(r));
    }
    expect(Date.now() - t0).toBeLessThan(5000);
    // an HTTP write completes promptly too
    await api().get(`/api/v1/namespaces/${ns}/configmaps/big-0`).expect(200);
    await counting;
    expect(received).toBe(N);
    await until(() => emu.watches.count < before, 5000, 'the stalled watcher to be dropped');
    emu.watches.lagGraceMs = 5000;
  });
});

describe('a watch on a keep-alive connection whose previous response is still going out', () => {
  it('gets its headers first and every event after them', async () => {
    const ns = await freshNS();
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('before')).expect(201);
    const { port, hostname } = new URL(emu.url);
    const sock = (await import('node:net')).connect(Number(port), hostname);
    let data = '';
    sock.on('data', (d: Buffer) => (data += d.toString('latin1')));
    await new Promise((r) => sock.once('connect', r));
    // two pipelined requests in one packet: a write (its answer waits for the commit), then the watch,
    // which Node holds back until the first response has finished
    const body = JSON.stringify(cm('first'));
    sock.write(
      `POST /api/v1/namespaces/${ns}/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
        `GET /api/v1/namespaces/${ns}/configmaps?watch=true HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    await until(() => data.includes('"name":"first"') && (data.match(/HTTP\/1\.1 200/g) ?? []).length === 1, 3000, 'the watch response with the initial events');
    await api().post(`/api/v1/namespaces/${ns}/configmaps`).send(cm('later')).expect(201);
    await until(() => data.includes('"name":"later"'), 3000, 'the live event');
    sock.destroy();
    // the first response, then the watch's status line before any of its chunks
    const second = data.indexOf('HTTP/1.1 200');
    expect(data.indexOf('HTTP/1.1 201')).toBe(0);
    expect(second).toBeGreaterThan(0);
    const stream = data.slice(data.indexOf('\r\n\r\n', second) + 4);
    // de-chunk the body: every event is whole and in order
    let rest = stream;
    let out = '';
    for (;;) {
      const nl = rest.indexOf('\r\n');
      if (nl < 0) break;
      const n = parseInt(rest.slice(0, nl), 16);
      if (!Number.isFinite(n) || rest.length < nl + 2 + n + 2) break;
      out += rest.slice(nl + 2, nl + 2 + n);
      rest = rest.slice(nl + 2 + n + 2);
    }
    const events = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED before', 'ADDED first', 'ADDED later']);
  });
});
