// How a kind maps onto storage: the stored resource it lives in (a view's stored kind, e.g.
// events.k8s.io/v1 Events in core/v1 Event storage) and the conversion of what is read.
import type { KObject, ResourceDef } from '../resources/types.js';
import type { Entry } from '../storage/store.js';
import { stringifyJSON } from '../util/json.js';

/** The stored resource a kind lives in: `<group or core>/<plural>` (a view's stored kind). */
export function resourceId(def: Pick<ResourceDef, 'group' | 'plural' | 'storage'>): string {
  const s = def.storage ?? def;
  return `${s.group || 'core'}/${s.plural}`;
}

/** The served resource: `<group or core>/<plural>`, distinct for views. */
export function servedId(def: Pick<ResourceDef, 'group' | 'plural'>): string {
  return `${def.group || 'core'}/${def.plural}`;
}

/** A stored object as the kind serves it. */
export function decodeFor(def: ResourceDef, json: string): KObject {
  const o = JSON.parse(json);
  return def.storage ? def.storage.fromStorage(o) : o;
}

/** A stored entry as the kind serves it (views re-encode; others pass through). */
export function viewEntry(def: ResourceDef, e: Entry): Entry {
  if (!def.storage || def.storage.passThrough?.(e.json)) return e;
  return { ...e, json: stringifyJSON(def.storage.fromStorage(JSON.parse(e.json))) };
}

