// The revisioned object store: revisions, preconditions, the change log, reading the past,
// compaction and persistence across reopen.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { WAL_SIZE_LIMIT } from '../../src/storage/checkpoint.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyExistsError, KeyNotFoundError, ObjectStore, RevisionMismatchError, TooOldResourceVersionError, type Change } from '../../src/storage/store.js';
import Database from 'better-sqlite3';

const attrs = (_r: string, o: any) => ({ labels: o?.metadata?.labels ?? {}, fields: { 'metadata.name': o?.metadata?.name ?? '' } });
const stores: ObjectStore[] = [];
const dirs: string[] = [];

function open(opts: Partial<ConstructorParameters<typeof ObjectStore>[0]> = {}): ObjectStore {
  const s = new ObjectStore({ attrs, compactIntervalMs: 0, ...opts });
  stores.push(s);
  return s;
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kube-emu-store-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const key = (name: string, ns = 'default', res = 'core/configmaps') => `/${res}/${ns}/${name}`;
const obj = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>) => ({
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
  data,
});
const parse = (json: string) => JSON.parse(json);

describe('revisions', () => {
  it('every write takes the next revision and stamps metadata.resourceVersion', () => {
    const s = open();
    const r0 = s.revision();
    const a = s.put(key('a'), obj('a'), 0);
    expect(a.rv).toBe(r0 + 1);
    expect(parse(a.json).metadata.resourceVersion).toBe(String(r0 + 1));
    const b = s.put(key('b'), obj('b'), 0);
    expect(b.rv).toBe(r0 + 2);
    const a2 = s.put(key('a'), obj('a', { x: '1' }), a.rv);
    expect(a2.rv).toBe(r0 + 3);
    const gone = s.remove(key('b'));
    expect(gone.rv).toBe(r0 + 4);
    expect(parse(gone.json).metadata.resourceVersion).toBe(String(r0 + 4));
    expect(s.revision()).toBe(r0 + 4);
    expect(s.get(key('b'))).toBeUndefined();
    expect(s.get(key('a'))!.rv).toBe(r0 + 3);
  });

  it('preconditions: 0 = must not exist, n = must be at revision n', () => {
    const s = open();
    const a = s.put(key('a'), obj('a'), 0);
    expect(() => s.put(key('a'), obj('a'), 0)).toThrow(KeyExistsError);
    expect(() => s.put(key('a'), obj('a'), a.rv + 100)).toThrow(RevisionMismatchError);
    expect(() => s.put(key('zz'), obj('zz'), 5)).toThrow(KeyNotFoundError);
    expect(() => s.remove(key('a'), a.rv + 1)).toThrow(RevisionMismatchError);
    expect(() => s.remove(key('nope'))).toThrow(KeyNotFoundError);
    const rev = s.revision();
    expect(rev).toBe(a.rv); // failed writes take no revision
  });

  it('a no-op update through the registry keeps the resourceVersion (nothing is written)', async () => {
    // the store writes what it is given; skipping unchanged objects is the registry's job
    const { startServer } = await import('../helpers/server.js');
    const emu = await startServer({ controllers: [] });
    try {
      const def = emu.registry.mustDef('', 'configmaps');
      const created = emu.registry.create(def, 'default', obj('same', { a: '1' })).object;
      const rev = emu.store.revision();
      const r = emu.registry.update(def, 'default', 'same', JSON.parse(JSON.stringify(created)));
      expect(r.changed).toBe(false);
      expect(r.object.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
      expect(emu.store.revision()).toBe(rev);
    } finally {
      await emu.close();
    }
  });

  it('subscribers see every change synchronously, with the previous attrs', () => {
    const s = open();
    const seen: Change[] = [];
    const off = s.subscribe((c) => seen.push(c));
    s.put(key('a'), obj('a', {}, { v: '1' }), 0);
    expect(seen).toHaveLength(1);
    s.put(key('a'), obj('a', {}, { v: '2' }));
    s.remove(key('a'));
    expect(seen.map((c) => c.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(seen[0].prevAttrs).toBeUndefined();
    expect(seen[1].prevAttrs!.labels).toEqual({ v: '1' });
    expect(seen[1].entry.attrs.labels).toEqual({ v: '2' });
    expect(seen[2].prevAttrs!.labels).toEqual({ v: '2' });
    off();
    s.put(key('b'), obj('b'), 0);
    expect(seen).toHaveLength(3);
  });

  it('list is sorted by key and scoped by resource and namespace', () => {
    const s = open();
    s.put(key('b'), obj('b'), 0);
    s.put(key('a'), obj('a'), 0);
    s.put(key('c', 'other'), obj('c'), 0);
    s.put(key('x', 'default', 'core/secrets'), obj('x'), 0);
    expect(s.list('core/configmaps').map((e) => e.name)).toEqual(['a', 'b', 'c']);
    expect(s.list('core/configmaps', 'default').map((e) => e.name)).toEqual(['a', 'b']);
    expect(s.list('core/configmaps', 'defaul')).toEqual([]);
    expect(s.count('core/configmaps')).toBe(3);
    expect(s.list('core/secrets').map((e) => e.name)).toEqual(['x']);
  });
});

describe('the change log', () => {
  it('changesSince returns later changes in order, optionally under a prefix', () => {
    const s = open();
    const a = s.put(key('a'), obj('a'), 0);
    s.put(key('b', 'other'), obj('b'), 0);
    s.put(key('a'), obj('a', { v: '2' }));
    s.remove(key('a'));
    const all = s.changesSince(a.rv);
    expect(all.map((c) => `${c.type} ${c.entry.name}`)).toEqual(['ADDED b', 'MODIFIED a', 'DELETED a']);
    expect(all.map((c) => c.rv)).toEqual([a.rv + 1, a.rv + 2, a.rv + 3]);
    const scoped = s.changesSince(a.rv, '/core/configmaps/default/');
    expect(scoped.map((c) => `${c.type} ${c.entry.name}`)).toEqual(['MODIFIED a', 'DELETED a']);
    expect(s.changesSince(s.revision())).toEqual([]);
  });

  it('listAt rebuilds the state at an older revision', () => {
    const s = open();
    const a1 = s.put(key('a'), obj('a', { v: '1' }), 0);
    const b1 = s.put(key('b'), obj('b'), 0);
    s.put(key('a'), obj('a', { v: '2' }));
    s.remove(key('b'));
    s.put(key('c'), obj('c'), 0);
    const atA1 = s.listAt('core/configmaps', a1.rv);
    expect(atA1.map((e) => e.name)).toEqual(['a']);
    expect(parse(atA1[0].json).data).toEqual({ v: '1' });
    const atB1 = s.listAt('core/configmaps', b1.rv, 'default');
    expect(atB1.map((e) => `${e.name}@${e.rv}`)).toEqual([`a@${a1.rv}`, `b@${b1.rv}`]);
    expect(atB1[0].attrs.fields['metadata.name']).toBe('a');
    expect(s.listAt('core/configmaps', s.revision()).map((e) => e.name)).toEqual(['a', 'c']);
    expect(s.listAt('core/configmaps', a1.rv - 1)).toEqual([]);
  });
});

describe('compaction', () => {
  function churn(s: ObjectStore) {
    s.put(key('live'), obj('live', { n: '0' }), 0);
    s.put(key('dead'), obj('dead'), 0);
    for (let i = 1; i <= 10; i++) s.put(key('live'), obj('live', { n: String(i) }));
    s.remove(key('dead'));
    s.put(key('quiet'), obj('quiet'), 0);
    for (let i = 0; i < 5; i++) s.put(key('tail'), obj('tail', { n: String(i) }), i === 0 ? 0 : undefined);
  }
  const count = (s: ObjectStore) => (s.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;

  it('trims the log to the retention count, keeping the newest row of every live key', async () => {
    const s = open({ retentionCount: 3 });
    churn(s);
    const before = count(s);
    const removed = await s.compact();
    expect(removed).toBeGreaterThan(0);
    expect(count(s)).toBe(before - removed);
    const target = s.revision() - 3;
    expect(s.compactRevision()).toBe(target);
    // the state at the compact revision is still readable, and equals the list then
    const at = s.listAt('core/configmaps', target);
    expect(at.map((e) => e.name)).toEqual(['live', 'quiet', 'tail']);
    expect(parse(at[0].json).data).toEqual({ n: '10' });
    // the newest row of each live key survives; the deleted key left nothing at or before target
    const rows = s.db.prepare('SELECT key, rv, type FROM events WHERE rv <= ? ORDER BY rv').all(target) as any[];
    expect(rows.map((r) => r.key.split('/').pop())).toEqual(['live', 'quiet', 'tail']);
    // changes after the compact revision are all kept
    expect(s.changesSince(target).map((c) => c.rv)).toEqual([target + 1, target + 2, target + 3]);
    // current state untouched
    expect(s.list('core/configmaps').map((e) => e.name)).toEqual(['live', 'quiet', 'tail']);
    // compacting again at the same bounds does nothing
    expect(await s.compact()).toBe(0);
  });

  it('older revisions throw TooOldResourceVersionError', async () => {
    const s = open({ retentionCount: 2 });
    churn(s);
    await s.compact();
    const cr = s.compactRevision();
    expect(() => s.changesSince(cr - 1)).toThrow(TooOldResourceVersionError);
    expect(() => s.listAt('core/configmaps', cr - 1)).toThrow(TooOldResourceVersionError);
    try {
      s.changesSince(1);
    } catch (err) {
      expect(err).toBeInstanceOf(TooOldResourceVersionError);
      expect((err as TooOldResourceVersionError).requested).toBe(1);
      expect((err as Error).message).toMatch(/^too old resource version: 1 \(\d+\)$/);
    }
    expect(() => s.changesSince(cr)).not.toThrow();
    expect(() => s.listAt('core/configmaps', cr)).not.toThrow();
  });

  it('age-based retention compacts events older than the age', async () => {
    const s = open({ retentionCount: 1_000_000, retentionAgeMs: 1000 });
    churn(s);
    const rev = s.revision();
    expect(await s.compact(Date.now() + 10_000)).toBeGreaterThan(0);
    expect(s.compactRevision()).toBe(rev);
  });

  it('reclaims space in the database file', async () => {
    const dir = tmp();
    const s = open({ dataDir: dir, retentionCount: 1 });
    const big = 'x'.repeat(20_000);
    s.put(key('k'), obj('k', { big }), 0);
    for (let i = 0; i < 200; i++) s.put(key('k'), obj('k', { big, i: String(i) }));
    s.commitNow();
    s.db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = () => Number(s.db.pragma('page_count', { simple: true }));
    const free = () => Number(s.db.pragma('freelist_count', { simple: true }));
    const before = pages();
    await s.compact();
    s.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(pages()).toBeLessThan(before / 4);
    expect(free()).toBeLessThan(10);
  });
});

describe('compaction in batches', () => {
  const count = (s: ObjectStore) => (s.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  /** 50 keys written 10 times each, 10 of them deleted at the end: 510 rows */
  function history(s: ObjectStore) {
    for (let round = 0; round < 10; round++) for (let k = 0; k < 50; k++) s.put(key(`k${k}`), obj(`k${k}`, { round: String(round) }), round === 0 ? 0 : undefined);
    for (let k = 0; k < 10; k++) s.remove(key(`k${k}`));
  }
  const turn = () => new Promise((r) => setImmediate(r));

  it('removes at most compactBatchRows rows per batch and yields to the event loop before each', async () => {
    const s = open({ retentionCount: 0, compactBatchRows: 25 });
    history(s);
    const before = count(s);
    const target = s.revision();
    const done = s.compact();
    // the compact revision holds at once (reads below it are refused); no row has gone yet
    expect(s.compactRevision()).toBe(target);
    expect(count(s)).toBe(before);
    let finished = false;
    void done.then(() => (finished = true));
    const seen = [before];
    let turns = 0;
    while (!finished) {
      await turn();
      turns++;
      seen.push(count(s));
    }
    const removed = await done;
    expect(removed).toBe(before - 40); // the newest row of each of the 40 live keys stays
    expect(count(s)).toBe(40);
    // every turn of the event loop in between saw at most one more batch
    const steps = seen.slice(1).map((n, i) => seen[i] - n);
    for (const d of steps) expect(d).toBeLessThanOrEqual(25);
    expect(steps.filter((d) => d > 0).length).toBeGreaterThanOrEqual(Math.ceil(removed / 25) - 1);
    expect(turns).toBeGreaterThan(10);
    expect(s.list('core/configmaps').map((e) => parse(e.json).data.round)).toEqual(Array(40).fill('9'));
  });

  it('a second call while one runs joins it; writes and reads go on between the batches', async () => {
    const s = open({ retentionCount: 0, compactBatchRows: 20 });
    history(s);
    const a = s.compact();
    expect(s.compact()).toBe(a);
    await turn();
    await turn();
    const e = s.put(key('during'), obj('during'), 0);
    expect(s.get(key('during'))!.rv).toBe(e.rv);
    await a;
    expect(s.changesSince(s.compactRevision()).map((c) => c.entry.name)).toEqual(['during']);
  });

  it('a kill -9 part-way leaves a consistent log: the same state, the compact revision recorded, no deleted object back', async () => {
    const dir = tmp();
    const s = open({ dataDir: dir, retentionCount: 0, compactBatchRows: 30 });
    history(s);
    const state = (x: ObjectStore) => x.list('core/configmaps').map((e) => `${e.name}@${e.rv}:${parse(e.json).data.round}`);
    const want = state(s);
    const rev = s.revision();
    void s.compact();
    for (let i = 0; i < 6; i++) await turn();
    const left = count(s);
    expect(left).toBeLessThan(510);
    expect(left).toBeGreaterThan(40); // part-way
    // the process dies here: nothing more is written (closing the raw connection writes no bookkeeping)
    s.db.close();
    const t = open({ dataDir: dir, retentionCount: 0, compactBatchRows: 30 });
    expect(t.revision()).toBe(rev);
    expect(t.compactRevision()).toBe(rev);
    expect(state(t)).toEqual(want);
    expect(() => t.changesSince(rev - 1)).toThrow(TooOldResourceVersionError);
    expect(t.listAt('core/configmaps', rev).map((e) => e.name)).toEqual(want.map((w) => w.split('@')[0]));
    // the next compaction (a write later) finishes the trimming
    t.put(key('z'), obj('z'), 0);
    await t.compact();
    expect(count(t)).toBe(41);
    expect(state(t)).toEqual([...want, `z@${rev + 1}:undefined`]);
    expect(t.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

describe('the WAL stays small', () => {
  it('after a burst of writes and a pause, the WAL file is cut back below journal_size_limit', async () => {
    const dir = tmp();
    const s = open({ dataDir: dir });
    const blob = 'w'.repeat(10_000);
    for (let i = 0; i < 2500; i++) {
      s.put(key(`k${i % 50}`), obj(`k${i % 50}`, { blob, i: String(i) }));
      s.commitNow();
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    const wal = () => (existsSync(join(dir, 'kube-emulator.db-wal')) ? statSync(join(dir, 'kube-emulator.db-wal')).size : 0);
    const end = Date.now() + 10_000;
    while (wal() > WAL_SIZE_LIMIT && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(wal()).toBeLessThanOrEqual(WAL_SIZE_LIMIT);
    expect(s.list('core/configmaps')).toHaveLength(50);
  });
});

describe('group commit', () => {
  it('the writes of one turn share a transaction; durable() resolves once they are committed', async () => {
    const dir = tmp();
    const s = open({ dataDir: dir });
    expect(s.durable()).toBeUndefined(); // nothing to wait for
    s.put(key('a'), obj('a'), 0);
    s.put(key('b'), obj('b'), 0);
    const peek = new Database(join(dir, 'kube-emulator.db'), { readonly: true });
    const count = () => (peek.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    expect(count()).toBe(0); // not committed yet: not acknowledged either
    const durable = s.durable();
    expect(durable).toBeInstanceOf(Promise);
    await durable; // the batch commits on the next check phase
    expect(count()).toBe(2);
    expect(s.durable()).toBeUndefined();
    s.put(key('c'), obj('c'), 0);
    s.commitNow(); // watch flushes and compaction commit first
    expect(count()).toBe(3);
    peek.close();
    s.close();
  });

  it('a batch that cannot be committed is fatal: its waiters are rejected, onFatal runs, writes are refused', async () => {
    const fatal: unknown[] = [];
    const s = open({ onFatal: (err) => fatal.push(err) });
    // a deferred foreign key is only checked at COMMIT: the batch's commit fails
    s.db.pragma('foreign_keys = ON');
    s.db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)');
    s.put(key('a'), obj('a'), 0);
    s.db.exec('INSERT INTO child VALUES (42)');
    const durable = s.durable()!;
    expect(() => s.commitNow()).toThrow(/FOREIGN KEY/);
    await expect(durable).rejects.toThrow(/FOREIGN KEY/);
    expect(fatal).toHaveLength(1);
    // embedded (the CLI exits in onFatal), the store takes no more writes
    expect(() => s.put(key('b'), obj('b'), 0)).toThrow(/could not commit earlier writes/);
    expect(s.get(key('b'))).toBeUndefined();
  });

  it('a write whose statement fails leaves the batch and the state as they were', () => {
    const s = open();
    s.put(key('a'), obj('a'), 0);
    s.db.exec('CREATE TRIGGER no_b BEFORE INSERT ON events WHEN NEW.key LIKE \'%/b\' BEGIN SELECT RAISE(ABORT, \'refused\'); END');
    expect(() => s.put(key('b'), obj('b'), 0)).toThrow(/refused/);
    expect(s.get(key('b'))).toBeUndefined();
    s.put(key('c'), obj('c'), 0);
    s.commitNow();
    expect((s.db.prepare('SELECT key FROM events ORDER BY rv').all() as { key: string }[]).map((r) => r.key)).toEqual([key('a'), key('c')]);
  });
});

describe('persistence', () => {
  it('a reopened store has the objects, the revision and the compact revision', async () => {
    const dir = tmp();
    const s = open({ dataDir: dir, retentionCount: 2 });
    s.put(key('a'), obj('a', { v: '1' }), 0);
    s.put(key('b'), obj('b'), 0);
    s.put(key('a'), obj('a', { v: '2' }));
    s.put(key('c'), obj('c'), 0);
    s.remove(key('b'));
    await s.compact();
    const rev = s.revision();
    const cr = s.compactRevision();
    s.close();
    const t = open({ dataDir: dir });
    expect(t.revision()).toBe(rev);
    expect(t.compactRevision()).toBe(cr);
    expect(t.list('core/configmaps').map((e) => `${e.name}:${parse(e.json).data.v ?? ''}`)).toEqual(['a:2', 'c:']);
    const next = t.put(key('d'), obj('d'), 0);
    expect(next.rv).toBe(rev + 1);
    expect(t.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(t.db.pragma('journal_mode', { simple: true })).toBe('wal');
  });
});
