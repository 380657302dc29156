// Large watch backlogs are streamed as the client reads them (flow control), and only lag on live
// events gets a watcher dropped (apiserver pkg/storage/cacher/cache_watcher.go: initial events at
// the client's pace, a watcher whose buffer stays full is terminated).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEmulator } from '../../src/server/app.js';
import { cm, openWatch, until, type WatchStream, startBare } from './util.js';

let emu: KubeEmulator;
const open: WatchStream[] = [];
const N = 250;
const payload = 'x'.repeat(100 * 1024); // 250 x 100 KB: 25 MB of ConfigMaps
let createdRV = 0;

async function watch(path: string): Promise<WatchStream> {
  const w = await openWatch(emu.url, path);
  open.push(w);
  return w;
}

/** Reads events until `n` of the given type arrived; pauses reading for `pauseMs` every `pauseEvery` events. */
async function collect(w: WatchStream, type: string, n: number, slow?: { pauseEvery: number; pauseMs: number }): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  let got = 0;
  let lastRV = 0;
  while (got < n) {
    const e = await w.next(10_000);
    if (e.type !== type) throw new Error(`unexpected ${e.type} event: ${JSON.stringify(e.object).slice(0, 300)}`);
    const rv = Number(e.object.metadata.resourceVersion);
    if (type !== 'ADDED') expect(rv).toBeGreaterThan(lastRV); // the change log replays in order
    lastRV = rv;
    expect(e.object.data.payload.length).toBe(payload.length);
    seen.set(e.object.metadata.name, (seen.get(e.object.metadata.name) ?? 0) + 1);
    got++;
    if (slow && got % slow.pauseEvery === 0) {
      w.res.pause();
      await new Promise((r) => setTimeout(r, slow.pauseMs));
      w.res.resume();
    }
  }
  return seen;
}

const expectEachOnce = (seen: Map<string, number>) => {
  expect(seen.size).toBe(N);
  for (let i = 0; i < N; i++) expect(seen.get(`big-${i}`)).toBe(1);
};

beforeAll(async () => {
  emu = await startBare();
  const def = emu.registry.mustDef('', 'configmaps');
  emu.registry.create(emu.registry.mustDef('', 'namespaces'), '', { metadata: { name: 'bl' } });
  for (let i = 0; i < N; i++) emu.registry.create(def, 'bl', cm(`big-${i}`, { payload }));
  createdRV = emu.store.revision();
  // a lower live-lag bound than the default: the backlogs here are far bigger than it, and must not count
  emu.watches.maxLagBytes = 2 * 1024 * 1024;
  emu.watches.lagGraceMs = 300;
});
afterAll(async () => {
  for (const w of open) w.close();
  await emu.close();
});

describe('a 25 MB watch backlog is read completely', () => {
  for (const rv of ['0', '']) {
    it(`initial events (resourceVersion=${rv || 'unset'}), a client reading as fast as it can, then live events`, async () => {
      const w = await watch(`/api/v1/namespaces/bl/configmaps?watch=true${rv ? `&resourceVersion=${rv}` : ''}`);
      expectEachOnce(await collect(w, 'ADDED', N));
      expect(w.isEnded()).toBe(false);
      emu.registry.create(emu.registry.mustDef('', 'configmaps'), 'bl', cm(`live-${rv || 'unset'}`));
      const e = await w.next();
      expect(`${e.type} ${e.object.metadata.name}`).toBe(`ADDED live-${rv || 'unset'}`);
      w.close();
      emu.registry.delete(emu.registry.mustDef('', 'configmaps'), 'bl', `live-${rv || 'unset'}`);
    });
  }

  it('initial events to a slow client that pauses reading now and then (longer than the live-lag grace)', async () => {
    const w = await watch('/api/v1/namespaces/bl/configmaps?watch=true');
    expectEachOnce(await collect(w, 'ADDED', N, { pauseEvery: 60, pauseMs: 500 }));
    w.close();
  });

  it('sendInitialEvents: every object, then the initial-events-end bookmark', async () => {
    const w = await watch('/api/v1/namespaces/bl/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
    const seen = await collect(w, 'ADDED', N);
    const end = await w.next();
    expect(end.type).toBe('BOOKMARK');
    expect(end.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(seen.size).toBe(N);
    w.close();
  });

  describe('resuming from an old resourceVersion after 25 MB of updates', () => {
    let from = 0;
    beforeAll(() => {
      from = emu.store.revision();
      const def = emu.registry.mustDef('', 'configmaps');
      for (let i = 0; i < N; i++) {
        const cur = emu.registry.get(def, 'bl', `big-${i}`) as any;
        emu.registry.update(def, 'bl', `big-${i}`, { ...cur, data: { payload, n: '1' } });
      }
    });

    it('a client reading as fast as it can gets every change once, in order', async () => {
      expect(from).toBeGreaterThanOrEqual(createdRV);
      const w = await watch(`/api/v1/namespaces/bl/configmaps?watch=true&resourceVersion=${from}`);
      expectEachOnce(await collect(w, 'MODIFIED', N));
      emu.registry.create(emu.registry.mustDef('', 'configmaps'), 'bl', cm('after-resume'));
      const e = await w.next();
      expect(`${e.type} ${e.object.metadata.name}`).toBe('ADDED after-resume');
      w.close();
      emu.registry.delete(emu.registry.mustDef('', 'configmaps'), 'bl', 'after-resume');
    });

    it('a slow client gets every change too', async () => {
      const w = await watch(`/api/v1/namespaces/bl/configmaps?watch=true&resourceVersion=${from}`);
      expectEachOnce(await collect(w, 'MODIFIED', N, { pauseEvery: 80, pauseMs: 500 }));
      w.close();
    });
  });
});

describe('live lag', () => {
  it('a watcher that stops reading live events is dropped; the others get every event', async () => {
    const def = emu.registry.mustDef('', 'configmaps');
    emu.registry.create(emu.registry.mustDef('', 'namespaces'), '', { metadata: { name: 'lag' } });
    const rv = String(emu.store.revision());
    const stalled = await watch(`/api/v1/namespaces/lag/configmaps?watch=true&resourceVersion=${rv}`);
    stalled.res.pause();
    const live = await watch(`/api/v1/namespaces/lag/configmaps?watch=true&resourceVersion=${rv}`);
    const before = emu.watches.count;
    const M = 200; // 20 MB of live events: far past the 2 MB bound (and the kernel's buffers)
    let received = 0;
    const counting = (async () => {
      while (received < M) if ((await live.next(10_000)).type === 'ADDED') received++;
    })();
    counting.catch(() => {});
    for (let i = 0; i < M; i++) {
      emu.registry.create(def, 'lag', cm(`live-${i}`, { payload }));
      if (i % 4 === 3) await new Promise((r) => setImmediate(r));
    }
    await counting;
    expect(received).toBe(M);
    await until(() => emu.watches.count === before - 1, 5000, 'the stalled watcher to be dropped');
    // the one that kept reading is still open and still served
    emu.registry.create(def, 'lag', cm('after'));
    expect((await live.next()).object.metadata.name).toBe('after');
  });
});

describe('compaction passing a replay that is still going out', () => {
  it('ends the watch with an ERROR event holding a 410 Expired Status, as for a compacted resourceVersion', async () => {
    const small = await startBare({ retentionCount: 10 });
    try {
      const def = small.registry.mustDef('', 'configmaps');
      small.registry.create(small.registry.mustDef('', 'namespaces'), '', { metadata: { name: 'cp' } });
      for (let i = 0; i < N; i++) small.registry.create(def, 'cp', cm(`big-${i}`, { payload }));
      const from = small.store.revision();
      for (let i = 0; i < N; i++) small.registry.update(def, 'cp', `big-${i}`, { ...(small.registry.get(def, 'cp', `big-${i}`) as any), data: { payload, n: '1' } });
      const w = await openWatch(small.url, `/api/v1/namespaces/cp/configmaps?watch=true&resourceVersion=${from}`);
      w.res.pause(); // the replay stops at what the socket holds
      await new Promise((r) => setTimeout(r, 100));
      await small.store.compact();
      expect(small.store.compactRevision()).toBeGreaterThan(from);
      w.res.resume();
      let modified = 0;
      let last: any;
      for (;;) {
        last = await w.next(10_000);
        if (last.type !== 'MODIFIED') break;
        modified++;
      }
      expect(modified).toBeLessThan(N);
      expect(last.type).toBe('ERROR');
      expect(last.object).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 });
      expect(last.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
      await w.ended;
    } finally {
      await small.close();
    }
  });
});
