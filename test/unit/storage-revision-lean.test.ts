// The store's write path: the revision without a meta write per commit, and the layout from
// VALUE_IN_EVENTS_SCHEMA on (objects.value empty, the state read from the change log).
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENTS_ONLY_SCHEMA, ObjectStore, VALUE_IN_EVENTS_SCHEMA, type StoreOptions } from '../../src/storage/store.js';
import { loadMigrations, type Migration } from '../../src/storage/migrations.js';

const dirs: string[] = [];
const stores: ObjectStore[] = [];
const attrs = (_r: string, o: any) => ({ labels: o?.metadata?.labels ?? {}, fields: { 'metadata.name': o?.metadata?.name ?? '' } });
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kube-emu-lean-'));
  dirs.push(d);
  return d;
}
function open(o: Partial<StoreOptions>): ObjectStore {
  const s = new ObjectStore({ attrs, compactIntervalMs: 0, ...o });
  stores.push(s);
  return s;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const key = (name: string) => `/core/configmaps/default/${name}`;
const obj = (name: string, v = '') => ({ kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v } });
/** The first schema only: values in objects. */
const v1Migrations = (): Migration[] => loadMigrations().filter((m) => m.version < VALUE_IN_EVENTS_SCHEMA);
const leanMigrations = (): Migration[] => {
  const ms = loadMigrations().filter((m) => m.version < VALUE_IN_EVENTS_SCHEMA);
  return [...ms, { version: VALUE_IN_EVENTS_SCHEMA, name: '002_test_value_in_events.sql', sql: 'SELECT 1;' }];
};

function writeSome(s: ObjectStore): void {
  s.put(key('a'), obj('a', '1'), 0);
  s.put(key('b'), obj('b'), 0);
  s.put(key('a'), obj('a', '2'));
  s.put(key('c'), obj('c'), 0);
  s.remove(key('b'));
}

describe('revision', () => {
  it('survives a crash (no close): taken from the change log', () => {
    const dir = tmp();
    const s = new ObjectStore({ attrs, compactIntervalMs: 0, dataDir: dir });
    writeSome(s);
    s.commitNow(); // what the HTTP layer waits for before it answers (group commit)
    const rev = s.revision();
    // a second connection sees what a restart after kill -9 would: meta.revision is behind
    const peek = new Database(join(dir, 'kube-emulator.db'), { readonly: true });
    expect((peek.prepare("SELECT v FROM meta WHERE k = 'revision'").get() as { v: number }).v).toBeLessThan(rev);
    peek.close();
    const t = open({ dataDir: dir });
    expect(t.revision()).toBe(rev);
    s.close();
  });

  it('is recorded on close and when compaction removes the newest change', async () => {
    const dir = tmp();
    const s = open({ dataDir: dir, retentionCount: 0 });
    writeSome(s);
    s.remove(key('c')); // the newest change is a DELETED: compaction drops it
    const rev = s.revision();
    await s.compact();
    expect((s.db.prepare('SELECT max(rv) AS rv FROM events').get() as { rv: number }).rv).toBeLessThan(rev);
    expect((s.db.prepare("SELECT v FROM meta WHERE k = 'revision'").get() as { v: number }).v).toBe(rev);
    s.close();
    const t = open({ dataDir: dir });
    expect(t.revision()).toBe(rev);
    expect(t.put(key('d'), obj('d'), 0).rv).toBe(rev + 1);
  });
});

describe(`schema ${VALUE_IN_EVENTS_SCHEMA}: objects.value is not written`, () => {
  it('stores the JSON once and reloads the state from the change log, after compaction too', async () => {
    const dir = tmp();
    const s = open({ dataDir: dir, retentionCount: 1, migrations: leanMigrations() });
    writeSome(s);
    const values = s.db.prepare('SELECT value FROM objects').all() as { value: string }[];
    expect(values.map((r) => r.value)).toEqual(['', '']);
    expect(JSON.parse(s.get(key('a'))!.json).data.v).toBe('2');
    await s.compact();
    const rev = s.revision();
    s.close();
    const t = open({ dataDir: dir, migrations: leanMigrations() });
    expect(t.revision()).toBe(rev);
    const list = t.list('core/configmaps');
    expect(list.map((e) => [e.name, JSON.parse(e.json).data.v, e.rv, JSON.parse(e.json).metadata.resourceVersion])).toEqual([
      ['a', '2', list[0].rv, String(list[0].rv)],
      ['c', '', list[1].rv, String(list[1].rv)],
    ]);
    expect(list[0].attrs.fields['metadata.name']).toBe('a');
    expect(t.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('reads a database written before it (values in objects) and continues it', () => {
    const dir = tmp();
    const s = open({ dataDir: dir, migrations: v1Migrations() });
    writeSome(s);
    s.close();
    const t = open({ dataDir: dir, migrations: leanMigrations() });
    expect(t.list('core/configmaps').map((e) => `${e.name}:${JSON.parse(e.json).data.v}`)).toEqual(['a:2', 'c:']);
    t.put(key('a'), obj('a', '3'));
    t.close();
    const u = open({ dataDir: dir, migrations: leanMigrations() });
    expect(u.list('core/configmaps').map((e) => `${e.name}:${JSON.parse(e.json).data.v}`)).toEqual(['a:3', 'c:']);
  });
});

describe(`schema ${EVENTS_ONLY_SCHEMA}: no objects table, one events row per write`, () => {
  it.each([
    ['values in objects', v1Migrations],
    ['values in events', leanMigrations],
  ])('a database with %s is migrated with its state, and continues', (_what, migrations) => {
    const dir = tmp();
    const s = open({ dataDir: dir, migrations: migrations() });
    writeSome(s);
    s.remove(key('c'));
    s.put(key('c'), obj('c', 'again'), 0);
    const rev = s.revision();
    s.close();
    const t = open({ dataDir: dir });
    expect(t.revision()).toBe(rev);
    const tables = (t.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    expect(tables).not.toContain('objects');
    const state = (x: ObjectStore) => x.list('core/configmaps').map((e) => `${e.name}:${JSON.parse(e.json).data.v}@${e.rv}`);
    const before = state(t);
    expect(before.map((x) => x.split('@')[0])).toEqual(['a:2', 'c:again']);
    t.put(key('a'), obj('a', '3'));
    t.remove(key('c'));
    t.commitNow();
    const rows = t.db.prepare('SELECT count(*) AS n FROM events WHERE rv > ?').get(rev) as { n: number };
    expect(rows.n).toBe(2); // one row per write
    t.close();
    const u = open({ dataDir: dir });
    expect(state(u).map((x) => x.split('@')[0])).toEqual(['a:3']);
    expect(u.revision()).toBe(rev + 2);
    expect(u.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('after compaction the newest row of every live key is still there to load', async () => {
    const dir = tmp();
    const s = open({ dataDir: dir, retentionCount: 0 });
    writeSome(s);
    s.put(key('a'), obj('a', '9'));
    await s.compact();
    const rev = s.revision();
    s.close();
    const t = open({ dataDir: dir });
    expect(t.list('core/configmaps').map((e) => `${e.name}:${JSON.parse(e.json).data.v}`)).toEqual(['a:9', 'c:']);
    expect(t.revision()).toBe(rev);
  });
});
