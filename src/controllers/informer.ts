// Shared informers (client-go tools/cache: Reflector + Indexer + SharedIndexInformer): each lists
// and then watches its resource through the API layer (a ListWatch), keeps one parsed cache per
// resource with indexes by namespace and by owner uid, and hands events to the controllers'
// handlers. The in-process ListWatch is the registry (the same list and watch an HTTP client
// gets); nothing here reads storage, so a controller works the same on another source.
// Handlers must only enqueue work; cached objects are shared and must not be mutated.
import type { Logger } from 'pino';
import type { KObject, ResourceDef } from '../resources/types.js';
import type { Registry } from '../registry/registry.js';
import { resourceId } from '../registry/registry.js';

export interface EventHandler {
  add?(obj: KObject): void;
  update?(oldObj: KObject, newObj: KObject): void;
  delete?(obj: KObject): void;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** What an informer lists and watches (client-go cache.ListerWatcher). */
export interface ListWatch {
  /** the objects and the revision they were read at */
  list(): { items: KObject[]; resourceVersion: string } | Promise<{ items: KObject[]; resourceVersion: string }>;
  /** the changes after `resourceVersion`, in order; returns the stop function */
  watch(resourceVersion: string, onEvent: (type: WatchEventType, obj: KObject) => void): () => void;
}

/** The in-process ListWatch of one resource: the registry's list and watch. */
export function registryListWatch(registry: Registry, def: ResourceDef): ListWatch {
  return {
    list: () => {
      const l = registry.list(def, undefined);
      return { items: l.items, resourceVersion: l.metadata.resourceVersion };
    },
    watch: (_rv, onEvent) => registry.watch(def, undefined, (type, obj) => onEvent(type, obj)),
  };
}

export function objectKey(obj: KObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name;
}

export function splitObjectKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** An index function: the index values an object is filed under (cache.IndexFunc). */
export type IndexFunc = (obj: KObject) => string[];

const byNamespace: IndexFunc = (o) => [o.metadata?.namespace ?? ''];
const byOwnerUid: IndexFunc = (o) => {
  const refs = o.metadata?.ownerReferences;
  return Array.isArray(refs) ? refs.map((r: KObject) => r?.uid).filter((u: unknown): u is string => typeof u === 'string' && u !== '') : [];
};

class Index {
  private readonly values = new Map<string, Map<string, KObject>>();
  constructor(readonly fn: IndexFunc) {}

  private keys(obj: KObject): string[] {
    try {
      return this.fn(obj);
    } catch {
      return [];
    }
  }

  put(key: string, obj: KObject, old: KObject | undefined): void {
    if (old) this.drop(key, old);
    for (const v of this.keys(obj)) {
      let m = this.values.get(v);
      if (!m) this.values.set(v, (m = new Map()));
      m.set(key, obj);
    }
  }

  drop(key: string, obj: KObject): void {
    for (const v of this.keys(obj)) {
      const m = this.values.get(v);
      if (!m) continue;
      m.delete(key);
      if (!m.size) this.values.delete(v);
    }
  }

  get(value: string): KObject[] {
    return [...(this.values.get(value)?.values() ?? [])];
  }
}

export class Informer {
  private readonly cache = new Map<string, KObject>();
  private readonly indexes = new Map<string, Index>([
    ['namespace', new Index(byNamespace)],
    ['owner', new Index(byOwnerUid)],
  ]);
  private readonly handlers: EventHandler[] = [];
  private stopWatch?: () => void;
  private hasSynced = false;
  /** resolves once the first list is in the cache */
  readonly synced: Promise<void>;
  readonly resource: string;

  constructor(
    readonly def: ResourceDef,
    source: ListWatch,
    private readonly logger?: Logger,
  ) {
    this.resource = resourceId(def);
    const listed = source.list();
    const start = (l: { items: KObject[]; resourceVersion: string }) => {
      for (const o of l.items) this.apply('ADDED', o);
      this.hasSynced = true;
      this.stopWatch = source.watch(l.resourceVersion, (type, obj) => this.apply(type, obj));
    };
    if (listed instanceof Promise) this.synced = listed.then(start);
    else {
      start(listed);
      this.synced = Promise.resolve();
    }
  }

  /** Whether the first list is in (cache.HasSynced). */
  get isSynced(): boolean {
    return this.hasSynced;
  }

  private put(obj: KObject): KObject | undefined {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    for (const ix of this.indexes.values()) ix.put(key, obj, old);
    return old;
  }

  private drop(obj: KObject): KObject | undefined {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    this.cache.delete(key);
    if (old) for (const ix of this.indexes.values()) ix.drop(key, old);
    return old;
  }

  /**
   * Runs one handler call; a handler that throws on one object (stored data may hold anything) is
   * logged with the object's key and the others still run: it never reaches the writer whose
   * change is being delivered, nor the start of the server.
   */
  private safely(what: string, obj: KObject, call: () => void): void {
    try {
      call();
    } catch (err) {
      let key = '';
      try {
        key = objectKey(obj);
      } catch {
        // the key itself is unreadable
      }
      this.logger?.error({ resource: this.resource, key, event: what, err: (err as Error)?.message }, 'informer event handler failed');
    }
  }

  private apply(type: WatchEventType, obj: KObject): void {
    if (type === 'DELETED') {
      const old = this.drop(obj);
      for (const h of this.handlers) if (h.delete) this.safely('delete', obj, () => h.delete!(old ?? obj));
      return;
    }
    const old = this.put(obj);
    for (const h of this.handlers) {
      if (old) {
        if (h.update) this.safely('update', obj, () => h.update!(old, obj));
      } else if (h.add) this.safely('add', obj, () => h.add!(obj));
    }
  }

  addHandler(h: EventHandler): void {
    this.handlers.push(h);
    if (h.add) for (const o of this.cache.values()) this.safely('add', o, () => h.add!(o));
  }

  /** Adds an index (cache.Indexers); objects already cached are filed under it. */
  addIndex(name: string, fn: IndexFunc): void {
    if (this.indexes.has(name)) return;
    const ix = new Index(fn);
    for (const [k, o] of this.cache) ix.put(k, o, undefined);
    this.indexes.set(name, ix);
  }

  /** The objects filed under `value` in the index `name` (cache.ByIndex). */
  byIndex(name: string, value: string): KObject[] {
    const ix = this.indexes.get(name);
    if (!ix) throw new Error(`index ${name} does not exist`);
    return ix.get(value);
  }

  /** The objects that have an ownerReference to `uid`. */
  byOwner(uid: string): KObject[] {
    return this.byIndex('owner', uid);
  }

  get(namespace: string, name: string): KObject | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): KObject | undefined {
    return this.cache.get(key);
  }

  list(namespace?: string): KObject[] {
    if (namespace === undefined) return [...this.cache.values()];
    return this.byIndex('namespace', namespace);
  }

  get size(): number {
    return this.cache.size;
  }

  stop(): void {
    this.stopWatch?.();
  }
}

export class InformerFactory {
  private readonly informers = new Map<string, Informer>();

  /** `source` gives each resource's ListWatch (default: the registry's list and watch). */
  constructor(
    private readonly registry: Registry,
    private readonly source: (def: ResourceDef) => ListWatch = (def) => registryListWatch(registry, def),
  ) {}

  /** The shared informer for a resource ('' group = core), created on first use. */
  for(group: string, plural: string): Informer {
    const def = this.registry.mustDef(group, plural);
    const id = resourceId(def);
    let inf = this.informers.get(id);
    if (!inf) this.informers.set(id, (inf = new Informer(def, this.source(def), this.registry.opts.logger)));
    return inf;
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }
}
