// The revisioned object store: SQLite (better-sqlite3, WAL) is the only place that writes; every
// write takes the next global revision (= metadata.resourceVersion), commits, then updates the
// in-memory current state and notifies subscribers synchronously (kine's design minus polling:
// k3s-io/kine pkg/logstructured/sqllog/sql.go).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { migrate, loadMigrations, type Migration } from './migrations.js';
import { Checkpointer } from './checkpoint.js';
import { stringifyJSON } from '../util/json.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Selectable attributes of an object, computed by the registry (labels + field-selector values). */
export interface Attrs {
  labels: Record<string, string>;
  fields: Record<string, string>;
}

export interface Entry {
  key: string;
  resource: string;
  namespace: string;
  name: string;
  rv: number;
  /** the object as JSON, with metadata.resourceVersion = rv */
  json: string;
  attrs: Attrs;
}

export interface Change {
  type: EventType;
  rv: number;
  entry: Entry;
  /** attrs before the change (MODIFIED, DELETED), so selector watches can turn a change into ADDED/DELETED */
  prevAttrs?: Attrs;
}

export interface StoreOptions {
  /** directory for kube-emulator.db; undefined = in memory */
  dataDir?: string;
  /** watch-log retention: at most this many events ... */
  retentionCount?: number;
  /** ... and none older than this (ms) */
  retentionAgeMs?: number;
  /** how often compaction runs (ms); 0 = never on a timer */
  compactIntervalMs?: number;
  /** change-log rows looked at per compaction batch (one transaction, one turn of the event loop); default 250 */
  compactBatchRows?: number;
  /** computes selectable attributes of a stored object (the registry knows the kinds) */
  attrs: (resource: string, obj: any) => Attrs;
  logger?: Logger;
  /** the schema migrations to apply (default: the shipped ones); for tests */
  migrations?: Migration[];
  /**
   * Called when a batch of writes cannot be committed (see failBatch); the store refuses writes
   * from then on. The CLI exits the process here.
   */
  onFatal?: (err: unknown) => void;
}

/**
 * From this schema version on, objects.value is left empty: the current state of a key is its
 * newest events row (same transaction; compaction always keeps it), so each write stores the JSON
 * once. Older databases keep their values there, and load() reads either.
 */
export const VALUE_IN_EVENTS_SCHEMA = 2;

/** From this schema version on there is no objects table: a write is one events row (see load). */
export const EVENTS_ONLY_SCHEMA = 3;

/** Freed pages given back to the file system per turn of the event loop after a compaction (4 KB each). */
const VACUUM_PAGES = 512;

export class TooOldResourceVersionError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

export class KeyExistsError extends Error {}
export class KeyNotFoundError extends Error {}
export class RevisionMismatchError extends Error {}

function splitKey(key: string): { resource: string; namespace: string; name: string } {
  // /<group>/<plural>/<namespace>/<name>
  const parts = key.split('/');
  return { resource: `${parts[1]}/${parts[2]}`, namespace: parts[3], name: parts.slice(4).join('/') };
}

export class ObjectStore {
  readonly db: Database.Database;
  private rev = 1;
  private compactRev = 0;
  private readonly byResource = new Map<string, Map<string, Entry>>();
  private readonly sorted = new Map<string, string[]>();
  private readonly listeners = new Set<(c: Change) => void>();
  private readonly stmts;
  private compactTimer?: NodeJS.Timeout;
  private readonly checkpointer?: Checkpointer;
  private readonly txInsert: (key: string, resource: string, namespace: string, name: string, rv: number, json: string) => void;
  private readonly txUpdate: (rv: number, json: string, key: string) => void;
  private readonly txDelete: (key: string, rv: number, json: string) => void;
  private readonly retentionCount: number;
  private readonly retentionAgeMs: number;
  private readonly compactBatchRows: number;
  private compacting?: Promise<number>;
  /** objects.value is not written (see VALUE_IN_EVENTS_SCHEMA) */
  private readonly valueInEvents: boolean;
  /** no objects table (see EVENTS_ONLY_SCHEMA) */
  private readonly eventsOnly: boolean;

  constructor(private readonly opts: StoreOptions) {
    let file = ':memory:';
    if (opts.dataDir) {
      mkdirSync(opts.dataDir, { recursive: true });
      file = join(opts.dataDir, 'kube-emulator.db');
    }
    this.db = new Database(file);
    this.db.pragma('auto_vacuum = INCREMENTAL'); // effective on a new database only; lets compaction give space back
    if (opts.dataDir) {
      this.db.pragma('journal_mode = WAL');
      // A commit is in the WAL before the write is acknowledged: it survives kill -9 of this process.
      this.db.pragma('synchronous = NORMAL');
      this.checkpointer = new Checkpointer(this.db, file, 200, opts.logger, () => this.commitNow());
    }
    let version: number;
    try {
      version = migrate(this.db, opts.migrations ?? loadMigrations());
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.valueInEvents = version >= VALUE_IN_EVENTS_SCHEMA;
    this.eventsOnly = version >= EVENTS_ONLY_SCHEMA;
    this.retentionCount = opts.retentionCount ?? 100_000;
    this.retentionAgeMs = opts.retentionAgeMs ?? 60 * 60 * 1000;
    this.compactBatchRows = Math.max(1, opts.compactBatchRows ?? 250);
    // the objects statements of databases before EVENTS_ONLY_SCHEMA (tests run the old layouts)
    const noop = { run: () => undefined } as unknown as Database.Statement;
    const objects = (sql: string) => (this.eventsOnly ? noop : this.db.prepare(sql));
    this.stmts = {
      insertObj: objects('INSERT INTO objects (key, resource, namespace, name, rv, value) VALUES (?, ?, ?, ?, ?, ?)'),
      updateObj: objects('UPDATE objects SET rv = ?, value = ? WHERE key = ?'),
      deleteObj: objects('DELETE FROM objects WHERE key = ?'),
      insertEvent: this.db.prepare('INSERT INTO events (rv, key, type, ts, value) VALUES (?, ?, ?, ?, ?)'),
      setMeta: this.db.prepare('UPDATE meta SET v = ? WHERE k = ?'),
      eventsSince: this.db.prepare('SELECT rv, key, type, value FROM events WHERE rv > ? ORDER BY rv'),
      eventsSinceFor: this.db.prepare('SELECT rv, key, type, value FROM events WHERE rv > ? AND key >= ? AND key < ? ORDER BY rv'),
      page: this.db.prepare('SELECT rv, key, type, value FROM events WHERE rv > ? AND rv <= ? ORDER BY rv LIMIT ?'),
      pageFor: this.db.prepare('SELECT rv, key, type, value FROM events WHERE rv > ? AND rv <= ? AND key >= ? AND key < ? ORDER BY rv LIMIT ?'),
      stateAt: this.db.prepare('SELECT rv, type, value FROM events WHERE key = ? AND rv <= ? ORDER BY rv DESC LIMIT 1'),
      begin: this.db.prepare('BEGIN'),
      commit: this.db.prepare('COMMIT'),
    };
    // Group commit: the writes of one turn of the event loop share a transaction, committed on the
    // next check phase (setImmediate) or sooner when someone needs them durable (durable(),
    // commitNow()). Nothing is acknowledged before its commit: the HTTP layer waits for durable()
    // before any response leaves, and watch batches commit before they are written. A write does
    // not update meta.revision: every revision is an events row, and the change log's newest rv is
    // the revision (see load); meta.revision is brought up to date by compaction and on close.
    const s = this.stmts;
    const lean = this.valueInEvents;
    // each write is its own savepoint inside the batch (better-sqlite3 nests db.transaction() as
    // a SAVEPOINT when a transaction is open): a write whose second statement fails leaves nothing
    const insert = this.db.transaction((key: string, resource: string, namespace: string, name: string, rv: number, json: string) => {
      s.insertObj.run(key, resource, namespace, name, rv, lean ? '' : json);
      s.insertEvent.run(rv, key, 'ADDED', Date.now(), json);
    });
    const insertOnly = (key: string, _resource: string, _namespace: string, _name: string, rv: number, json: string) => {
      s.insertEvent.run(rv, key, 'ADDED', Date.now(), json);
    };
    const update = this.db.transaction((rv: number, json: string, key: string) => {
      s.updateObj.run(rv, lean ? '' : json, key);
      s.insertEvent.run(rv, key, 'MODIFIED', Date.now(), json);
    });
    const del = this.db.transaction((key: string, rv: number, json: string) => {
      s.deleteObj.run(key);
      s.insertEvent.run(rv, key, 'DELETED', Date.now(), json);
    });
    if (this.eventsOnly) {
      // one statement per write: no savepoint needed, a failed INSERT leaves nothing behind
      this.txInsert = (key, resource, namespace, name, rv, json) => this.inBatch(() => insertOnly(key, resource, namespace, name, rv, json));
      this.txUpdate = (rv, json, key) => this.inBatch(() => s.insertEvent.run(rv, key, 'MODIFIED', Date.now(), json));
      this.txDelete = (key, rv, json) => this.inBatch(() => s.insertEvent.run(rv, key, 'DELETED', Date.now(), json));
    } else {
      this.txInsert = (key, resource, namespace, name, rv, json) => this.inBatch(() => insert(key, resource, namespace, name, rv, json));
      this.txUpdate = (rv, json, key) => this.inBatch(() => update(rv, json, key));
      this.txDelete = (key, rv, json) => this.inBatch(() => del(key, rv, json));
    }
    this.load();
    const every = opts.compactIntervalMs ?? 60_000;
    if (every > 0) {
      this.compactTimer = setInterval(() => void this.compact(), every);
      this.compactTimer.unref();
    }
  }

  private load(): void {
    const meta = this.db.prepare('SELECT k, v FROM meta').all() as { k: string; v: number }[];
    for (const m of meta) {
      if (m.k === 'revision') this.rev = m.v;
      if (m.k === 'compact_revision') this.compactRev = m.v;
    }
    // the newest logged change (writes leave meta.revision behind until compaction or close)
    const last = this.db.prepare('SELECT max(rv) AS rv FROM events').get() as { rv: number | null };
    if (last.rv !== null && last.rv > this.rev) this.rev = last.rv;
    if (this.eventsOnly) {
      // the newest row of every key (SQLite takes bare columns from the row max() picked), unless a DELETED
      const rows = this.db.prepare('SELECT key, max(rv) AS rv, type, value FROM events GROUP BY key').iterate() as Iterable<any>;
      for (const r of rows) {
        if (r.type === 'DELETED') continue;
        const { resource, namespace, name } = splitKey(r.key);
        this.mapFor(resource).set(r.key, { key: r.key, resource, namespace, name, rv: r.rv, json: r.value, attrs: this.opts.attrs(resource, JSON.parse(r.value)) });
      }
      return;
    }
    // an empty objects.value (VALUE_IN_EVENTS_SCHEMA) is the events row at the object's revision
    const rows = this.db
      .prepare(
        `SELECT o.key AS key, o.resource AS resource, o.namespace AS namespace, o.name AS name, o.rv AS rv,
                CASE WHEN o.value <> '' THEN o.value ELSE e.value END AS value
           FROM objects o LEFT JOIN events e ON e.rv = o.rv`,
      )
      .iterate() as Iterable<any>;
    for (const r of rows) {
      if (typeof r.value !== 'string') {
        this.opts.logger?.error({ key: r.key, rv: r.rv }, 'stored object without its change-log row: skipped');
        continue;
      }
      const entry: Entry = {
        key: r.key,
        resource: r.resource,
        namespace: r.namespace,
        name: r.name,
        rv: r.rv,
        json: r.value,
        attrs: this.opts.attrs(r.resource, JSON.parse(r.value)),
      };
      this.mapFor(r.resource).set(r.key, entry);
    }
  }

  private mapFor(resource: string): Map<string, Entry> {
    let m = this.byResource.get(resource);
    if (!m) this.byResource.set(resource, (m = new Map()));
    return m;
  }

  /** The newest revision handed out. */
  revision(): number {
    return this.rev;
  }

  /** The oldest revision a watch or a continued list may start from. */
  compactRevision(): number {
    return this.compactRev;
  }

  get(key: string): Entry | undefined {
    return this.byResource.get(splitKey(key).resource)?.get(key);
  }

  /** Current entries of a resource (optionally one namespace), sorted by key. */
  list(resource: string, namespace?: string): Entry[] {
    const m = this.byResource.get(resource);
    if (!m) return [];
    let keys = this.sorted.get(resource);
    if (!keys) {
      keys = [...m.keys()].sort();
      this.sorted.set(resource, keys);
    }
    const out: Entry[] = [];
    if (namespace) {
      const prefix = `/${resource}/${namespace}/`;
      let i = lowerBound(keys, prefix);
      for (; i < keys.length && keys[i].startsWith(prefix); i++) out.push(m.get(keys[i])!);
    } else for (const k of keys) out.push(m.get(k)!);
    return out;
  }

  count(resource: string): number {
    return this.byResource.get(resource)?.size ?? 0;
  }

  subscribe(fn: (c: Change) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Writes one object. `obj` gets metadata.resourceVersion set to the new revision.
   * expectRv: the caller's precondition on the current revision of the key (0 = must not exist).
   */
  put(key: string, obj: any, expectRv?: number): Entry {
    const { resource, namespace, name } = splitKey(key);
    const m = this.mapFor(resource);
    const prev = m.get(key);
    if (expectRv === 0 && prev) throw new KeyExistsError(key);
    if (expectRv !== undefined && expectRv !== 0 && (!prev || prev.rv !== expectRv)) {
      if (!prev) throw new KeyNotFoundError(key);
      throw new RevisionMismatchError(key);
    }
    const rv = this.rev + 1;
    obj.metadata ??= {};
    obj.metadata.resourceVersion = String(rv);
    const json = stringifyJSON(obj);
    const type: EventType = prev ? 'MODIFIED' : 'ADDED';
    if (prev) this.txUpdate(rv, json, key);
    else this.txInsert(key, resource, namespace, name, rv, json);
    this.rev = rv;
    const entry: Entry = { key, resource, namespace, name, rv, json, attrs: this.opts.attrs(resource, obj) };
    m.set(key, entry);
    if (!prev) this.sorted.delete(resource);
    this.emit({ type, rv, entry, prevAttrs: prev?.attrs });
    return entry;
  }

  /** Removes a key; the DELETED event carries the last state at the new revision. */
  remove(key: string, expectRv?: number): Entry {
    const { resource } = splitKey(key);
    const m = this.mapFor(resource);
    const prev = m.get(key);
    if (!prev) throw new KeyNotFoundError(key);
    if (expectRv !== undefined && prev.rv !== expectRv) throw new RevisionMismatchError(key);
    const rv = this.rev + 1;
    const obj = JSON.parse(prev.json);
    obj.metadata.resourceVersion = String(rv);
    const json = stringifyJSON(obj);
    this.txDelete(key, rv, json);
    this.rev = rv;
    m.delete(key);
    this.sorted.delete(resource);
    const entry: Entry = { ...prev, rv, json };
    this.emit({ type: 'DELETED', rv, entry, prevAttrs: prev.attrs });
    return entry;
  }

  private batchOpen = false;
  /** why a batch could not be committed; writes are refused from then on */
  private failed: unknown;
  private batchTimer: NodeJS.Immediate | undefined;
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];

  /**
   * Runs one write's statements inside the open batch (opening it). A statement that fails leaves
   * the batch as it was (SQLite undoes that statement only) and throws to the writer, whose change
   * never reaches memory; a failure that rolled the whole batch back is fatal (see failBatch).
   */
  private inBatch(fn: () => void): void {
    if (this.failed !== undefined) throw new Error(`the database could not commit earlier writes and takes no more: ${String((this.failed as Error)?.message ?? this.failed)}`);
    if (!this.batchOpen) {
      this.stmts.begin.run();
      this.batchOpen = true;
      this.batchTimer = setImmediate(() => {
        try {
          this.commitNow();
        } catch {
          // failBatch has logged it, rejected the waiters and called onFatal
        }
      });
    }
    try {
      fn();
    } catch (err) {
      if (!this.db.inTransaction) this.failBatch(err);
      throw err;
    }
  }

  /** Commits the open batch, if any: every write made so far is on disk (in the WAL) after this. */
  commitNow(): void {
    if (!this.batchOpen) return;
    if (this.batchTimer) clearImmediate(this.batchTimer);
    this.batchTimer = undefined;
    try {
      this.stmts.commit.run();
    } catch (err) {
      this.failBatch(err);
      return;
    }
    this.batchOpen = false;
    this.checkpointer?.committed();
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.resolve();
  }

  /**
   * Resolves once every write made so far is committed; undefined when there is nothing to wait
   * for (no open batch), so that callers on the hot path need not allocate a promise.
   */
  durable(): Promise<void> | undefined {
    if (!this.batchOpen) return undefined;
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * A batch that could not be committed (disk full, I/O error): memory and watchers are ahead of
   * the disk, and nothing in the batch was acknowledged (its requests get a 500). Like etcd, which
   * panics when it cannot write its WAL (server/etcdserver/raft.go), the CLI stops the process
   * (onFatal); the data on disk stays a prefix of the revision sequence and a restart serves it.
   * Embedded, the store refuses every further write.
   */
  private failBatch(err: unknown): never {
    this.batchOpen = false;
    this.failed = err;
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // the transaction is gone already
    }
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.reject(err);
    this.opts.logger?.fatal({ err }, 'could not commit writes to the database; no more writes are taken');
    this.opts.onFatal?.(err);
    throw err;
  }

  private commit(fn: () => void): void {
    this.commitNow();
    this.db.transaction(fn)();
  }

  private emit(c: Change): void {
    for (const fn of this.listeners) {
      try {
        fn(c);
      } catch (err) {
        this.opts.logger?.error({ err }, 'store listener failed');
      }
    }
  }

  /** Changes after `rv` (optionally only keys under `prefix`), from the log. Throws when rv is compacted away. */
  changesSince(rv: number, prefix?: string): Change[] {
    if (rv < this.compactRev) throw new TooOldResourceVersionError(rv, this.compactRev);
    const rows = (prefix ? this.stmts.eventsSinceFor.all(rv, prefix, prefix + '\uffff') : this.stmts.eventsSince.all(rv)) as any[];
    return rows.map((r) => this.changeOf(r));
  }

  /**
   * One page of the change log for a watch replaying it: the changes after `after` and at most at
   * `upTo` (optionally only keys under `prefix`), at most `maxRows` of them, looking at no more than
   * `maxSpan` revisions, so that one call stays short whatever the log holds. `next` is where the
   * following page starts (done once it reaches upTo). Throws TooOldResourceVersionError once
   * compaction has passed `after`: the rows after it may be gone (etcd cancels such a watcher
   * with ErrCompacted too: server/storage/mvcc/watchable_store.go).
   */
  changesPage(after: number, upTo: number, prefix: string | undefined, maxRows = 64, maxSpan = 4096): { changes: Change[]; next: number; done: boolean } {
    if (after < this.compactRev) throw new TooOldResourceVersionError(after, this.compactRev);
    const end = Math.min(upTo, after + maxSpan);
    const rows = (prefix ? this.stmts.pageFor.all(after, end, prefix, prefix + '\uffff', maxRows) : this.stmts.page.all(after, end, maxRows)) as any[];
    const changes = rows.map((r) => this.changeOf(r));
    const next = rows.length === maxRows ? rows[rows.length - 1].rv : end;
    return { changes, next, done: next >= upTo };
  }

  private changeOf(r: { rv: number; key: string; type: string; value: string }): Change {
    const { resource, namespace, name } = splitKey(r.key);
    const entry: Entry = { key: r.key, resource, namespace, name, rv: r.rv, json: r.value, attrs: this.opts.attrs(resource, JSON.parse(r.value)) };
    return { type: r.type as EventType, rv: r.rv, entry };
  }

  /**
   * The entries of a resource as they were at revision `at` (for continued and exact-revision lists).
   * Starts from the current state and rolls back the keys changed after `at`.
   */
  listAt(resource: string, at: number, namespace?: string): Entry[] {
    if (at < this.compactRev) throw new TooOldResourceVersionError(at, this.compactRev);
    if (at >= this.rev) return this.list(resource, namespace);
    const prefix = namespace ? `/${resource}/${namespace}/` : `/${resource}/`;
    const changed = new Set<string>();
    for (const r of this.stmts.eventsSinceFor.all(at, prefix, prefix + '\uffff') as any[]) changed.add(r.key);
    const out = this.list(resource, namespace).filter((e) => !changed.has(e.key));
    for (const key of changed) {
      const row = this.stmts.stateAt.get(key, at) as any;
      if (!row || row.type === 'DELETED') continue;
      const { namespace: ns, name } = splitKey(key);
      out.push({ key, resource, namespace: ns, name, rv: row.rv, json: row.value, attrs: this.opts.attrs(resource, JSON.parse(row.value)) });
    }
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  /**
   * Trims the change log to the retention bounds, keeping the newest row of every live key so that
   * any revision >= the compact revision can still be read (kine's compaction, without its gaps).
   * The compact revision is recorded first (on disk and here: reads below it answer 410 from
   * then on); the rows then go in batches of at most compactBatchRows, oldest first, each its own
   * transaction, with a turn of the event loop before each so that requests and watches go on
   * (kine compacts in batches too: pkg/logstructured/sqllog/sql.go). Oldest first, a key's older
   * rows go before the row that superseded them, so a kill -9 part-way leaves no deletion undone:
   * the log below the compact revision is only partly trimmed, and the next compaction (which
   * looks from the oldest row) finishes it. Resolves with the number of rows removed; never rejects.
   */
  compact(now = Date.now()): Promise<number> {
    if (this.compacting) return this.compacting;
    const target = Math.max(this.rev - this.retentionCount, this.revisionBefore(now - this.retentionAgeMs), this.compactRev);
    if (target <= this.compactRev) return Promise.resolve(0);
    this.commit(() => {
      this.stmts.setMeta.run(target, 'compact_revision');
      // the removed rows may include the newest change (a DELETED): the revision must outlive them
      this.stmts.setMeta.run(this.rev, 'revision');
    });
    this.compactRev = target;
    const run = this.compactBatches(target).finally(() => (this.compacting = undefined));
    this.compacting = run;
    return run;
  }

  private async compactBatches(target: number): Promise<number> {
    const bound = this.db.prepare('SELECT rv FROM events WHERE rv > ? AND rv <= ? ORDER BY rv LIMIT 1 OFFSET ?');
    const del = this.db.prepare(
      `DELETE FROM events WHERE rv > ? AND rv <= ? AND (type = 'DELETED' OR EXISTS
         (SELECT 1 FROM events e2 WHERE e2.key = events.key AND e2.rv > events.rv AND e2.rv <= ?))`,
    );
    const turn = () => new Promise((r) => setImmediate(r));
    let removed = 0;
    let batches = 0;
    try {
      // rows after `lo` are still to be looked at; each batch takes the next compactBatchRows of them
      for (let lo = 0; lo < target; ) {
        await turn();
        if (!this.db.open || this.failed !== undefined) return removed;
        const row = bound.get(lo, target, this.compactBatchRows - 1) as { rv: number } | undefined;
        const hi = row ? row.rv : target;
        this.commit(() => (removed += del.run(lo, hi, target).changes));
        batches++;
        lo = hi;
      }
      // the freed pages go back to the file system a few at a time too
      while (removed > 0) {
        await turn();
        if (!this.db.open || this.failed !== undefined) return removed;
        if (Number(this.db.pragma('freelist_count', { simple: true })) === 0) break;
        this.commitNow();
        this.db.pragma(`incremental_vacuum(${VACUUM_PAGES})`);
      }
    } catch (err) {
      this.opts.logger?.warn({ err, target, removed }, 'compaction stopped part-way; the next one finishes it');
      return removed;
    }
    this.opts.logger?.debug({ target, removed, batches }, 'compacted the change log');
    return removed;
  }

  /**
   * The newest revision written before `cutoff` (ms since the epoch), 0 if none: a binary search
   * of the log by revision (its times grow with its revisions; a clock stepped back makes this
   * approximate), a few indexed reads instead of a scan of every row.
   */
  private revisionBefore(cutoff: number): number {
    const tsFrom = this.db.prepare('SELECT ts FROM events WHERE rv >= ? ORDER BY rv LIMIT 1');
    // the first revision written at or after the cutoff is in (lo, hi]
    let lo = 0;
    let hi = this.rev + 1;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const row = tsFrom.get(mid) as { ts: number } | undefined;
      if (!row || row.ts >= cutoff) hi = mid;
      else lo = mid;
    }
    const before = this.db.prepare('SELECT max(rv) AS rv FROM events WHERE rv < ?').get(hi) as { rv: number | null };
    return before.rv ?? 0;
  }

  close(): void {
    if (this.db.open) this.commitNow();
    if (this.compactTimer) clearInterval(this.compactTimer);
    this.checkpointer?.stop();
    this.listeners.clear();
    if (this.db.open) {
      try {
        this.stmts.setMeta.run(this.rev, 'revision');
      } catch (err) {
        this.opts.logger?.warn({ err }, 'could not record the revision on close');
      }
      this.db.close();
    }
  }
}

function lowerBound(arr: string[], v: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
