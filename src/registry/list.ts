// LIST over the store: selectors, limit/continue over a consistent snapshot, resourceVersion and
// resourceVersionMatch (apiserver pkg/storage/cacher + etcd3 store GetList semantics).
import type { ResourceDef } from '../resources/types.js';
import { TooOldResourceVersionError, type Entry, type ObjectStore } from '../storage/store.js';
import { badRequest, expired, timeoutError } from './errors.js';
import { compileListFilter, type ListQuery } from './listfilter.js';
import { resourceId, viewEntry } from './views.js';

export interface ListResult {
  entries: Entry[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

const CONTINUE_TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export function listEntries(store: ObjectStore, def: ResourceDef, namespace: string | undefined, q: ListQuery = {}): ListResult {
  const filter = compileListFilter(def, q);
  const resource = resourceId(def);
  const ns = def.namespaced ? namespace || undefined : undefined;
  let at = store.revision();
  let start = '';
  if (q.continue) {
    const tok = decodeContinue(q.continue);
    if (tok.rv >= 0) at = tok.rv;
    start = tok.start;
  } else if (q.resourceVersion && q.resourceVersion !== '0') {
    const rv = parseRV(q.resourceVersion);
    if (rv > store.revision()) throw timeoutError(`Too large resource version: ${rv}, current: ${store.revision()}`);
    if (q.resourceVersionMatch === 'Exact') at = rv;
  } else if (q.resourceVersionMatch && q.resourceVersionMatch !== 'NotOlderThan' && q.resourceVersionMatch !== 'Exact') {
    throw badRequest(`resourceVersionMatch: Unsupported value: "${q.resourceVersionMatch}"`);
  }
  let all: Entry[];
  try {
    all = at === store.revision() ? store.list(resource, ns) : store.listAt(resource, at, ns);
  } catch (err) {
    if (!(err instanceof TooOldResourceVersionError)) throw err;
    if (q.continue) {
      // etcd3 handleCompactedErrorForPaging: a fresh token that continues at the latest state
      const e = expired(CONTINUE_TOO_OLD);
      e.metadata = { continue: encodeContinue(-1, start) };
      throw e;
    }
    if (q.resourceVersionMatch === 'Exact') throw expired('The resourceVersion for the provided list is too old.');
    throw expired(err.message);
  }
  const out: Entry[] = [];
  const limit = q.limit && q.limit > 0 ? q.limit : 0;
  let i = start ? firstAfter(all, start) : 0;
  let next: string | undefined;
  for (; i < all.length; i++) {
    const e = all[i];
    if (!filter.matches(e)) continue;
    if (limit && out.length === limit) {
      next = out[out.length - 1].key;
      break;
    }
    out.push(e);
  }
  const res: ListResult = { entries: def.storage ? out.map((e) => viewEntry(def, e)) : out, resourceVersion: String(at) };
  if (next) {
    res.continue = encodeContinue(at, next);
    // only without selectors is the count of what follows known (as upstream)
    if (!filter.selective) res.remainingItemCount = all.length - i;
  }
  return res;
}

/** The index of the first entry whose key sorts after `key` (entries are sorted by key). */
function firstAfter(all: Entry[], key: string): number {
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (all[mid].key <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function parseRV(s: string): number {
  if (!/^\d+$/.test(s)) throw badRequest(`Invalid value: "${s}": resourceVersion must be a non-negative integer`);
  return Number(s);
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(tok: string): { rv: number; start: string } {
  try {
    const o = JSON.parse(Buffer.from(tok, 'base64url').toString('utf8'));
    if (o.v !== 'meta.k8s.io/v1' || typeof o.rv !== 'number' || o.rv < -1 || typeof o.start !== 'string') throw new Error('bad');
    return { rv: o.rv, start: o.start };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}
