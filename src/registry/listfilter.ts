// What a LIST or WATCH selects: label and field selectors compiled once per request, matched
// against the attributes the store keeps for every object (no parsing of stored JSON).
import type { ResourceDef } from '../resources/types.js';
import type { Attrs } from '../storage/store.js';
import { badRequest } from './errors.js';
import * as sel from './selectors.js';

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListFilter {
  /** true when a selector narrows the list (then remainingItemCount is not reported) */
  selective: boolean;
  /** metadata.name=X in the field selector (watch by name) */
  name?: string;
  matches(e: { attrs: Attrs }): boolean;
  matchesAttrs(a: Attrs): boolean;
}

export function compileListFilter(def: ResourceDef, q: Pick<ListQuery, 'labelSelector' | 'fieldSelector'>): ListFilter {
  let labelMatch: ((l: Record<string, string>) => boolean) | undefined;
  let fieldMatch: ((f: Record<string, string>) => boolean) | undefined;
  let name: string | undefined;
  if (q.labelSelector) {
    try {
      const s = sel.parseLabelSelector(q.labelSelector);
      labelMatch = (l) => sel.matches(s, l);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
  }
  if (q.fieldSelector) {
    let fs: ReturnType<typeof sel.parseFieldSelector>;
    try {
      fs = sel.parseFieldSelector(q.fieldSelector);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
    const custom = Object.keys(def.fieldSelectors ?? {});
    if (custom.length) {
      // kinds with their own field label conversion (pkg/apis/core/v1/conversion.go): cluster-scoped
      // ones (nodes, namespaces) do not know metadata.namespace
      const supported = new Set(['metadata.name', ...(def.namespaced ? ['metadata.namespace'] : []), ...custom]);
      const unsupported = sel.unsupportedField(fs, supported);
      if (unsupported) throw badRequest(unsupported);
    } else {
      // runtime.DefaultMetaV1FieldSelectorConversion
      for (const f of sel.fieldSelectorFields(fs)) {
        if (f !== 'metadata.name' && f !== 'metadata.namespace')
          throw badRequest(`"${f}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
      }
    }
    name = sel.fieldSelectorExactValue(fs, 'metadata.name');
    const storedLabel = def.storage?.fieldLabel;
    fieldMatch = storedLabel ? (f) => sel.matchesFields(fs, (k) => f[storedLabel(k)]) : (f) => sel.matchesFields(fs, (k) => f[k]);
  }
  const matchesAttrs = (a: Attrs) => (!labelMatch || labelMatch(a.labels)) && (!fieldMatch || fieldMatch(a.fields));
  return {
    selective: !!(labelMatch || fieldMatch),
    name,
    matchesAttrs,
    matches: (e) => matchesAttrs(e.attrs),
  };
}
