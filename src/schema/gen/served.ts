// What the published OpenAPI documents and the compact schema model cover: the kinds
// kube-emulator serves, with the subresources it answers, taken from the kinds' definitions.

import { allResources } from '../../resources/index.js';

export interface ServedKind {
  group: string; // '' for core
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** subresource path segments served (status, scale, log, ...) */
  subresources: string[];
  /** the first emulated minor version that serves it (allResources leaves it out before) */
  sinceMinor?: number;
}

let cache: ServedKind[] | undefined;

/**
 * The built-in kinds, from their definitions (src/resources/index.ts, at every emulated version):
 * one source of truth for discovery, the generated OpenAPI documents and the schema model
 * (test/unit/schema.test.ts holds the generated files equal to what this list makes).
 */
export function servedKinds(): ServedKind[] {
  cache ??= allResources(Number.MAX_SAFE_INTEGER).map((d) => ({
    group: d.group,
    version: d.version,
    kind: d.kind,
    plural: d.plural,
    namespaced: d.namespaced,
    subresources: d.subresources.map((s) => s.name),
  }));
  return cache;
}

/** meta.k8s.io and helper types the server uses even where no published operation names them. */
export const EXTRA_DEFINITIONS = [
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList',
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList',
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIVersions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Table',
  'io.k8s.apimachinery.pkg.apis.meta.v1.PartialObjectMetadata',
  'io.k8s.apimachinery.pkg.apis.meta.v1.PartialObjectMetadataList',
  'io.k8s.api.autoscaling.v1.Scale',
  'io.k8s.api.core.v1.Binding',
];

/** `api/v1`, `apis/apps/v1`: the path of a group-version under /openapi/v3. */
export function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** `api__v1`, `apis__apps__v1`: the file name (without .json) of a group-version's document. */
export function gvFileName(gvp: string): string {
  return gvp.split('/').join('__');
}

export function servedGroupVersions(): string[] {
  const out: string[] = [];
  for (const s of servedKinds()) {
    const p = gvPath(s.group, s.version);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}
