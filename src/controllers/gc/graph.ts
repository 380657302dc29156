// The garbage collector's dependency graph (the model: pkg/controller/garbagecollector/graph.go
// and graph_builder.go): one node per observed object, keyed by uid, and an index of dependents
// by owner uid. The index is kept for owner uids that are not (or no longer) observed too, so the
// dependents of a deleted owner can be found in O(dependents).
import type { KObject, ResourceDef } from '../../resources/types.js';

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface GraphNode {
  uid: string;
  def: ResourceDef;
  namespace: string;
  name: string;
  /** the latest observed object (shared informer cache: never mutate) */
  obj: KObject;
  owners: OwnerRef[];
}

export function ownerRefsOf(obj: KObject): OwnerRef[] {
  const refs = obj?.metadata?.ownerReferences;
  return Array.isArray(refs) ? refs.filter((r) => r && typeof r.uid === 'string') : [];
}

export function beingDeleted(obj: KObject | undefined): boolean {
  return !!obj?.metadata?.deletionTimestamp;
}

export function hasFinalizer(obj: KObject | undefined, f: string): boolean {
  const list = obj?.metadata?.finalizers;
  return Array.isArray(list) && list.includes(f);
}

export const FOREGROUND = 'foregroundDeletion';
export const ORPHAN = 'orphan';

/** Being deleted and waiting for its dependents (FinalizerDeleteDependents). */
export function deletingDependents(obj: KObject | undefined): boolean {
  return beingDeleted(obj) && hasFinalizer(obj, FOREGROUND);
}

/** deletionStartsWithFinalizer (graph_builder.go): the object just entered deletion with `f`. */
export function startsDeletionWith(oldObj: KObject | undefined, newObj: KObject, f: string): boolean {
  if (!beingDeleted(newObj) || !hasFinalizer(newObj, f)) return false;
  if (!oldObj) return true;
  return !beingDeleted(oldObj) || !hasFinalizer(oldObj, f);
}

export function isBlocking(ref: OwnerRef): boolean {
  return ref.blockOwnerDeletion === true;
}

export class DependencyGraph {
  readonly nodes = new Map<string, GraphNode>();
  /** owner uid -> uids of the objects that list it in ownerReferences */
  private readonly dependentsOf = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  dependents(ownerUid: string): GraphNode[] {
    const set = this.dependentsOf.get(ownerUid);
    if (!set) return [];
    const out: GraphNode[] = [];
    for (const u of set) {
      const n = this.nodes.get(u);
      if (n) out.push(n);
    }
    return out;
  }

  dependentsCount(ownerUid: string): number {
    return this.dependentsOf.get(ownerUid)?.size ?? 0;
  }

  /** Dependents whose reference to `owner` has blockOwnerDeletion=true (node.blockingDependents). */
  blockingDependents(owner: GraphNode): GraphNode[] {
    return this.dependents(owner.uid).filter((d) => validNamespace(owner, d) && d.owners.some((r) => r.uid === owner.uid && isBlocking(r)));
  }

  /** Inserts or replaces a node; returns the previous one. */
  upsert(def: ResourceDef, obj: KObject): { node: GraphNode; previous?: GraphNode } {
    const uid = String(obj.metadata.uid);
    const previous = this.nodes.get(uid);
    const node: GraphNode = {
      uid,
      def,
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name,
      obj,
      owners: ownerRefsOf(obj),
    };
    if (previous) for (const r of previous.owners) this.unlink(r.uid, uid);
    for (const r of node.owners) this.link(r.uid, uid);
    this.nodes.set(uid, node);
    return { node, previous };
  }

  remove(uid: string): GraphNode | undefined {
    const n = this.nodes.get(uid);
    if (!n) return undefined;
    this.nodes.delete(uid);
    for (const r of n.owners) this.unlink(r.uid, uid);
    return n;
  }

  private link(owner: string, dep: string): void {
    let s = this.dependentsOf.get(owner);
    if (!s) this.dependentsOf.set(owner, (s = new Set()));
    s.add(dep);
  }

  private unlink(owner: string, dep: string): void {
    const s = this.dependentsOf.get(owner);
    if (!s) return;
    s.delete(dep);
    if (s.size === 0) this.dependentsOf.delete(owner);
  }
}

/** A namespaced owner only owns dependents of its own namespace. */
export function validNamespace(owner: GraphNode, dep: GraphNode): boolean {
  return !owner.def.namespaced || owner.namespace === dep.namespace;
}

/** referencesDiffs (graph_builder.go): owner refs added, removed and changed between two lists. */
export function referencesDiff(oldRefs: OwnerRef[], newRefs: OwnerRef[]): { added: OwnerRef[]; removed: OwnerRef[]; changed: { oldRef: OwnerRef; newRef: OwnerRef }[] } {
  const old = new Map(oldRefs.map((r) => [r.uid, r]));
  const added: OwnerRef[] = [];
  const changed: { oldRef: OwnerRef; newRef: OwnerRef }[] = [];
  for (const r of newRefs) {
    const o = old.get(r.uid);
    if (!o) added.push(r);
    else {
      if (JSON.stringify(o) !== JSON.stringify(r)) changed.push({ oldRef: o, newRef: r });
      old.delete(r.uid);
    }
  }
  return { added, removed: [...old.values()], changed };
}
