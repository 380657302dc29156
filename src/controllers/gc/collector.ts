// The garbage collector's workers (the model: pkg/controller/garbagecollector/garbagecollector.go
// attemptToDeleteItem / processDeletingDependentsItem / attemptToOrphanWorker, and the event
// routing of graph_builder.go processGraphChanges). The graph is fed synchronously by the shared
// informers, so it always matches the store; owners are verified against the registry.
import type { Logger } from 'pino';
import type { KObject, ResourceDef } from '../../resources/types.js';
import type { Registry } from '../../registry/registry.js';
import { StatusError } from '../../registry/errors.js';
import type { ControllerContext } from '../manager.js';
import type { WorkQueue } from '../workqueue.js';
import { controllerDelete, controllerUser } from '../../admission/run.js';

const GC_USER = controllerUser('generic-garbage-collector');
import {
  DependencyGraph,
  FOREGROUND,
  ORPHAN,
  beingDeleted,
  deletingDependents,
  hasFinalizer,
  isBlocking,
  ownerRefsOf,
  referencesDiff,
  startsDeletionWith,
  type GraphNode,
  type OwnerRef,
} from './graph.js';

type Recorder = (obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;

/** Kinds the collector watches: every stored kind (not the virtual review kinds). */
export function monitoredDefs(registry: Registry): ResourceDef[] {
  // views of another kind's storage (events.k8s.io Events) are the same objects: watched once
  return registry.allDefs().filter((d) => !d.create && (!d.storage || d.storage.primary) && d.verbs.includes('list') && d.verbs.includes('watch'));
}

class ObjectReplaced extends Error {}

/** the field manager upstream's controllers write as */
const WRITE = { fieldManager: 'kube-controller-manager' };

export class GarbageCollector {
  readonly graph = new DependencyGraph();
  private readonly byKind = new Map<string, ResourceDef>();
  private readonly reported = new Set<string>();
  private synced = false;
  private registry!: Registry;
  private logger!: Logger;
  private record!: Recorder;
  private deleteQueue!: WorkQueue;
  private orphanQueue!: WorkQueue;

  start(ctx: ControllerContext): void {
    this.registry = ctx.registry;
    this.logger = ctx.logger.child({ controller: 'garbagecollector' });
    this.record = ctx.recorder.for({ component: 'garbage-collector-controller' });
    this.deleteQueue = ctx.newQueue('garbagecollector', (uid) => this.attemptToDelete(uid));
    this.orphanQueue = ctx.newQueue('garbagecollector-orphan', (uid) => this.attemptToOrphan(uid));
    const defs = monitoredDefs(ctx.registry);
    for (const d of defs) this.byKind.set(`${d.group}/${d.kind}`, d);
    for (const d of defs) this.monitor(ctx, d);
    // kinds registered later (custom resources) are monitored from then on
    this.unsubscribe = ctx.registry.kinds.subscribe(({ added, removed }) => {
      for (const d of removed) if (this.byKind.get(`${d.group}/${d.kind}`) === d) this.byKind.delete(`${d.group}/${d.kind}`);
      for (const d of added) {
        if (d.create || (d.storage && !d.storage.primary) || !d.verbs.includes('list') || !d.verbs.includes('watch')) continue;
        const known = this.byKind.has(`${d.group}/${d.kind}`);
        this.byKind.set(`${d.group}/${d.kind}`, d);
        if (!known) this.monitor(ctx, d);
      }
    });
    // all kinds are in the graph now: verify references to owners that were never observed
    this.synced = true;
    for (const n of this.graph.nodes.values()) {
      if (!n.owners.length) continue;
      try {
        this.checkOwners(n, n.owners);
      } catch (err) {
        // one object the graph cannot follow must not keep the collector (or the server) from starting
        this.logger.warn({ uid: n.uid, name: n.name, err: (err as Error)?.message }, 'garbage collector: cannot verify the owners of an object');
      }
    }
  }

  private unsubscribe?: () => void;
  private readonly monitored = new Set<string>();

  private monitor(ctx: ControllerContext, d: ResourceDef): void {
    const id = `${d.group}/${d.plural}`;
    if (this.monitored.has(id)) return;
    this.monitored.add(id);
    // the handler looks the kind up at each event: a re-registered kind (a changed CRD) is a new definition
    const current = () => this.byKind.get(`${d.group}/${d.kind}`) ?? d;
    ctx.informers.for(d.group, d.plural).addHandler({
      add: (o) => this.observe(current(), undefined, o),
      update: (a, b) => this.observe(current(), a, b),
      delete: (o) => this.forget(o),
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  // ---- graph changes (graph_builder.go processGraphChanges) ---------------------------------

  private observe(def: ResourceDef, oldObj: KObject | undefined, obj: KObject): void {
    if (!obj?.metadata?.uid) return;
    const { node, previous } = this.graph.upsert(def, obj);
    if (previous) {
      const { added, removed, changed } = referencesDiff(previous.owners, node.owners);
      // addUnblockedOwnersToDeleteQueue: a blocking reference went away or stopped blocking
      for (const r of removed) if (isBlocking(r) && this.graph.get(r.uid)) this.deleteQueue.add(r.uid);
      for (const c of changed) if (isBlocking(c.oldRef) && !isBlocking(c.newRef) && this.graph.get(c.newRef.uid)) this.deleteQueue.add(c.newRef.uid);
      if (added.length && this.synced) this.checkOwners(node, added);
    } else if (this.synced && node.owners.length) {
      this.checkOwners(node, node.owners);
    }
    const old = oldObj ?? previous?.obj;
    if (startsDeletionWith(old, obj, ORPHAN)) {
      this.orphanQueue.add(node.uid);
      return;
    }
    if (startsDeletionWith(old, obj, FOREGROUND)) {
      for (const dep of this.graph.dependents(node.uid)) this.deleteQueue.add(dep.uid);
      this.deleteQueue.add(node.uid);
    }
  }

  private forget(obj: KObject): void {
    const uid = obj?.metadata?.uid;
    if (!uid) return;
    const node = this.graph.remove(uid);
    for (const dep of this.graph.dependents(uid)) this.deleteQueue.add(dep.uid);
    for (const r of node?.owners ?? ownerRefsOf(obj)) {
      const owner = this.graph.get(r.uid);
      // let a foreground owner see that one more dependent is gone
      if (owner && deletingDependents(owner.obj)) this.deleteQueue.add(owner.uid);
    }
  }

  /** addDependentToOwners: references the graph cannot vouch for get the dependent verified. */
  private checkOwners(node: GraphNode, refs: OwnerRef[]): void {
    let verify = false;
    for (const r of refs) {
      const owner = this.graph.get(r.uid);
      if (!owner) verify = true;
      else if (owner.def.namespaced && owner.namespace !== node.namespace) {
        this.reportInvalidNamespace(node, r);
        verify = true;
      } else if (owner.name !== r.name || owner.def.kind !== r.kind || groupOf(r.apiVersion) !== owner.def.group) verify = true;
    }
    if (verify) this.deleteQueue.add(node.uid);
  }

  // reportInvalidNamespaceOwnerRef (graph_builder.go)
  private reportInvalidNamespace(node: GraphNode, r: OwnerRef): void {
    const key = `${node.uid}/${r.uid}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    if (this.reported.size > 10_000) this.reported.delete(this.reported.values().next().value!);
    const ns = node.namespace;
    this.record(
      node.obj,
      'Warning',
      'OwnerRefInvalidNamespace',
      `ownerRef [${r.apiVersion}/${r.kind}, namespace: ${ns}, name: ${r.name}, uid: ${r.uid}] does not exist in namespace "${ns}"`,
    );
  }

  // ---- attemptToDelete (garbagecollector.go attemptToDeleteItem) ----------------------------

  private async attemptToDelete(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    // being deleted is a one-way trip: wait for the final deletion, then process the dependents
    if (beingDeleted(node.obj) && !deletingDependents(node.obj)) return;
    const latest = this.registry.tryGet(node.def, node.namespace, node.name);
    if (!latest || latest.metadata?.uid !== uid) return;
    if (deletingDependents(latest)) return this.processDeletingDependents(node);

    const refs = ownerRefsOf(latest);
    if (!refs.length) return;
    const cls = this.classify(node, refs);
    if (!cls) return;
    const { solid, dangling, waiting } = cls;
    if (solid.length) {
      if (!dangling.length && !waiting.length) return;
      // strip dangling references and references to owners waiting for their dependents
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      this.patchOwnerRefs(node, (r) => (drop.has(r.uid) ? undefined : r));
      return;
    }
    if (waiting.length && this.graph.dependentsCount(uid) > 0) {
      // cycle guard: a dependent that is itself deleting its dependents would wait on us forever
      if (this.graph.dependents(uid).some((d) => deletingDependents(d.obj))) {
        this.patchOwnerRefs(node, (r) => (isBlocking(r) ? { ...r, blockOwnerDeletion: false } : r));
      }
      return this.deleteObject(node, 'Foreground');
    }
    const policy = hasFinalizer(latest, ORPHAN) ? 'Orphan' : hasFinalizer(latest, FOREGROUND) ? 'Foreground' : 'Background';
    await this.deleteObject(node, policy);
  }

  /** solid / dangling / waitingForDependentsDeletion (classifyReferences + isDangling); undefined = cannot decide. */
  private classify(node: GraphNode, refs: OwnerRef[]): { solid: OwnerRef[]; dangling: OwnerRef[]; waiting: OwnerRef[] } | undefined {
    const solid: OwnerRef[] = [];
    const dangling: OwnerRef[] = [];
    const waiting: OwnerRef[] = [];
    for (const r of refs) {
      const def = this.byKind.get(`${groupOf(r.apiVersion)}/${r.kind}`);
      if (!def) {
        // an unknown kind is not evidence that the owner is gone (upstream retries the REST mapping)
        this.logger.debug({ item: `${node.namespace}/${node.name}`, owner: r }, 'owner kind not served; not collecting');
        return undefined;
      }
      if (def.namespaced && !node.namespace) {
        // cluster-scoped objects cannot refer to namespaced owners: never resolvable
        this.reportInvalidNamespace(node, r);
        return undefined;
      }
      const owner = this.registry.tryGet(def, def.namespaced ? node.namespace : '', r.name);
      if (!owner || owner.metadata?.uid !== r.uid) {
        const seen = this.graph.get(r.uid);
        if (seen && seen.def.namespaced && seen.namespace !== node.namespace) this.reportInvalidNamespace(node, r);
        dangling.push(r);
      } else if (deletingDependents(owner)) waiting.push(r);
      else solid.push(r);
    }
    return { solid, dangling, waiting };
  }

  // processDeletingDependentsItem
  private processDeletingDependents(node: GraphNode): void {
    const blocking = this.graph.blockingDependents(node);
    if (!blocking.length) {
      this.removeFinalizer(node, FOREGROUND);
      return;
    }
    for (const dep of blocking) if (!deletingDependents(dep.obj) && !beingDeleted(dep.obj)) this.deleteQueue.add(dep.uid);
  }

  // ---- attemptToOrphan (garbagecollector.go attemptToOrphanWorker) --------------------------

  private attemptToOrphan(uid: string): void {
    const node = this.graph.get(uid);
    if (!node) return;
    const latest = this.registry.tryGet(node.def, node.namespace, node.name);
    if (!latest || latest.metadata?.uid !== uid || !beingDeleted(latest) || !hasFinalizer(latest, ORPHAN)) return;
    const failures: string[] = [];
    for (const dep of this.graph.dependents(uid)) {
      try {
        this.patchOwnerRefs(dep, (r) => (r.uid === uid ? undefined : r));
      } catch (err) {
        failures.push(`${dep.namespace}/${dep.name}: ${(err as Error).message}`);
      }
    }
    if (failures.length) throw new Error(`failed to orphan dependents of ${node.namespace}/${node.name}: ${failures.join('; ')}`);
    this.removeFinalizer(node, ORPHAN);
  }

  // ---- writes -------------------------------------------------------------------------------

  /** Rewrites ownerReferences of the object `node` stands for (same uid only); 404 is fine. */
  private patchOwnerRefs(node: GraphNode, map: (r: OwnerRef) => OwnerRef | undefined): void {
    this.modifySame(node, (o) => {
      const refs: OwnerRef[] = Array.isArray(o.metadata.ownerReferences) ? o.metadata.ownerReferences : [];
      const next = refs.map(map).filter((r): r is OwnerRef => !!r);
      if (next.length) o.metadata.ownerReferences = next;
      else delete o.metadata.ownerReferences;
    });
  }

  private removeFinalizer(node: GraphNode, f: string): void {
    this.modifySame(node, (o) => {
      const list: string[] = Array.isArray(o.metadata.finalizers) ? o.metadata.finalizers : [];
      const next = list.filter((x) => x !== f);
      if (next.length) o.metadata.finalizers = next;
      else delete o.metadata.finalizers;
    });
  }

  private modifySame(node: GraphNode, mutate: (o: KObject) => void): void {
    try {
      this.registry.modify(node.def, node.namespace, node.name, (o) => {
        if (o.metadata?.uid !== node.uid) throw new ObjectReplaced();
        mutate(o);
      }, WRITE);
    } catch (err) {
      if (err instanceof ObjectReplaced) return;
      if (err instanceof StatusError && err.code === 404) return;
      throw err;
    }
  }

  // deleteObject (operations.go): uid precondition
  private async deleteObject(node: GraphNode, policy: 'Background' | 'Foreground' | 'Orphan'): Promise<void> {
    try {
      // as upstream's generic-garbage-collector service account, through admission
      await controllerDelete(this.registry, node.def, node.namespace, node.name, { propagationPolicy: policy, preconditions: { uid: node.uid } }, GC_USER);
    } catch (err) {
      if (err instanceof StatusError && (err.code === 404 || err.code === 405)) return;
      if (err instanceof StatusError && err.code === 409) {
        const cur = this.registry.tryGet(node.def, node.namespace, node.name);
        if (!cur || cur.metadata?.uid !== node.uid) return;
      }
      throw err;
    }
  }
}

export function groupOf(apiVersion: string | undefined): string {
  const s = apiVersion ?? '';
  const i = s.lastIndexOf('/');
  return i < 0 ? '' : s.slice(0, i);
}
