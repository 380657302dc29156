// A ListWatch over HTTP (client-go's cache.NewListWatchFromClient): the informers of a controller
// fed by any API server, this one or another, instead of the in-process registry. It lists, then
// watches from the list's resourceVersion with bookmarks, and on a watch that ends or fails (an
// ERROR 410 after a compaction included) lists again and hands the differences on, as a
// Reflector's relist does.
import type { Logger } from 'pino';
import type { KObject, ResourceDef } from '../resources/types.js';
import { apiVersionOf } from '../resources/types.js';
import type { ListWatch, WatchEventType } from './informer.js';

export interface RemoteOptions {
  /** e.g. http://127.0.0.1:6443 */
  server: string;
  /** sent as `Authorization: Bearer ...` */
  token?: string;
  logger?: Logger;
  /** delay before a relist after a failed watch (ms) */
  retryMs?: number;
}

function collectionPath(def: ResourceDef): string {
  const base = def.group ? `/apis/${apiVersionOf(def)}` : '/api/v1';
  return `${base}/${def.plural}`;
}

export function httpListWatch(def: ResourceDef, o: RemoteOptions): ListWatch {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (o.token) headers.Authorization = `Bearer ${o.token}`;
  const url = `${o.server.replace(/\/$/, '')}${collectionPath(def)}`;
  let listed: KObject[] = [];
  const list = async (): Promise<{ items: KObject[]; resourceVersion: string }> => {
    const r = await fetch(url, { headers });
    if (!r.ok) throw new Error(`list ${def.plural}: HTTP ${r.status}`);
    const body = (await r.json()) as KObject;
    listed = body.items ?? [];
    return { items: listed, resourceVersion: body.metadata?.resourceVersion ?? '' };
  };
  return {
    list,
    watch(resourceVersion, onEvent) {
      const abort = new AbortController();
      let stopped = false;
      const keyOf = (obj: KObject) => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`;
      // what the informer holds: the last list, then every event
      const known = new Map<string, KObject>(listed.map((obj) => [keyOf(obj), obj]));
      const emit = (type: WatchEventType, obj: KObject) => {
        if (type === 'DELETED') known.delete(keyOf(obj));
        else known.set(keyOf(obj), obj);
        onEvent(type, obj);
      };
      const loop = async (rv: string): Promise<void> => {
        while (!stopped) {
          try {
            const r = await fetch(`${url}?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(rv)}`, { headers, signal: abort.signal });
            if (!r.ok || !r.body) throw new Error(`watch ${def.plural}: HTTP ${r.status}`);
            let buf = '';
            const decoder = new TextDecoder();
            for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
              buf += decoder.decode(chunk, { stream: true });
              let nl: number;
              while ((nl = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, nl).trim();
                buf = buf.slice(nl + 1);
                if (!line) continue;
                const ev = JSON.parse(line) as { type: string; object: KObject };
                if (ev.type === 'ERROR') throw new Error(`watch ${def.plural}: ${ev.object?.message ?? 'error'}`);
                rv = ev.object?.metadata?.resourceVersion ?? rv;
                if (ev.type === 'BOOKMARK') continue;
                emit(ev.type as WatchEventType, ev.object);
              }
            }
          } catch (err) {
            if (stopped) return;
            o.logger?.debug({ resource: def.plural, err: (err as Error).message }, 'remote watch ended; relisting');
          }
          if (stopped) return;
          await new Promise((res) => setTimeout(res, o.retryMs ?? 200));
          // relist: what appeared, changed or went while the watch was down
          try {
            const l = await list();
            const seen = new Set<string>();
            for (const obj of l.items) {
              const k = keyOf(obj);
              seen.add(k);
              const prev = known.get(k);
              if (!prev) emit('ADDED', obj);
              else if (prev.metadata?.resourceVersion !== obj.metadata?.resourceVersion) emit('MODIFIED', obj);
            }
            for (const [k, obj] of [...known]) if (!seen.has(k)) emit('DELETED', obj);
            rv = l.resourceVersion;
          } catch (err) {
            o.logger?.debug({ resource: def.plural, err: (err as Error).message }, 'relist failed');
          }
        }
      };
      void loop(resourceVersion);
      return () => {
        stopped = true;
        abort.abort();
      };
    },
  };
}
