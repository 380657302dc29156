// WATCH: newline-delimited JSON events over a chunked response, flushed one by one
// (apiserver pkg/endpoints/handlers/watch.go; resume and 410 semantics of the watch cache,
// apiserver pkg/storage/cacher). A slow watcher is dropped rather than allowed to slow writers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KObject, ResourceDef } from '../resources/types.js';
import { apiVersionOf } from '../resources/types.js';
import type { Registry } from '../registry/registry.js';
import { parseRV, resourceId, viewEntry } from '../registry/registry.js';
import type { ListFilter } from '../registry/listfilter.js';
import { TooOldResourceVersionError, type Change, type Entry } from '../storage/store.js';
import { badRequest, expired, StatusError } from '../registry/errors.js';
import { protobufCodec, type Accepted } from './negotiation.js';
import { tableRow, partialObjectMetadata, type IncludeObject } from './table.js';
import type { Logger } from 'pino';
import { stringifyJSON } from '../util/json.js';

export interface WatchParams {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  includeObject: IncludeObject;
}

/**
 * Live events buffered for one watcher (in the socket, or waiting behind its replay) past this for
 * longer than lagGraceMs: the watcher is dropped (the client re-lists or re-watches), as upstream's
 * cacher terminates a watcher whose input buffer stays full (staging/src/k8s.io/apiserver/pkg/
 * storage/cacher/cache_watcher.go, add() with the dispatch timer). Past LAG_HARD_FACTOR times the
 * bound it is dropped at once: memory comes first.
 */
const MAX_LAG_BYTES = 16 * 1024 * 1024;
const LAG_GRACE_MS = 5000;
const LAG_HARD_FACTOR = 4;
/**
 * The backlog (the initial ADDED events, or the change log replayed from a resourceVersion) is
 * produced lazily and written as the socket drains: at most BACKLOG_HIGH_WATER bytes wait in the
 * socket, in chunks of about BACKLOG_CHUNK, and at most BACKLOG_PER_TURN per turn of the event
 * loop (a fast reader on loopback takes megabytes without ever saying "full"). Upstream feeds
 * initial events the same way, from the watcher's own goroutine at the client's pace
 * (cache_watcher.go processInterval): their size never gets a watcher dropped.
 */
const BACKLOG_HIGH_WATER = 1024 * 1024;
const BACKLOG_CHUNK = 256 * 1024;
const BACKLOG_PER_TURN = 2 * 1024 * 1024;
const BOOKMARK_EVERY_MS = 60_000;

/** The encoded events of a watch's backlog, a few at a time; null once it has given them all. */
type Backlog = () => (string | Buffer)[] | null;

export class WatchHub {
  private readonly open = new Set<ServerResponse>();
  /** how often an idle watch that allows bookmarks gets one (tests shorten it) */
  bookmarkIntervalMs = BOOKMARK_EVERY_MS;
  /** live-event lag that gets a watcher dropped once it lasts lagGraceMs (tests lower both) */
  maxLagBytes = MAX_LAG_BYTES;
  lagGraceMs = LAG_GRACE_MS;
  /**
   * Watchers with queued events are flushed together, at most once per this many ms (the first
   * event after a quiet spell goes out on the next turn of the event loop): under a write storm
   * each watcher gets one chunk per interval instead of one per event.
   */
  flushIntervalMs = 5;
  private readonly dirty: ((batches: SharedBatches) => void)[] = [];
  private flushTimer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private lastFlush = 0;

  constructor(
    private readonly registry: Registry,
    private readonly logger?: Logger,
  ) {}

  /** Queues a watcher's flush for the next batch. */
  private schedule(flush: (batches: SharedBatches) => void): void {
    this.dirty.push(flush);
    if (this.flushTimer) return;
    const wait = this.lastFlush + this.flushIntervalMs - performance.now();
    this.flushTimer = wait > 0 ? setTimeout(this.flushAll, wait) : setImmediate(this.flushAll);
  }

  private readonly flushAll = (): void => {
    this.flushTimer = undefined;
    // events go out only once their writes are committed (see ObjectStore.inBatch)
    try {
      this.registry.store.commitNow();
    } catch {
      // the batch is lost (the store has logged it and refuses writes): its events must not go out
      this.dirty.length = 0;
      this.closeAll();
      return;
    }
    this.lastFlush = performance.now();
    const fns = this.dirty.splice(0);
    const batches: SharedBatches = new Map();
    for (const fn of fns) fn(batches);
  };

  get count(): number {
    return this.open.size;
  }

  closeAll(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer as NodeJS.Timeout);
      clearImmediate(this.flushTimer as NodeJS.Immediate);
      this.flushTimer = undefined;
    }
    this.dirty.length = 0;
    for (const res of this.open) res.end();
    this.open.clear();
  }

  /** Validates the parameters before the response is committed (errors are plain HTTP errors). */
  validate(p: WatchParams): void {
    if (p.sendInitialEvents !== undefined) {
      if (p.resourceVersionMatch !== 'NotOlderThan')
        throw badRequest("sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan");
      if (p.sendInitialEvents && !p.allowWatchBookmarks)
        throw badRequest('allowWatchBookmarks: Forbidden: allowWatchBookmarks must be set to true when sendInitialEvents is set to true');
    } else if (p.resourceVersionMatch) {
      throw badRequest(`resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided`);
    }
    if (p.resourceVersion && p.resourceVersion !== '0') parseRV(p.resourceVersion);
  }

  serve(req: IncomingMessage, res: ServerResponse, def: ResourceDef, namespace: string | undefined, filter: ListFilter, p: WatchParams, accepted: Accepted, extraHeaders: Record<string, string | string[]> = {}): void {
    const resource = resourceId(def);
    const ns = def.namespaced ? namespace || undefined : undefined;
    const store = this.registry.store;
    const metaVersion = accepted.metaVersion ?? 'v1';
    const format = accepted.format;
    let headerSent = false;
    const now = () => Date.now();

    // protobuf watchers get length-prefixed WatchEvent frames (./protobuf.ts), everything else JSON lines
    const pb = format === 'protobuf' || accepted.protobuf ? protobufCodec() : undefined;
    const event = (type: string, object: KObject): string | Buffer => (pb ? pb.encodeWatchFrame(type, object) : stringifyJSON({ type, object }) + '\n');
    const encode = (type: string, e: Entry): string | Buffer => {
      if (format === 'json' || format === 'yaml') return `{"type":"${type}","object":${e.json}}\n`;
      if (format === 'protobuf' && pb) return pb.sharedWatchFrame(type, e.json);
      const obj = JSON.parse(e.json) as KObject;
      if (format === 'pom') return event(type, partialObjectMetadata(obj, metaVersion));
      const table: KObject = { kind: 'Table', apiVersion: `meta.k8s.io/${metaVersion}`, metadata: { resourceVersion: obj.metadata?.resourceVersion } };
      if (!headerSent) {
        table.columnDefinitions = def.table!.columns;
        headerSent = true;
      } else table.columnDefinitions = null;
      table.rows = [tableRow(def.table!, obj, p.includeObject, now(), metaVersion)];
      return stringifyJSON({ type, object: table }) + '\n';
    };
    const bookmark = (rv: number, initialEnd = false): string | Buffer => {
      const metadata: KObject = { resourceVersion: String(rv) };
      if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
      return event('BOOKMARK', { kind: def.kind, apiVersion: apiVersionOf(def), metadata });
    };

    // headers already set on the reply (Warning: a deprecation) go out with the stream's own
    res.writeHead(200, { ...extraHeaders, 'Content-Type': pb ? pb.PROTOBUF_WATCH_CONTENT_TYPE : 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    req.socket.setNoDelay(true);
    // the status line goes out now, as upstream flushes it: clients wait for it before reading events
    res.flushHeaders();
    this.open.add(res);
    let closed = false;
    let unsubscribe = () => {};
    const timers: NodeJS.Timeout[] = [];
    /** the backlog still being written; live events wait in `queue` behind it */
    let backlog: Backlog | undefined;
    let pumpTimer: NodeJS.Immediate | undefined;
    let stopWaiting = () => {};
    let lagTimer: NodeJS.Timeout | undefined;
    // Events are queued and written in batches (see WatchHub.schedule): one chunk per watcher per
    // batch, not one per event (a burst of writes costs each watcher one syscall). While the
    // backlog is written, live events wait here (encoded later when their encoding has state:
    // a Table stream's first event carries the columns).
    let queue: (string | Buffer | (() => string | Buffer))[] = [];
    /** bytes of live events waiting behind the backlog */
    let waiting = 0;
    let scheduled = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      for (const t of timers) clearTimeout(t); // clearTimeout clears intervals too
      if (lagTimer) clearTimeout(lagTimer);
      if (pumpTimer) clearImmediate(pumpTimer);
      stopWaiting();
      this.open.delete(res);
      // live events not yet flushed go out first (behind an unfinished backlog they would be out of order)
      if (!backlog && queue.length && !res.destroyed && !res.writableEnded) {
        let ok = true;
        try {
          store.commitNow();
        } catch {
          ok = false;
        }
        const q = queue;
        queue = [];
        if (ok) for (const c of q) res.write(c as string | Buffer);
      }
      // (res.write frames its own chunks: the socket has only whole chunks from flush before it)
      if (!res.writableEnded) res.end();
    };
    res.on('close', finish);
    req.on('close', finish);
    const drop = (buffered: number, why: string) => {
      this.logger?.warn({ resource, buffered }, why);
      res.destroy();
      finish();
    };
    // Batches go straight to the socket as HTTP chunks framed here: a batch shared by many
    // watchers is framed once and written as one buffer by each, without the per-write work of the
    // response stream. That is only safe once the response owns the socket with nothing of its own
    // still buffered (a keep-alive connection's previous response may not have finished when this
    // one started: Node then holds the headers until it has); until then the response frames and
    // queues the chunk itself. res.end() writes the terminating chunk either way.
    const direct = (): import('node:net').Socket | undefined => {
      const s = res.socket;
      if (!s || s.destroyed) return undefined;
      const r = res as unknown as { outputSize?: number };
      return (s as unknown as { _httpMessage?: unknown })._httpMessage === res && (r.outputSize ?? 0) === 0 ? s : undefined;
    };
    /**
     * Live lag: buffered bytes over the bound arm a timer; still over it when the timer fires, the
     * watcher is dropped. A watcher that catches up in time is kept.
     */
    const checkLag = (buffered: number, current: () => number) => {
      const max = this.maxLagBytes;
      if (buffered <= max) {
        if (lagTimer) clearTimeout(lagTimer);
        lagTimer = undefined;
        return;
      }
      if (buffered > max * LAG_HARD_FACTOR) return drop(buffered, 'dropping a watcher far behind the live events');
      lagTimer ??= setTimeout(() => {
        lagTimer = undefined;
        const now = current();
        if (!closed && now > max) drop(now, 'dropping an unresponsive watcher');
      }, this.lagGraceMs);
    };
    const socketLag = () => res.writableLength;
    const flush = (batches: SharedBatches) => {
      scheduled = false;
      if (closed || !queue.length || res.writableEnded) return;
      const q = queue as (string | Buffer)[];
      queue = [];
      const buffers = q.every((c) => typeof c !== 'string');
      const sock = direct();
      if (sock) sock.write(buffers ? sharedBatch(batches, q as Buffer[]) : frameChunk([Buffer.from(q.join(''))]));
      else res.write(buffers ? Buffer.concat(q as Buffer[]) : q.join(''));
      checkLag(res.writableLength, socketLag);
    };
    const write = (chunk: string | Buffer | (() => string | Buffer), size: number) => {
      if (closed) return;
      queue.push(chunk);
      if (backlog) {
        waiting += size;
        checkLag(waiting, () => (backlog ? waiting : res.writableLength));
        return;
      }
      if (!scheduled) {
        scheduled = true;
        this.schedule(flush);
      }
    };
    /** An ERROR event ends the stream (after what was written before it). */
    const fail = (err: unknown) => {
      if (closed) return;
      const s = err instanceof TooOldResourceVersionError ? expired(err.message) : err instanceof StatusError ? err : new StatusError(500, 'InternalError', String(err));
      if (!(err instanceof TooOldResourceVersionError)) this.logger?.error({ err, resource }, 'watch failed');
      queue = [];
      backlog = undefined;
      if (!res.writableEnded && !res.destroyed) res.write(event('ERROR', s.toStatus()));
      finish();
    };

    const plain = format === 'json' || format === 'yaml';
    const inScope = (e: Entry) => e.resource === resource && (!ns || e.namespace === ns);
    /** the event a watcher with this filter sees for a change, if any (cacher.go, for selector transitions) */
    const eventType = (c: Change): string | undefined => {
      if (!inScope(c.entry)) return undefined;
      if (filter.name !== undefined && c.entry.name !== filter.name) return undefined;
      const cur = filter.matchesAttrs(c.entry.attrs);
      const prev = c.prevAttrs ? filter.matchesAttrs(c.prevAttrs) : undefined;
      if (c.type === 'ADDED') return cur ? 'ADDED' : undefined;
      if (c.type === 'MODIFIED') {
        if (prev === undefined) return cur ? 'MODIFIED' : undefined;
        return cur && prev ? 'MODIFIED' : cur ? 'ADDED' : prev ? 'DELETED' : undefined;
      }
      return (prev ?? cur) ? 'DELETED' : undefined;
    };
    const shared = plain && !def.storage;
    const deliver = (c: Change) => {
      const type = eventType(c);
      if (!type) return;
      if (shared) {
        const line = sharedLine(type, c.entry);
        write(line, line.length);
      } else if (backlog) write(() => encode(type, viewEntry(def, c.entry)), c.entry.json.length);
      else write(encode(type, viewEntry(def, c.entry)), 0);
    };
    const encodeChange = (type: string, e: Entry) => (shared ? `{"type":"${type}","object":${e.json}}\n` : encode(type, viewEntry(def, e)));

    // The backlog, produced a page at a time as the socket takes it; live changes after `startRev`
    // are subscribed to at once and wait behind it.
    const startRev = store.revision();
    const rvParam = p.resourceVersion;
    const initial = p.sendInitialEvents === true || (p.sendInitialEvents === undefined && (!rvParam || rvParam === '0'));
    if (initial) {
      // a snapshot of the current entries (references: entries are replaced, never changed)
      const entries = filter.name !== undefined ? [store.get(`/${resource}/${ns ?? ''}/${filter.name}`)].filter((e): e is Entry => !!e) : store.list(resource, ns);
      let i = 0;
      let ended = false;
      backlog = () => {
        if (ended) return null;
        const out: (string | Buffer)[] = [];
        for (const stop = Math.min(i + 64, entries.length); i < stop; i++) if (filter.matches(entries[i])) out.push(encode('ADDED', viewEntry(def, entries[i])));
        if (i >= entries.length) {
          ended = true;
          if (p.sendInitialEvents) out.push(bookmark(startRev, true));
        }
        return out;
      };
    } else if (rvParam && rvParam !== '0') {
      let cursor = Number(rvParam);
      let done = cursor >= startRev;
      const prefix = ns ? `/${resource}/${ns}/` : `/${resource}/`;
      // compacted already: the ERROR goes out before anything else
      if (cursor < store.compactRevision()) {
        fail(new TooOldResourceVersionError(cursor, store.compactRevision()));
        return;
      }
      backlog = () => {
        if (done) return null;
        const page = store.changesPage(cursor, startRev, prefix);
        cursor = page.next;
        done = page.done;
        const out: (string | Buffer)[] = [];
        for (const c of page.changes) {
          const type = eventType(c);
          if (type) out.push(encodeChange(type, c.entry));
        }
        return out;
      };
    }
    unsubscribe = store.subscribe(deliver);

    /** Backlog over: the live events that waited go out, and from now on as they come. */
    const goLive = () => {
      backlog = undefined;
      waiting = 0;
      for (let k = 0; k < queue.length; k++) {
        const c = queue[k];
        if (typeof c === 'function') queue[k] = c();
      }
      if (queue.length && !scheduled) {
        scheduled = true;
        this.schedule(flush);
      }
    };
    const out = (parts: Buffer[]) => {
      const sock = direct();
      if (sock) sock.write(frameChunk(parts));
      else res.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    };
    /** Waits for the socket (or, before it is ours, the response) to drain; a slow poll backs it up. */
    const waitDrain = () => {
      const sock = res.socket;
      const go = () => {
        stopWaiting();
        if (!closed) pump();
      };
      const t = setTimeout(go, 1000);
      stopWaiting = () => {
        stopWaiting = () => {};
        clearTimeout(t);
        res.off('drain', go);
        sock?.off('drain', go);
      };
      res.once('drain', go);
      sock?.once('drain', go);
    };
    const pump = (): void => {
      pumpTimer = undefined;
      // (an ended response, as closeAll leaves it until its 'close', takes nothing more)
      if (closed || !backlog || res.writableEnded || res.destroyed) return;
      try {
        // bounded per turn in bytes and in pages (a page of a busy log may hold none of ours)
        let pulls = 0;
        for (let budget = BACKLOG_PER_TURN; budget > 0 && pulls < 64; ) {
          if (res.writableLength >= BACKLOG_HIGH_WATER) return waitDrain();
          const parts: Buffer[] = [];
          let n = 0;
          let done = false;
          while (n < BACKLOG_CHUNK && pulls < 64) {
            pulls++;
            const got = backlog();
            if (got === null) {
              done = true;
              break;
            }
            for (const g of got) {
              const b = typeof g === 'string' ? Buffer.from(g) : g;
              parts.push(b);
              n += b.length;
            }
          }
          if (parts.length) {
            // events go out only once their writes are committed (see ObjectStore.inBatch)
            store.commitNow();
            if (closed || res.writableEnded) return;
            out(parts);
          }
          budget -= n;
          if (done) return goLive();
        }
        pumpTimer = setImmediate(pump);
      } catch (err) {
        fail(err);
      }
    };
    if (backlog) pump();
    if (closed) return;

    const timeoutMs = p.timeoutSeconds && p.timeoutSeconds > 0 ? p.timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000;
    timers.push(setTimeout(finish, timeoutMs));
    if (p.allowWatchBookmarks && format !== 'table') {
      // one repeating timer (a fresh setTimeout per tick would grow `timers` for the life of the watch);
      // none while the backlog is going out (its events are older than the bookmark's revision)
      const every = this.bookmarkIntervalMs;
      timers.push(
        setInterval(() => {
          if (backlog) return;
          const b = bookmark(store.revision());
          write(b, b.length);
        }, every),
      );
    }
  }
}

const CRLF = Buffer.from('\r\n');
/** One HTTP/1.1 chunk (size line, data, CRLF) holding `parts` back to back, in a single buffer. */
function frameChunk(parts: Buffer[]): Buffer {
  let n = 0;
  for (const p of parts) n += p.length;
  const head = `${n.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(head.length + n + 2);
  let at = out.write(head, 0, 'latin1');
  for (const p of parts) at += p.copy(out, at);
  CRLF.copy(out, at);
  return out;
}

/**
 * The batches of one flush, by their first event line: watchers that saw the same changes (the
 * same shared lines in the same order, the usual case) write one concatenated buffer between them
 * instead of a copy each.
 */
type SharedBatches = Map<Buffer, { parts: Buffer[]; out: Buffer }[]>;
function sharedBatch(batches: SharedBatches, parts: Buffer[]): Buffer {
  let seen = batches.get(parts[0]);
  if (!seen) batches.set(parts[0], (seen = []));
  for (const b of seen) {
    if (b.parts.length !== parts.length) continue;
    let same = true;
    for (let i = 1; i < parts.length && same; i++) same = b.parts[i] === parts[i];
    if (same) return b.out;
  }
  const out = frameChunk(parts);
  // a handful of distinct batches per flush is typical; past that, stop caching (label selectors
  // slicing the stream many ways would make the search cost more than the copy it saves)
  if (seen.length < 8) seen.push({ parts, out });
  return out;
}

/**
 * The event line of a live change, encoded once and shared by every plain-JSON watcher it goes to:
 * listeners run one after another for the same change, so a one-slot cache is enough.
 */
let lastEntry: Entry | undefined;
let lastLines: Partial<Record<string, Buffer>> = {};
function sharedLine(type: string, e: Entry): Buffer {
  if (e !== lastEntry) {
    lastEntry = e;
    lastLines = {};
  }
  return (lastLines[type] ??= Buffer.from(`{"type":"${type}","object":${e.json}}\n`));
}

export { expired };
