// Discovery documents: legacy (/api, /apis, per group-version APIResourceList) and aggregated
// (apidiscovery.k8s.io v2 / v2beta1), built once from the served kinds
// (apiserver pkg/endpoints/discovery, pkg/endpoints/discovery/aggregated).
import type { ResourceDef } from '../resources/types.js';
import { GROUP_ORDER } from '../resources/index.js';
import { KindRegistry } from '../registry/kinds.js';
import { versionPriority } from '../util/versions.js';

interface GroupVersion {
  group: string;
  version: string;
  defs: ResourceDef[];
}

export class Discovery {
  private gvs: GroupVersion[] = [];
  private cache = new Map<string, string>();
  private seen = -1;
  private readonly kinds: KindRegistry;

  /** Built from the kind registry, and rebuilt whenever it changes (the aggregated ETag with it). */
  constructor(defs: ResourceDef[] | KindRegistry) {
    this.kinds = defs instanceof KindRegistry ? defs : new KindRegistry(defs);
    this.refresh();
  }

  private refresh(): void {
    if (this.seen === this.kinds.generation) return;
    this.seen = this.kinds.generation;
    this.cache = new Map();
    const byGV = new Map<string, GroupVersion>();
    for (const d of this.kinds.all()) {
      const k = `${d.group}/${d.version}`;
      if (!byGV.has(k)) byGV.set(k, { group: d.group, version: d.version, defs: [] });
      byGV.get(k)!.defs.push(d);
    }
    // a group that only appears as a subresource kind (autoscaling/v1 Scale) is not served on its own
    const rank = (g: string) => (GROUP_ORDER.indexOf(g) < 0 ? 99 : GROUP_ORDER.indexOf(g));
    const gvs = [...byGV.values()];
    // versions within a group: by the group's own order where it has one (custom resources: upstream's version priority)
    const vrank = (gv: GroupVersion) => versionPriority(gv.version);
    this.gvs = gvs.sort((a, b) => rank(a.group) - rank(b.group) || a.group.localeCompare(b.group) || vrank(a) - vrank(b));
    for (const gv of this.gvs) gv.defs.sort((a, b) => a.plural.localeCompare(b.plural));
  }

  /** A version served from another version's storage in its own group (autoscaling/v1) hashes as the stored version. */
  private storedAs(d: ResourceDef): ResourceDef {
    if (!d.storage || d.storage.group !== d.group) return d;
    for (const gv of this.gvs) for (const o of gv.defs) if (!o.storage && o.group === d.group && o.plural === d.storage.plural) return o;
    return d;
  }

  private memo(key: string, build: () => unknown): string {
    this.refresh();
    let s = this.cache.get(key);
    if (s === undefined) this.cache.set(key, (s = JSON.stringify(build())));
    return s;
  }

  hasGroupVersion(group: string, version: string): boolean {
    this.refresh();
    return this.gvs.some((g) => g.group === group && g.version === version);
  }

  hasGroup(group: string): boolean {
    this.refresh();
    return this.gvs.some((g) => g.group === group);
  }

  apiVersions(serverAddress: string): string {
    return JSON.stringify({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    });
  }

  private groupDoc(group: string) {
    const versions = this.gvs.filter((g) => g.group === group).map((g) => ({ groupVersion: `${g.group}/${g.version}`, version: g.version }));
    return { name: group, versions, preferredVersion: versions[0] };
  }

  apiGroupList(): string {
    return this.memo('groups', () => ({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...new Set(this.gvs.filter((g) => g.group).map((g) => g.group))].map((g) => this.groupDoc(g)),
    }));
  }

  apiGroup(group: string): string {
    return this.memo(`group:${group}`, () => ({ kind: 'APIGroup', apiVersion: 'v1', ...this.groupDoc(group) }));
  }

  resourceList(group: string, version: string): string {
    return this.memo(`rl:${group}/${version}`, () => {
      const gv = this.gvs.find((g) => g.group === group && g.version === version)!;
      const resources: Record<string, unknown>[] = [];
      for (const d of gv.defs) {
        const r: Record<string, unknown> = {
          name: d.plural,
          singularName: d.singular,
          namespaced: d.namespaced,
          kind: d.kind,
          verbs: d.verbs,
        };
        if (d.shortNames?.length) r.shortNames = d.shortNames;
        if (d.categories?.length) r.categories = d.categories;
        r.storageVersionHash = storageVersionHash(this.storedAs(d));
        resources.push(r);
        for (const s of d.subresources) {
          const sr: Record<string, unknown> = { name: `${d.plural}/${s.name}`, singularName: '', namespaced: d.namespaced };
          if (s.group !== undefined && s.group !== d.group) sr.group = s.group;
          if (s.version !== undefined && (s.version !== d.version || s.group !== d.group)) sr.version = s.version;
          sr.kind = s.kind;
          sr.verbs = s.verbs;
          resources.push(sr);
        }
      }
      return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
    });
  }

  /**
   * The ETag of an aggregated document: the upper-case hex SHA-512 of its JSON, quoted
   * (apiserver pkg/endpoints/discovery/aggregated/etag.go); it changes with what is served.
   */
  aggregatedETag(legacy: boolean, version: 'v2' | 'v2beta1'): string {
    const body = this.aggregated(legacy, version);
    this.refresh();
    const key = `etag:${legacy}:${version}`;
    let tag = this.cache.get(key);
    if (tag === undefined) this.cache.set(key, (tag = `"${createHash('sha512').update(body).digest('hex').toUpperCase()}"`));
    return tag;
  }

  /** Aggregated discovery for /api (legacy) or /apis. */
  aggregated(legacy: boolean, version: 'v2' | 'v2beta1'): string {
    return this.memo(`agg:${legacy}:${version}`, () => {
      const groups = legacy ? [''] : [...new Set(this.gvs.filter((g) => g.group).map((g) => g.group))];
      return {
        kind: 'APIGroupDiscoveryList',
        apiVersion: `apidiscovery.k8s.io/${version}`,
        metadata: {},
        items: groups.map((group) => ({
          metadata: { name: group, creationTimestamp: null },
          versions: this.gvs
            .filter((g) => g.group === group)
            .map((gv) => ({
              version: gv.version,
              resources: gv.defs.map((d) => {
                const r: Record<string, unknown> = {
                  resource: d.plural,
                  responseKind: { group: d.group, version: d.version, kind: d.kind },
                  scope: d.namespaced ? 'Namespaced' : 'Cluster',
                  singularResource: d.singular,
                  verbs: d.verbs,
                };
                if (d.shortNames?.length) r.shortNames = d.shortNames;
                if (d.categories?.length) r.categories = d.categories;
                if (d.subresources.length)
                  r.subresources = d.subresources.map((s) => ({
                    subresource: s.name,
                    responseKind: { group: s.group ?? d.group, version: s.version ?? d.version, kind: s.kind },
                    verbs: s.verbs,
                  }));
                return r;
              }),
              freshness: 'Current',
            })),
        })),
      };
    });
  }
}

/** Which aggregated discovery version the Accept header asks for, if any. */
export function aggregatedDiscoveryVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const p = part.replace(/\s+/g, '');
    if (!p.includes('g=apidiscovery.k8s.io') || !p.includes('as=APIGroupDiscoveryList')) {
      // the first acceptable plain type wins over later aggregated ones
      if (/^application\/json(;|$)/.test(p) && !p.includes('as=')) return undefined;
      continue;
    }
    if (p.includes('v=v2beta1')) return 'v2beta1';
    if (p.includes('v=v2')) return 'v2';
  }
  return undefined;
}

// storageVersionHash: base64 of the first 8 bytes of sha256("<group>/<version>/<kind>") upstream;
// any stable opaque value works for clients.
import { createHash } from 'node:crypto';
function storageVersionHash(d: ResourceDef): string {
  return createHash('sha256').update(`${d.group}/${d.version}/${d.kind}`).digest().subarray(0, 8).toString('base64');
}
