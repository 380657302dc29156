// The set of kinds the server serves, as data that can change while it runs: built-in kinds are
// added at start, custom resources when their CustomResourceDefinition is established and removed
// when it goes. Everything that depends on the kind set (the registry, discovery, OpenAPI, the
// schema model, informers, the garbage collector, namespace deletion) asks this registry or follows
// its changes, instead of taking a copy at start-up (the model: apiextensions-apiserver's
// crdHandler, which swaps its per-CRD storage map while requests run).
import type { ResourceDef } from '../resources/types.js';
import { registerValueFields } from '../fieldmanager/schema.js';

export interface KindChange {
  added: ResourceDef[];
  removed: ResourceDef[];
}

export type KindListener = (change: KindChange) => void;

/** `<group or core>/<version>/<plural>`: one served resource at one version. */
export function versionedId(def: Pick<ResourceDef, 'group' | 'version' | 'plural'>): string {
  return `${def.group || 'core'}/${def.version}/${def.plural}`;
}

const groupResource = (group: string, plural: string) => `${group || 'core'}/${plural}`;

export class KindRegistry {
  private readonly byVersion = new Map<string, ResourceDef>();
  /** group/plural -> the versions served, preferred first */
  private readonly byResource = new Map<string, ResourceDef[]>();
  private readonly listeners = new Set<KindListener>();
  /** Bumped on every change: caches built from the kind set compare it. */
  generation = 0;

  constructor(defs: ResourceDef[] = []) {
    this.apply(defs, []);
  }

  /** Every served resource at every version, in registration order. */
  all(): ResourceDef[] {
    return [...this.byVersion.values()];
  }

  /** The preferred version of group/plural (the first registered). */
  get(group: string, plural: string): ResourceDef | undefined {
    return this.byResource.get(groupResource(group, plural))?.[0];
  }

  /** group/plural at one version. */
  at(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byVersion.get(`${group || 'core'}/${version}/${plural}`);
  }

  /** The versions of group/plural, preferred first. */
  versions(group: string, plural: string): ResourceDef[] {
    return this.byResource.get(groupResource(group, plural)) ?? [];
  }

  hasGroup(group: string): boolean {
    for (const d of this.byVersion.values()) if (d.group === group) return true;
    return false;
  }

  add(defs: ResourceDef[]): void {
    this.apply(defs, []);
  }

  remove(defs: ResourceDef[]): void {
    this.apply([], defs);
  }

  /**
   * One change: removes `removed` (by their group/version/plural) and adds `added`, replacing a
   * definition already registered at the same group/version/plural; listeners hear of it once.
   */
  apply(added: ResourceDef[], removed: ResourceDef[]): void {
    const gone: ResourceDef[] = [];
    for (const d of removed) {
      const id = versionedId(d);
      const cur = this.byVersion.get(id);
      if (!cur) continue;
      this.byVersion.delete(id);
      gone.push(cur);
      const gr = groupResource(d.group, d.plural);
      const rest = (this.byResource.get(gr) ?? []).filter((x) => x !== cur);
      if (rest.length) this.byResource.set(gr, rest);
      else this.byResource.delete(gr);
    }
    for (const d of added) {
      if (d.valueFields) registerValueFields(d.valueFields);
      const id = versionedId(d);
      const cur = this.byVersion.get(id);
      this.byVersion.set(id, d);
      const gr = groupResource(d.group, d.plural);
      const list = this.byResource.get(gr) ?? [];
      if (cur) {
        gone.push(cur);
        list[list.indexOf(cur)] = d;
      } else list.push(d);
      this.byResource.set(gr, list);
    }
    if (!added.length && !gone.length) return;
    this.generation++;
    const change = { added, removed: gone };
    for (const l of [...this.listeners]) l(change);
  }

  /** Reorders the versions of group/plural (CRDs: by upstream's version priority). */
  setVersionOrder(group: string, plural: string, versions: string[]): void {
    const list = this.byResource.get(groupResource(group, plural));
    if (!list) return;
    list.sort((a, b) => rank(versions, a.version) - rank(versions, b.version));
  }

  /** Hears of every later change; returns the unsubscribe function. */
  subscribe(l: KindListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

function rank(order: string[], v: string): number {
  const i = order.indexOf(v);
  return i < 0 ? order.length : i;
}
