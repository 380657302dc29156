// Schema migrations: applied in order, each once, recorded; a database from a newer
// kube-emulator is refused with a clear message.
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations, migrate, SchemaTooNewError } from '../../src/storage/migrations.js';
import { ObjectStore } from '../../src/storage/store.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kube-emu-mig-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const attrs = () => ({ labels: {}, fields: {} });

describe('migrations', () => {
  it('the shipped migrations are numbered from 001 without gaps', () => {
    const ms = loadMigrations();
    expect(ms.length).toBeGreaterThan(0);
    ms.forEach((m, i) => {
      expect(m.version).toBe(i + 1);
      expect(m.name).toMatch(/^\d{3}_[\w-]+\.sql$/);
    });
  });

  it('loads NNN_*.sql files in order and ignores others', () => {
    const dir = tmp();
    writeFileSync(join(dir, '002_second.sql'), 'CREATE TABLE b (x INTEGER);');
    writeFileSync(join(dir, '001_first.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(dir, '010_tenth.sql'), 'CREATE TABLE c (x INTEGER);');
    writeFileSync(join(dir, 'README.md'), 'not a migration');
    writeFileSync(join(dir, '3_bad.sql'), 'nope');
    const ms = loadMigrations(dir);
    expect(ms.map((m) => [m.version, m.name])).toEqual([
      [1, '001_first.sql'],
      [2, '002_second.sql'],
      [10, '010_tenth.sql'],
    ]);
  });

  it('applies pending migrations in order, records them, and is idempotent', () => {
    const dir = tmp();
    writeFileSync(join(dir, '001_first.sql'), 'CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);');
    // 002 depends on 001 having run first
    writeFileSync(join(dir, '002_second.sql'), 'ALTER TABLE a ADD COLUMN y INTEGER; UPDATE a SET y = x + 1;');
    const db = new Database(':memory:');
    try {
      expect(migrate(db, loadMigrations(dir))).toBe(2);
      expect(db.prepare('SELECT x, y FROM a').get()).toEqual({ x: 1, y: 2 });
      const rows = db.prepare('SELECT version, name, applied_at FROM schema_version ORDER BY version').all() as any[];
      expect(rows.map((r) => [r.version, r.name])).toEqual([
        [1, '001_first.sql'],
        [2, '002_second.sql'],
      ]);
      expect(Number.isNaN(Date.parse(rows[0].applied_at))).toBe(false);
      // again: nothing re-runs (a second INSERT/ALTER would fail or duplicate)
      expect(migrate(db, loadMigrations(dir))).toBe(2);
      expect(db.prepare('SELECT count(*) AS n FROM a').get()).toEqual({ n: 1 });
      expect(db.prepare('SELECT count(*) AS n FROM schema_version').get()).toEqual({ n: 2 });
      // a new migration added later runs alone
      writeFileSync(join(dir, '003_third.sql'), 'INSERT INTO a (x, y) VALUES (5, 6);');
      expect(migrate(db, loadMigrations(dir))).toBe(3);
      expect(db.prepare('SELECT count(*) AS n FROM a').get()).toEqual({ n: 2 });
    } finally {
      db.close();
    }
  });

  it('a failing migration rolls back and is not recorded', () => {
    const dir = tmp();
    writeFileSync(join(dir, '001_first.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(dir, '002_broken.sql'), 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);');
    const db = new Database(':memory:');
    try {
      expect(() => migrate(db, loadMigrations(dir))).toThrow(/nowhere/);
      expect(db.prepare('SELECT max(version) AS v FROM schema_version').get()).toEqual({ v: 1 });
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'b'").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('refuses a database with a newer schema version, with a clear message', () => {
    const data = tmp();
    const first = new ObjectStore({ dataDir: data, attrs, compactIntervalMs: 0 });
    const known = loadMigrations().length;
    first.db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(known + 5, '999_future.sql', new Date().toISOString());
    first.close();
    expect(() => new ObjectStore({ dataDir: data, attrs, compactIntervalMs: 0 })).toThrow(SchemaTooNewError);
    expect(() => new ObjectStore({ dataDir: data, attrs, compactIntervalMs: 0 })).toThrow(
      `the database schema is at version ${known + 5}, newer than this kube-emulator knows (${known}): use a newer kube-emulator or another --data-dir`,
    );
  });

  it('a fresh store database has the shipped schema recorded', () => {
    const data = tmp();
    const s = new ObjectStore({ dataDir: data, attrs, compactIntervalMs: 0 });
    try {
      const v = s.db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number };
      expect(v.v).toBe(loadMigrations().length);
      const tables = (s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as any[]).map((r) => r.name);
      expect(tables).toEqual(expect.arrayContaining(['events', 'meta', 'schema_version']));
      expect(tables).not.toContain('objects'); // 003: a write is one events row
    } finally {
      s.close();
    }
  });
});
