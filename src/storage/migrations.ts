import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { packageRoot } from '../util/paths.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** migrations/NNN_name.sql, in order. */
export function loadMigrations(dir = join(packageRoot(), 'migrations')): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.*\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}

export class SchemaTooNewError extends Error {}

/** Applies the migrations not yet recorded in schema_version; refuses a database newer than the code. */
export function migrate(db: Database.Database, migrations = loadMigrations()): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
  const current = row.v ?? 0;
  const known = migrations.length ? migrations[migrations.length - 1].version : 0;
  if (current > known) {
    throw new SchemaTooNewError(
      `the database schema is at version ${current}, newer than this kube-emulator knows (${known}): ` +
        'use a newer kube-emulator or another --data-dir',
    );
  }
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    })();
  }
  return Math.max(current, known);
}
