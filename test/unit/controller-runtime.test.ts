// The shared controller runtime: the clock, informers with indexes over the registry's
// list+watch, owned-object event mapping, claiming, expectations and template hashes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, testControllerOptions } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import {
  FakeClock,
  realClock,
  ControllerExpectations,
  UIDTrackingExpectations,
  EXPECTATIONS_TIMEOUT_MS,
  InformerFactory,
  claimObjects,
  computeTemplateHash,
  defineController,
  recheckDeletionTimestamp,
  newControllerRef,
  isPodAvailable,
  rfc3339,
} from '../../src/controllers/runtime/index.js';
import { labelSelectorFromObject } from '../../src/registry/selectors.js';
import type { KObject } from '../../src/resources/types.js';

let emu: KubeEmulator;
const def = (g: string, p: string) => emu.registry.mustDef(g, p);
beforeAll(async () => {
  emu = await startServer({ controllers: [] });
});
afterAll(async () => {
  await emu.close();
});

const cm = (name: string, labels: Record<string, string> = {}, owners?: KObject[]): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels, ...(owners ? { ownerReferences: owners } : {}) },
});

describe('FakeClock', () => {
  it('runs due timers in time order at their own time, and none early', () => {
    const c = new FakeClock(1_000_000);
    const seen: [string, number][] = [];
    c.setTimeout(() => seen.push(['b', c.now()]), 200);
    c.setTimeout(() => seen.push(['a', c.now()]), 100);
    const t = c.setTimeout(() => seen.push(['x', c.now()]), 150);
    c.clearTimeout(t);
    c.advance(99);
    expect(seen).toEqual([]);
    c.advance(200);
    expect(seen).toEqual([
      ['a', 1_000_100],
      ['b', 1_000_200],
    ]);
    expect(c.now()).toBe(1_000_299);
  });
  it('the real clock waits out a delay longer than a Node timer takes instead of firing at once', async () => {
    let fired = false;
    const t = realClock.setTimeout(() => (fired = true), 2 ** 32);
    const soon = realClock.setTimeout(() => undefined, 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toBe(false);
    realClock.clearTimeout(t);
    realClock.clearTimeout(soon);
  });
  it('formats times as metav1.Time does', () => {
    expect(rfc3339(Date.parse('2026-01-01T10:00:00.999Z'))).toBe('2026-01-01T10:00:00Z');
  });
});

describe('informers', () => {
  it('list then watch through the registry, indexed by namespace and owner uid', () => {
    const cmDef = def('', 'configmaps');
    emu.registry.create(cmDef, 'default', cm('inf-a', {}, [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'owner-1' }]));
    const f = new InformerFactory(emu.registry);
    const inf = f.for('', 'configmaps');
    expect(inf.isSynced).toBe(true);
    expect(inf.byOwner('owner-1').map((o) => o.metadata.name)).toEqual(['inf-a']);
    const events: string[] = [];
    inf.addHandler({ update: (_o, n) => events.push(`update ${n.metadata.name}`), delete: (o) => events.push(`delete ${o.metadata.name}`) });
    inf.addIndex('app', (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []));
    emu.registry.create(cmDef, 'default', cm('inf-b', { app: 'web' }, [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'owner-1' }]));
    expect(inf.byIndex('app', 'web').map((o) => o.metadata.name)).toEqual(['inf-b']);
    // an owner reference removed moves the object out of the owner index
    emu.registry.modify(cmDef, 'default', 'inf-a', (o) => void delete o.metadata.ownerReferences);
    expect(inf.byOwner('owner-1').map((o) => o.metadata.name)).toEqual(['inf-b']);
    emu.registry.delete(cmDef, 'default', 'inf-b');
    expect(inf.byOwner('owner-1')).toEqual([]);
    expect(inf.byIndex('app', 'web')).toEqual([]);
    expect(events).toEqual(['update inf-a', 'delete inf-b']);
    f.stop();
    emu.registry.delete(cmDef, 'default', 'inf-a');
    expect(inf.get('default', 'inf-a')).toBeDefined(); // stopped: no longer fed
  });

  it('accept an asynchronous ListWatch (a remote source) and sync when its list arrives', async () => {
    let push: ((t: 'ADDED' | 'MODIFIED' | 'DELETED', o: KObject) => void) | undefined;
    const f = new InformerFactory(emu.registry, () => ({
      list: async () => ({ items: [cm('remote-1')], resourceVersion: '5' }),
      watch: (rv, on) => {
        expect(rv).toBe('5');
        push = on;
        return () => (push = undefined);
      },
    }));
    const inf = f.for('', 'configmaps');
    expect(inf.isSynced).toBe(false);
    await inf.synced;
    expect(inf.list('').length + inf.list(undefined).length).toBeGreaterThan(0);
    push!('ADDED', { ...cm('remote-2'), metadata: { name: 'remote-2', namespace: 'x' } });
    expect(inf.list('x').map((o) => o.metadata.name)).toEqual(['remote-2']);
    f.stop();
    expect(push).toBeUndefined();
  });
});

describe('defineController', () => {
  it('maps owned objects to their controller, orphans to matching owners, and requeues on its clock', async () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const ctl = defineController({
      name: 'cm-owner',
      primary: { group: '', plural: 'services' },
      owns: [{ group: '', plural: 'configmaps' }],
      selector: (svc) => labelSelectorFromObject({ matchLabels: svc.spec?.selector ?? {} }),
      reconcile: (key) => {
        seen.push(key);
        return key === 'rt/s1' && seen.filter((k) => k === key).length === 1 ? { requeueAfterMs: 60_000 } : undefined;
      },
    });
    const mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions({ clock }), [ctl]);
    const nsDef = def('', 'namespaces');
    emu.registry.create(nsDef, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rt' } });
    const s1 = emu.registry.create(def('', 'services'), 'rt', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's1' }, spec: { selector: { app: 'a' }, ports: [{ port: 80 }] } }).object;
    emu.registry.create(def('', 'services'), 'rt', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's2' }, spec: { selector: { app: 'b' }, ports: [{ port: 80 }] } });
    mgr.start(['*']);
    await mgr.settled();
    expect(seen.filter((k) => k.startsWith('rt/')).sort()).toEqual(['rt/s1', 'rt/s2']);
    seen.length = 0;
    // an orphan enqueues the owners whose selector matches it
    emu.registry.create(def('', 'configmaps'), 'rt', cm('orphan', { app: 'b' }));
    await mgr.settled();
    expect(seen).toEqual(['rt/s2']);
    seen.length = 0;
    // an owned one enqueues its controller only, and a stale uid nobody
    emu.registry.create(def('', 'configmaps'), 'rt', cm('owned', { app: 'b' }, [newControllerRef(s1, 'v1', 'Service')]));
    emu.registry.create(def('', 'configmaps'), 'rt', cm('stale', { app: 'zzz' }, [{ ...newControllerRef(s1, 'v1', 'Service'), uid: 'other' }]));
    await mgr.settled();
    expect(seen).toEqual(['rt/s1']);
    seen.length = 0;
    // the requeue of s1's first reconcile runs when its clock says so
    clock.advance(59_000);
    await mgr.settled();
    expect(seen).toEqual([]);
    clock.advance(1_000);
    await mgr.settled();
    expect(seen).toEqual(['rt/s1']);
    mgr.stop();
  });
});

describe('claimObjects', () => {
  it('adopts matching orphans, releases owned non-matching objects and leaves others alone', () => {
    const cmDef = def('', 'configmaps');
    const svcDef = def('', 'services');
    const owner = emu.registry.create(svcDef, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'claimer' }, spec: { ports: [{ port: 80 }] } }).object;
    const ref = newControllerRef(owner, 'v1', 'Service');
    emu.registry.create(cmDef, 'default', cm('c-orphan', { app: 'x' }));
    emu.registry.create(cmDef, 'default', cm('c-mine', { app: 'x' }, [ref]));
    emu.registry.create(cmDef, 'default', cm('c-mine-moved', { app: 'y' }, [ref]));
    emu.registry.create(cmDef, 'default', cm('c-theirs', { app: 'x' }, [{ ...ref, uid: 'someone-else' }]));
    const candidates = emu.registry.list(cmDef, 'default').items.filter((o: KObject) => o.metadata.name.startsWith('c-'));
    const claimed = claimObjects({
      registry: emu.registry,
      def: cmDef,
      owner,
      ownerApiVersion: 'v1',
      ownerKind: 'Service',
      selector: labelSelectorFromObject({ matchLabels: { app: 'x' } }),
      candidates,
      canAdopt: recheckDeletionTimestamp(emu.registry, svcDef, owner),
    });
    expect((claimed as { metadata: { name: string } }[]).map((o) => o.metadata.name).sort()).toEqual(['c-mine', 'c-orphan']);
    const refs = (n: string) => emu.registry.get(cmDef, 'default', n).metadata.ownerReferences;
    expect(refs('c-orphan')).toEqual([ref]);
    expect(refs('c-mine-moved')).toBeUndefined();
    expect(refs('c-theirs')[0].uid).toBe('someone-else');
  });

  it('refuses to adopt for an owner that is gone (a fresh read, not the cache)', () => {
    const svcDef = def('', 'services');
    const owner = emu.registry.create(svcDef, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'goner' }, spec: { ports: [{ port: 80 }] } }).object;
    emu.registry.delete(svcDef, 'default', 'goner');
    expect(() => recheckDeletionTimestamp(emu.registry, svcDef, owner)()).toThrow(/not found/);
  });
});

describe('expectations', () => {
  it('are satisfied once observed, or after five minutes', () => {
    const clock = new FakeClock();
    const e = new ControllerExpectations(clock);
    expect(e.satisfiedExpectations('k')).toBe(true);
    e.expectCreations('k', 2);
    e.creationObserved('k');
    expect(e.satisfiedExpectations('k')).toBe(false);
    e.creationObserved('k');
    expect(e.satisfiedExpectations('k')).toBe(true);
    e.expectDeletions('k', 1);
    clock.advance(EXPECTATIONS_TIMEOUT_MS + 1);
    expect(e.satisfiedExpectations('k')).toBe(true);
  });
  it('count a tracked uid once', () => {
    const e = new UIDTrackingExpectations(new FakeClock());
    e.expectDeletions('k', ['u1', 'u2']);
    e.deletionObserved('k', 'u1');
    e.deletionObserved('k', 'u1');
    expect(e.satisfiedExpectations('k')).toBe(false);
    e.deletionObserved('k', 'u2');
    expect(e.satisfiedExpectations('k')).toBe(true);
  });
});

describe('helpers', () => {
  it('hash the same template the same way, and a collision count changes it', () => {
    const t = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const same = { spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { app: 'web' } } };
    const h = computeTemplateHash(t);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(computeTemplateHash(same)).toBe(h);
    expect(computeTemplateHash(t, 1)).not.toBe(h);
    expect(computeTemplateHash({ ...t, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } })).not.toBe(h);
  });
  it('judge availability by the Ready transition time', () => {
    const now = Date.parse('2026-01-01T00:01:00Z');
    const pod = { status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:50Z' }] } };
    expect(isPodAvailable(pod, 0, now)).toBe(true);
    expect(isPodAvailable(pod, 5, now)).toBe(true);
    expect(isPodAvailable(pod, 10, now)).toBe(false);
  });
});

describe('a remote source', () => {
  it('feeds an informer over HTTP list+watch, and a controller on it sees what another client writes', async () => {
    const { httpListWatch } = await import('../../src/controllers/remote-listwatch.js');
    const f = new InformerFactory(emu.registry, (d) => httpListWatch(d, { server: emu.url, retryMs: 20 }));
    const cmDef = def('', 'configmaps');
    emu.registry.create(cmDef, 'default', cm('remote-before', { via: 'http' }));
    const inf = f.for('', 'configmaps');
    await inf.synced;
    expect(inf.get('default', 'remote-before')?.metadata.labels).toEqual({ via: 'http' });
    const events: string[] = [];
    inf.addHandler({ add: (o) => events.push(`add ${o.metadata.name}`), update: (_o, n) => events.push(`update ${n.metadata.name}`), delete: (o) => events.push(`delete ${o.metadata.name}`) });
    events.length = 0;
    const wait = async (pred: () => boolean) => {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(pred()).toBe(true);
    };
    emu.registry.create(cmDef, 'default', cm('remote-after'));
    emu.registry.modify(cmDef, 'default', 'remote-after', (o) => void (o.data = { x: '1' }));
    emu.registry.delete(cmDef, 'default', 'remote-before');
    await wait(() => events.length >= 3);
    expect(events).toEqual(['add remote-after', 'update remote-after', 'delete remote-before']);
    expect(inf.get('default', 'remote-after')?.data).toEqual({ x: '1' });
    f.stop();
  });
});
