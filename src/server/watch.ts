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
import type { Accepted } from './negotiation.js';
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

/** Max bytes queued to one watcher before it is dropped (the client re-lists or re-watches). */
const MAX_BUFFERED = 16 * 1024 * 1024;
const BOOKMARK_EVERY_MS = 60_000;

export class WatchHub {
  private readonly open = new Set<ServerResponse>();
  /** how often an idle watch that allows bookmarks gets one (tests shorten it) */
  bookmarkIntervalMs = BOOKMARK_EVERY_MS;
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
    this.registry.store.commitNow();
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

    const encode = (type: string, e: Entry): string | Buffer => {
      if (format === 'json' || format === 'yaml') return `{"type":"${type}","object":${e.json}}\n`;
      const obj = JSON.parse(e.json) as KObject;
      if (format === 'pom') return stringifyJSON({ type, object: partialObjectMetadata(obj, metaVersion) }) + '\n';
      const table: KObject = { kind: 'Table', apiVersion: `meta.k8s.io/${metaVersion}`, metadata: { resourceVersion: obj.metadata?.resourceVersion } };
      if (!headerSent) {
        table.columnDefinitions = def.table!.columns;
        headerSent = true;
      } else table.columnDefinitions = null;
      table.rows = [tableRow(def.table!, obj, p.includeObject, now(), metaVersion)];
      return stringifyJSON({ type, object: table }) + '\n';
    };
    const bookmark = (rv: number, initialEnd = false): string => {
      const metadata: KObject = { resourceVersion: String(rv) };
      if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
      return JSON.stringify({ type: 'BOOKMARK', object: { kind: def.kind, apiVersion: apiVersionOf(def), metadata } }) + '\n';
    };

    // headers already set on the reply (Warning: a deprecation) go out with the stream's own
    res.writeHead(200, { ...extraHeaders, 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    req.socket.setNoDelay(true);
    // the status line goes out now, as upstream flushes it: clients wait for it before reading events
    res.flushHeaders();
    this.open.add(res);
    let closed = false;
    let unsubscribe = () => {};
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      for (const t of timers) clearTimeout(t); // clearTimeout clears intervals too
      this.open.delete(res);
      if (queue.length && !res.destroyed && !res.writableEnded) {
        store.commitNow();
        const q = queue;
        queue = [];
        for (const c of q) res.write(c);
      }
      // (res.write frames its own chunks: the socket has only whole chunks from flush before it)
      if (!res.writableEnded) res.end();
    };
    res.on('close', finish);
    req.on('close', finish);
    // Events are queued and written in batches (see WatchHub.schedule): one chunk per watcher per
    // batch, not one per event (a burst of writes costs each watcher one syscall).
    let queue: (string | Buffer)[] = [];
    let scheduled = false;
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
    const flush = (batches: SharedBatches) => {
      scheduled = false;
      if (closed || !queue.length || res.writableEnded) return;
      const q = queue;
      queue = [];
      const buffers = q.every((c) => typeof c !== 'string');
      const sock = direct();
      if (sock) sock.write(buffers ? sharedBatch(batches, q as Buffer[]) : frameChunk([Buffer.from(q.join(''))]));
      else res.write(buffers ? Buffer.concat(q as Buffer[]) : q.join(''));
      const buffered = res.writableLength;
      if (buffered > MAX_BUFFERED) {
        this.logger?.warn({ resource, buffered }, 'dropping an unresponsive watcher');
        res.destroy();
        finish();
      }
    };
    const write = (chunk: string | Buffer) => {
      if (closed) return;
      queue.push(chunk);
      if (!scheduled) {
        scheduled = true;
        this.schedule(flush);
      }
    };

    const plain = format === 'json' || format === 'yaml';
    const inScope = (e: Entry) => e.resource === resource && (!ns || e.namespace === ns);
    const deliver = (c: Change) => {
      if (!inScope(c.entry)) return;
      if (filter.name !== undefined && c.entry.name !== filter.name) return;
      const cur = filter.matchesAttrs(c.entry.attrs);
      const prev = c.prevAttrs ? filter.matchesAttrs(c.prevAttrs) : undefined;
      let type: string | undefined;
      if (c.type === 'ADDED') type = cur ? 'ADDED' : undefined;
      else if (c.type === 'MODIFIED') {
        if (prev === undefined) type = cur ? 'MODIFIED' : undefined;
        else type = cur && prev ? 'MODIFIED' : cur ? 'ADDED' : prev ? 'DELETED' : undefined;
      } else type = (prev ?? cur) ? 'DELETED' : undefined;
      if (type) write(plain && !def.storage ? sharedLine(type, c.entry) : encode(type, viewEntry(def, c.entry)));
    };

    const rvParam = p.resourceVersion;
    const initial = p.sendInitialEvents === true || (p.sendInitialEvents === undefined && (!rvParam || rvParam === '0'));
    try {
      if (initial) {
        const entries = filter.name !== undefined ? [store.get(`/${resource}/${ns ?? ''}/${filter.name}`)].filter((e): e is Entry => !!e) : store.list(resource, ns);
        for (const e of entries) if (filter.matches(e)) write(encode('ADDED', viewEntry(def, e)));
        if (p.sendInitialEvents) write(bookmark(store.revision(), true));
      } else if (rvParam && rvParam !== '0' && !(p.sendInitialEvents === false && !rvParam)) {
        const since = Number(rvParam);
        const prefix = ns ? `/${resource}/${ns}/` : `/${resource}/`;
        for (const c of store.changesSince(since, prefix)) deliver(c);
      }
    } catch (err) {
      if (err instanceof TooOldResourceVersionError) {
        write(JSON.stringify({ type: 'ERROR', object: expired(err.message).toStatus() }) + '\n');
        finish();
        return;
      }
      const s = err instanceof StatusError ? err : new StatusError(500, 'InternalError', String(err));
      write(JSON.stringify({ type: 'ERROR', object: s.toStatus() }) + '\n');
      finish();
      return;
    }
    unsubscribe = store.subscribe(deliver);

    const timeoutMs = p.timeoutSeconds && p.timeoutSeconds > 0 ? p.timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000;
    timers.push(setTimeout(finish, timeoutMs));
    if (p.allowWatchBookmarks && format !== 'table') {
      // one repeating timer (a fresh setTimeout per tick would grow `timers` for the life of the watch)
      const every = this.bookmarkIntervalMs;
      timers.push(setInterval(() => write(bookmark(store.revision())), every));
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
