// The namespace lifecycle controller ('namespace'): empties a namespace being deleted, reports
// progress in its status conditions and releases the `kubernetes` finalizer when nothing is left.
// Upstream: pkg/controller/namespace/namespace_controller.go and
// pkg/controller/namespace/deletion/{namespaced_resources_deleter,status_condition_utils}.go.
import type { KObject, ResourceDef } from '../resources/types.js';
import type { Registry } from '../registry/registry.js';
import { StatusError } from '../registry/errors.js';
import { nowRFC3339 } from '../registry/meta.js';
import type { Controller, ControllerContext } from './manager.js';
import type { Informer } from './informer.js';
import type { ReconcileResult } from './workqueue.js';
import { admissionChainOf, admittedDeleteCollection, controllerDelete, controllerUser } from '../admission/run.js';

/** upstream's namespace-controller service account: its deletes go through admission */
const NS_USER = controllerUser('namespace-controller');

export const FINALIZER_KUBERNETES = 'kubernetes';
/** upstream's default wait for content with finalizers (finalizerEstimateSeconds) */
export const FINALIZER_ESTIMATE_SECONDS = 15;

// status_condition_utils.go: the five conditions, in upstream's order, and their "ok" variants
export const NAMESPACE_CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;
const OK: Record<string, { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
};

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

export interface ContentTotals {
  /** `<plural>.<group>` -> remaining instances */
  resources: Map<string, number>;
  /** finalizer -> instances carrying it */
  finalizers: Map<string, number>;
  /** messages of per-resource deletion failures */
  errors: string[];
}

/** The conditions one pass of the deleter writes (ProcessContentTotals + makeDeleteContentCondition). */
export function namespaceConditions(t: ContentTotals): NamespaceCondition[] {
  const out: NamespaceCondition[] = [];
  if (t.errors.length) {
    const msgs = [...t.errors].sort();
    out.push({
      type: 'NamespaceDeletionContentFailure',
      status: 'True',
      reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`,
    });
  }
  const res = [...t.resources].filter(([, n]) => n > 0).map(([r, n]) => `${r} has ${n} resource instances`).sort();
  if (res.length) out.push({ type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${res.join(', ')}` });
  const fins = [...t.finalizers].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`).sort();
  if (fins.length)
    out.push({
      type: 'NamespaceFinalizersRemaining',
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message: `Some content in the namespace has finalizers remaining: ${fins.join(', ')}`,
    });
  return out;
}

/** updateConditions: sets all five types on `status` (ok variant when absent); true when changed. */
export function applyNamespaceConditions(status: KObject, next: NamespaceCondition[], now = nowRFC3339()): boolean {
  let changed = false;
  if (!Array.isArray(status.conditions)) status.conditions = [];
  for (const type of NAMESPACE_CONDITION_TYPES) {
    const want = next.find((c) => c.type === type) ?? { type, status: 'False' as const, ...OK[type] };
    const cur = status.conditions.find((c: KObject) => c?.type === type);
    if (!cur) {
      status.conditions.push({ type, status: want.status, lastTransitionTime: now, reason: want.reason, message: want.message });
      changed = true;
    } else if (cur.status !== want.status || cur.reason !== want.reason || cur.message !== want.message) {
      if (cur.status !== want.status) cur.lastTransitionTime = now;
      cur.status = want.status;
      cur.reason = want.reason;
      cur.message = want.message;
      changed = true;
    }
  }
  return changed;
}

/** GroupVersionResource.String() as Go prints it in messages. */
function gvrString(def: ResourceDef): string {
  return `${def.group}/${def.version}, Resource=${def.plural}`;
}

export interface NamespaceControllerOptions {
  /** re-check interval while pods are terminating (upstream: estimate/2+1 s) */
  podRequeueMs?: number;
  /** re-check interval while only finalizers hold content (upstream: 15/2+1 s) */
  finalizerRequeueMs?: number;
}

interface Remaining {
  estimate: number;
  count: number;
  finalizers: Map<string, number>;
  /** the estimate is a grace period still running (pods), not the finalizer default */
  graceful?: boolean;
  error?: string;
}

export class NamespaceDeleter {
  private readonly nsDef: ResourceDef;
  private defsSeen = -1;
  private defsCache: ResourceDef[] = [];
  private warnedFinalize = false;

  constructor(
    private readonly registry: Registry,
    private readonly logger?: ControllerContext['logger'],
  ) {
    this.nsDef = registry.mustDef('', 'namespaces');
  }

  /** The namespaced kinds served now (custom resources come and go): one version of each stored resource. */
  private get contentDefs(): ResourceDef[] {
    if (this.defsSeen !== this.registry.kinds.generation) {
      this.defsSeen = this.registry.kinds.generation;
      this.defsCache = this.registry.allDefs().filter((d) => d.namespaced && !d.create && d.verbs.includes('delete') && !(d.storage && !d.storage.primary && d.storage.group === d.group && d.storage.plural === d.plural));
    }
    return this.defsCache;
  }

  get deletableDefs(): ResourceDef[] {
    return this.contentDefs;
  }

  /** One pass of namespacedResourcesDeleter.Delete; returns seconds to wait (0 = done or nothing to do). */
  async sync(name: string): Promise<{ estimate: number; podsPending: boolean }> {
    let ns = this.registry.tryGet(this.nsDef, '', name);
    if (!ns?.metadata?.deletionTimestamp) return { estimate: 0, podsPending: false };
    const uid = ns.metadata.uid;
    if (ns.status?.phase !== 'Terminating') {
      ns = this.writeNamespace(name, uid, (o) => (o.status = { ...(o.status ?? {}), phase: 'Terminating' }), 'status');
      if (!ns) return { estimate: 0, podsPending: false };
    }
    if (!(ns.spec?.finalizers?.length)) {
      this.deleteNamespace(name, uid);
      return { estimate: 0, podsPending: false };
    }
    const deletedAt = Date.parse(ns.metadata.deletionTimestamp);
    const totals: ContentTotals = { resources: new Map(), finalizers: new Map(), errors: [] };
    let estimate = 0;
    let podsPending = false;
    for (const def of this.contentDefs) {
      let r: Remaining;
      try {
        r = await this.deleteContentOf(def, name, deletedAt);
      } catch (err) {
        totals.errors.push((err as Error).message);
        continue;
      }
      if (r.error) totals.errors.push(r.error);
      if (r.estimate > estimate) estimate = r.estimate;
      if (r.count > 0) {
        totals.resources.set(`${def.plural}.${def.group}`, r.count);
        for (const [f, n] of r.finalizers) totals.finalizers.set(f, (totals.finalizers.get(f) ?? 0) + n);
        if (r.graceful) podsPending = true;
      }
    }
    const conds = namespaceConditions(totals);
    this.writeNamespace(name, uid, (o) => (applyNamespaceConditions((o.status ??= {}), conds) ? undefined : false), 'status');
    if (totals.errors.length) throw new Error(totals.errors.join('; '));
    if (estimate > 0) return { estimate, podsPending };

    // all content is gone: release our finalizer (finalizeNamespace), then delete (deleteNamespace)
    const fin = this.writeNamespace(
      name,
      uid,
      (o) => {
        const rest = [...new Set<string>((o.spec?.finalizers ?? []).filter((f: string) => f !== FINALIZER_KUBERNETES))].sort();
        o.spec = { ...(o.spec ?? {}), finalizers: rest };
      },
      'finalize',
    );
    if (fin?.spec?.finalizers?.includes(FINALIZER_KUBERNETES) && !this.warnedFinalize) {
      this.warnedFinalize = true;
      this.logger?.warn({ namespace: name }, 'the finalize subresource kept spec.finalizers; the namespace cannot be released');
    }
    const after = this.registry.tryGet(this.nsDef, '', name);
    if (after && after.metadata?.uid === uid && !(after.spec?.finalizers?.length)) this.deleteNamespace(name, uid);
    return { estimate: 0, podsPending: false };
  }

  // deleteAllContentForGroupVersionResource
  private async deleteContentOf(def: ResourceDef, ns: string, deletedAt: number): Promise<Remaining> {
    const estimate = def.plural === 'pods' && !def.group ? this.estimatePods(ns, deletedAt) : 0;
    let done = false;
    if (def.verbs.includes('deletecollection')) {
      try {
        await admittedDeleteCollection(admissionChainOf(this.registry), { user: NS_USER }, {
          def, namespace: ns, query: {}, deleteOptions: { propagationPolicy: 'Background' }, registry: this.registry,
          options: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', propagationPolicy: 'Background' },
        });
        done = true;
      } catch (err) {
        if (!(err instanceof StatusError && (err.code === 405 || err.code === 404))) throw err;
      }
    }
    if (!done) {
      for (const e of this.registry.listEntries(def, ns).entries) {
        try {
          await controllerDelete(this.registry, def, ns, e.name, { propagationPolicy: 'Background' }, NS_USER);
        } catch (err) {
          if (!(err instanceof StatusError && (err.code === 404 || err.code === 405))) throw err;
        }
      }
    }
    const left = this.registry.listEntries(def, ns).entries;
    const finalizers = new Map<string, number>();
    if (!left.length) return { estimate: 0, count: 0, finalizers };
    for (const e of left) {
      const fs: unknown = JSON.parse(e.json).metadata?.finalizers;
      if (Array.isArray(fs)) for (const f of fs) finalizers.set(String(f), (finalizers.get(String(f)) ?? 0) + 1);
    }
    if (estimate > 0) return { estimate, count: left.length, finalizers, graceful: true };
    if (finalizers.size) return { estimate: FINALIZER_ESTIMATE_SECONDS, count: left.length, finalizers };
    return { estimate, count: left.length, finalizers, error: `unexpected items still remain in namespace: ${ns} for gvr: ${gvrString(def)}` };
  }

  // estimateGracefulTerminationForPods: the longest grace period of non-terminal pods, unless it has passed
  private estimatePods(ns: string, deletedAt: number): number {
    const podDef = this.contentDefs.find((d) => d.plural === 'pods' && !d.group);
    if (!podDef) return 0;
    let est = 0;
    for (const e of this.registry.listEntries(podDef, ns).entries) {
      const pod = JSON.parse(e.json);
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const g = pod.spec?.terminationGracePeriodSeconds;
      if (typeof g === 'number' && g > est) est = g;
    }
    return Date.now() - deletedAt >= est * 1000 ? 0 : est;
  }

  /**
   * Read-modify-write of the namespace through a subresource; `mutate` returning false skips the
   * write. Returns the namespace afterwards, undefined when it is gone or was replaced.
   */
  private writeNamespace(name: string, uid: string, mutate: (o: KObject) => unknown, subresource: 'status' | 'finalize'): KObject | undefined {
    try {
      let skipped = false;
      let replaced = false;
      const r = this.registry.modify(
        this.nsDef,
        '',
        name,
        (o) => {
          if (o.metadata?.uid !== uid) replaced = true;
          else if (mutate(o) === false) skipped = true;
          if (replaced || skipped) throw new SkipWrite();
        },
        { subresource, fieldManager: 'kube-controller-manager' },
      );
      return r.object;
    } catch (err) {
      if (err instanceof SkipWrite) return this.registry.tryGet(this.nsDef, '', name);
      if (err instanceof StatusError && err.code === 404) return undefined;
      throw err;
    }
  }

  private deleteNamespace(name: string, uid: string): void {
    try {
      this.registry.delete(this.nsDef, '', name, { preconditions: { uid } });
    } catch (err) {
      if (err instanceof StatusError && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }
}

class SkipWrite extends Error {}

function sameFinalizers(a: KObject, b: KObject): boolean {
  return JSON.stringify(a?.metadata?.finalizers ?? []) === JSON.stringify(b?.metadata?.finalizers ?? []);
}

export function namespaceController(opts: NamespaceControllerOptions = {}): Controller {
  const podRequeueMs = opts.podRequeueMs ?? 500;
  const finalizerRequeueMs = opts.finalizerRequeueMs ?? 2000;
  return {
    name: 'namespace',
    start(ctx: ControllerContext) {
      const deleter = new NamespaceDeleter(ctx.registry, ctx.logger.child({ controller: 'namespace' }));
      const queue = ctx.newQueue('namespace', async (name): Promise<ReconcileResult> => {
        const r = await deleter.sync(name);
        if (r.estimate > 0) return { requeueAfterMs: r.podsPending ? podRequeueMs : finalizerRequeueMs };
      });
      const namespaces: Informer = ctx.informers.for('', 'namespaces');
      const enqueue = (o: KObject) => {
        if (o?.metadata?.deletionTimestamp) queue.add(o.metadata.name);
      };
      namespaces.addHandler({ add: enqueue, update: (_old, o) => enqueue(o) });
      // content leaving (or losing a finalizer) in a terminating namespace re-runs its deletion at once
      const poke = (o: KObject) => {
        const ns = o?.metadata?.namespace;
        if (!ns) return;
        const n = namespaces.get('', ns);
        if (n?.metadata?.deletionTimestamp) queue.add(ns);
      };
      for (const def of deleter.deletableDefs) {
        ctx.informers.for(def.group, def.plural).addHandler({
          delete: poke,
          update: (a, b) => {
            if (!sameFinalizers(a, b) || !!a?.metadata?.deletionTimestamp !== !!b?.metadata?.deletionTimestamp) poke(b);
          },
        });
      }
    },
  };
}
