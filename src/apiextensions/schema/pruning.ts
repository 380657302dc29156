// Pruning of unknown fields: staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning/algorithm.go
// (PruneWithOptions, with the unknown-field paths as options.go's UnknownFieldPathOptions records them).
import { asResourceRoot, type Structural } from './structural.js';

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

interface Track {
  on: boolean;
  paths: string[];
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function appendKey(parent: string, k: string): string {
  return parent ? parent + '.' + k : k;
}

/**
 * Removes the fields of obj that s does not specify (mutating obj). apiVersion, kind and metadata are kept at the
 * root (isResourceRoot) and in x-kubernetes-embedded-resource objects. Returns the pruned fields' paths, sorted,
 * as PruneWithOptions(TrackUnknownFieldPaths) reports them (e.g. `spec.foo`, `spec.list[0].bar`).
 */
export function prune(obj: unknown, s: Structural | undefined, isResourceRoot: boolean, track = true): string[] {
  if (isResourceRoot) {
    s = asResourceRoot(s);
  }
  const t: Track = { on: track, paths: [] };
  pruneAt(obj, s, '', t);
  t.paths.sort();
  return t.paths;
}

function pruneAt(x: unknown, s: Structural | undefined, parent: string, t: Track): void {
  if (s && s.xPreserveUnknownFields) return skipPrune(x, s, parent, t);
  if (x === null || typeof x !== 'object') return;
  if (!s) return pruneAll(x, parent, t);
  if (Array.isArray(x)) {
    const items = s ? s.items : undefined;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (v !== null && typeof v === 'object') pruneAt(v, items, t.on ? parent + '[' + i + ']' : '', t);
    }
    return;
  }
  const o = x as Record<string, unknown>;
  if (!s) {
    for (const k of Object.keys(o)) {
      if (t.on) t.paths.push(appendKey(parent, k));
      delete o[k];
    }
    return;
  }
  const props = s.properties;
  const ap = s.additionalProperties;
  for (const k in o) {
    if (s.xEmbeddedResource && META_FIELDS.has(k)) continue;
    const prop = props?.get(k);
    if (prop) {
      const v = o[k];
      if ((v !== null && typeof v === 'object') || prop.xPreserveUnknownFields) pruneAt(v, prop, t.on ? appendKey(parent, k) : '', t);
    } else if (ap) {
      const v = o[k];
      if (v !== null && typeof v === 'object') pruneAt(v, ap.structural, t.on ? appendKey(parent, k) : '', t);
    } else {
      if (t.on && (!META_FIELDS.has(k) || parent.length > 0)) t.paths.push(appendKey(parent, k));
      delete o[k];
    }
  }
}

// no schema: every object field goes; arrays are walked with an explicit stack (values may nest 10,000 levels)
function pruneAll(root: object, rootPath: string, t: Track): void {
  const stack: [unknown, string][] = [[root, rootPath]];
  while (stack.length) {
    const [x, parent] = stack.pop()!;
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) {
        const v = x[i];
        if (v !== null && typeof v === 'object') stack.push([v, t.on ? parent + '[' + i + ']' : '']);
      }
    } else {
      const o = x as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (t.on) t.paths.push(appendKey(parent, k));
        delete o[k];
      }
    }
  }
}

function skipPrune(x: unknown, s: Structural, parent: string, t: Track): void {
  if (x === null || typeof x !== 'object') return;
  if (Array.isArray(x)) {
    if (!s.items) return;
    for (let i = 0; i < x.length; i++) skipPrune(x[i], s.items, t.on ? parent + '[' + i + ']' : '', t);
    return;
  }
  const o = x as Record<string, unknown>;
  const props = s.properties;
  const ap = s.additionalProperties;
  if (!props && !ap) return;
  for (const k in o) {
    if (s.xEmbeddedResource && META_FIELDS.has(k)) continue;
    const prop = props?.get(k);
    if (prop) pruneAt(o[k], prop, t.on ? appendKey(parent, k) : '', t);
    else if (ap) pruneAt(o[k], ap.structural, t.on ? appendKey(parent, k) : '', t);
  }
}

export { isObj as isJSONObject };
