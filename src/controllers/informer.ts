// Shared informers fed synchronously by the store's change stream (the in-process equivalent of
// client-go's reflector + watch cache): one parsed cache per resource, shared by all controllers.
// Handlers must only enqueue work; cached objects are shared and must not be mutated.
import type { Logger } from 'pino';
import type { KObject, ResourceDef } from '../resources/types.js';
import type { Registry } from '../registry/registry.js';
import { resourceId } from '../registry/registry.js';
import type { Change } from '../storage/store.js';

export interface EventHandler {
  add?(obj: KObject): void;
  update?(oldObj: KObject, newObj: KObject): void;
  delete?(obj: KObject): void;
}

export function objectKey(obj: KObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name;
}

export function splitObjectKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export class Informer {
  private readonly cache = new Map<string, KObject>();
  private readonly byNamespace = new Map<string, Map<string, KObject>>();
  private readonly handlers: EventHandler[] = [];
  readonly resource: string;

  private readonly logger: Logger | undefined;

  constructor(
    readonly def: ResourceDef,
    registry: Registry,
  ) {
    this.resource = resourceId(def);
    this.logger = registry.opts.logger;
    for (const e of registry.store.list(this.resource)) this.put(JSON.parse(e.json));
  }

  private put(obj: KObject): KObject | undefined {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    const ns = obj.metadata?.namespace ?? '';
    let m = this.byNamespace.get(ns);
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    m.set(key, obj);
    return old;
  }

  private drop(obj: KObject): KObject | undefined {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    this.cache.delete(key);
    this.byNamespace.get(obj.metadata?.namespace ?? '')?.delete(key);
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

  /** Called by the factory for every change of this resource. */
  onChange(c: Change): void {
    const obj = JSON.parse(c.entry.json) as KObject;
    if (c.type === 'DELETED') {
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

  get(namespace: string, name: string): KObject | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): KObject | undefined {
    return this.cache.get(key);
  }

  list(namespace?: string): KObject[] {
    if (namespace === undefined) return [...this.cache.values()];
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  get size(): number {
    return this.cache.size;
  }
}

export class InformerFactory {
  private readonly informers = new Map<string, Informer>();
  private unsubscribe?: () => void;

  constructor(private readonly registry: Registry) {
    this.unsubscribe = registry.store.subscribe((c) => {
      const inf = this.informers.get(c.entry.resource);
      if (inf) inf.onChange(c);
    });
  }

  /** The shared informer for a resource ('' group = core), created on first use. */
  for(group: string, plural: string): Informer {
    const def = this.registry.mustDef(group, plural);
    const id = resourceId(def);
    let inf = this.informers.get(id);
    if (!inf) this.informers.set(id, (inf = new Informer(def, this.registry)));
    return inf;
  }

  stop(): void {
    this.unsubscribe?.();
  }
}
