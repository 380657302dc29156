// One declarative shape for a controller (the parts every upstream controller repeats in its
// constructor: informers and event handlers, how an event maps to a key, workers, resync),
// so a controller is its reconcile logic. The owned-object handlers follow upstream's
// addPod / updatePod / deletePod of pkg/controller/replicaset/replica_set.go, shared by the
// ReplicaSet, Deployment, DaemonSet, Job and StatefulSet controllers.
import type { KObject } from '../../resources/types.js';
import type { Controller, ControllerContext } from '../manager.js';
import type { WorkQueue, ReconcileResult } from '../workqueue.js';
import { objectKey, type Informer } from '../informer.js';
import { labelSelectorFromObject, matches, type LabelSelector } from '../../registry/selectors.js';
import { controllerOf } from './controllerref.js';

export interface Resource {
  group: string;
  plural: string;
}

export interface Watched extends Resource {
  /** the keys of the primary objects an event on `obj` concerns (`old`: the previous object on an update, the last known one on a delete) */
  keys(obj: KObject, old: KObject | undefined, rt: Runtime<any>, type: 'add' | 'update' | 'delete'): string[];
}

export interface Runtime<S> extends ControllerContext {
  /** what `setup` returned */
  state: S;
  /** the controller's work queue (keys are `namespace/name` of primaries) */
  queue: WorkQueue;
  /** the informer of the primary kind */
  primary: Informer;
  /** the shared informer of any resource */
  informer(group: string, plural: string): Informer;
  keyOf(obj: KObject): string;
  enqueue(obj: KObject): void;
}

export interface ControllerSpec<S = undefined> {
  /** the name `--controllers` selects it by */
  name: string;
  primary: Resource;
  /** dependents carrying a controllerRef to a primary: their events enqueue the owner; orphans enqueue the primaries whose selector matches (adoption) */
  owns?: Resource[];
  /** the primary's selector for orphans (default: spec.selector as a metav1.LabelSelector) */
  selector?: (primary: KObject) => LabelSelector | undefined;
  /** other resources whose events concern primaries */
  watches?: Watched[];
  /** parallel workers (distinct keys) */
  workers?: number;
  /** requeue every primary this often (the informer resync) */
  resyncMs?: number;
  setup?: (rt: Runtime<undefined>) => S;
  /** an owned object changed (after the owner was enqueued): e.g. a pod that became Ready requeues at minReadySeconds */
  onOwnedUpdate?: (oldObj: KObject, newObj: KObject, ownerKey: string, rt: Runtime<S>) => void;
  /** an owned object was observed created or deleted (expectations) */
  onOwnedAdd?: (obj: KObject, ownerKey: string, rt: Runtime<S>) => void;
  onOwnedDelete?: (obj: KObject, ownerKey: string, rt: Runtime<S>) => void;
  /** a primary was deleted (expectations clean-up) */
  onPrimaryDelete?: (obj: KObject, rt: Runtime<S>) => void;
  reconcile(key: string, rt: Runtime<S>): ReconcileResult | Promise<ReconcileResult>;
  stop?: (rt: Runtime<S>) => void;
}

function defaultSelector(primary: KObject): LabelSelector | undefined {
  try {
    return labelSelectorFromObject(primary.spec?.selector);
  } catch {
    return undefined;
  }
}

const sameRef = (a: KObject | undefined, b: KObject | undefined): boolean =>
  a?.uid === b?.uid && a?.name === b?.name && a?.kind === b?.kind && a?.apiVersion === b?.apiVersion;

function sameLabels(a: KObject, b: KObject): boolean {
  const x = a.metadata?.labels ?? {};
  const y = b.metadata?.labels ?? {};
  const kx = Object.keys(x);
  if (kx.length !== Object.keys(y).length) return false;
  return kx.every((k) => x[k] === y[k]);
}

const groupOf = (apiVersion: unknown): string => {
  if (typeof apiVersion !== 'string') return '';
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
};

class DefinedController<S> implements Controller {
  readonly name: string;
  private rt?: Runtime<S>;

  constructor(private readonly spec: ControllerSpec<S>) {
    this.name = spec.name;
  }

  start(ctx: ControllerContext): void {
    const spec = this.spec;
    const primary = ctx.informers.for(spec.primary.group, spec.primary.plural);
    const rt = { ...ctx } as Runtime<S>;
    rt.primary = primary;
    rt.informer = (g, p) => ctx.informers.for(g, p);
    rt.keyOf = objectKey;
    rt.enqueue = (obj) => rt.queue.add(objectKey(obj));
    rt.queue = ctx.newQueue(spec.name, (key) => this.run(key), spec.workers);
    rt.state = (spec.setup ? spec.setup(rt as unknown as Runtime<undefined>) : undefined) as S;
    this.rt = rt;
    const kind = primary.def.kind;
    const group = primary.def.group;
    // cached objects are replaced, never changed, so a selector parsed once per object stays right
    const parsed = new WeakMap<KObject, LabelSelector | null>();
    const select = spec.selector ?? defaultSelector;
    const selectorOf = (p: KObject): LabelSelector | undefined => {
      let s = parsed.get(p);
      if (s === undefined) parsed.set(p, (s = select(p) ?? null));
      return s ?? undefined;
    };

    primary.addHandler({
      add: rt.enqueue,
      update: (_o, n) => rt.enqueue(n),
      delete: (o) => {
        spec.onPrimaryDelete?.(o, rt);
        rt.enqueue(o);
      },
    });

    /** resolveControllerRef: the primary a controllerRef names, if it is still that object */
    const resolve = (namespace: string, ref: KObject | undefined): KObject | undefined => {
      if (!ref || ref.kind !== kind || groupOf(ref.apiVersion) !== group) return undefined;
      const p = primary.get(namespace, ref.name);
      return p && p.metadata.uid === ref.uid ? p : undefined;
    };
    /** getPodReplicaSets: the primaries whose selector matches an orphan */
    const matching = (obj: KObject): KObject[] =>
      primary.list(obj.metadata?.namespace ?? '').filter((p) => {
        const sel = selectorOf(p);
        return !!sel && !sel.nothing && sel.requirements.length > 0 && matches(sel, obj.metadata?.labels);
      });

    for (const owned of spec.owns ?? []) {
      ctx.informers.for(owned.group, owned.plural).addHandler({
        add: (obj) => {
          const ns = obj.metadata?.namespace ?? '';
          const ref = controllerOf(obj);
          if (ref) {
            const p = resolve(ns, ref);
            if (!p) return;
            spec.onOwnedAdd?.(obj, objectKey(p), rt);
            rt.enqueue(p);
            return;
          }
          if (obj.metadata?.deletionTimestamp) return;
          for (const p of matching(obj)) rt.enqueue(p);
        },
        update: (oldObj, obj) => {
          if (oldObj.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
          const ns = obj.metadata?.namespace ?? '';
          const oldRef = controllerOf(oldObj);
          const ref = controllerOf(obj);
          const refChanged = !sameRef(oldRef, ref);
          if (refChanged && oldRef) {
            const p = resolve(ns, oldRef);
            if (p) rt.enqueue(p);
          }
          if (ref) {
            const p = resolve(ns, ref);
            if (!p) return;
            rt.enqueue(p);
            spec.onOwnedUpdate?.(oldObj, obj, objectKey(p), rt);
            return;
          }
          if (refChanged || !sameLabels(oldObj, obj)) for (const p of matching(obj)) rt.enqueue(p);
        },
        delete: (obj) => {
          const p = resolve(obj.metadata?.namespace ?? '', controllerOf(obj));
          if (!p) return;
          spec.onOwnedDelete?.(obj, objectKey(p), rt);
          rt.enqueue(p);
        },
      });
    }

    for (const w of spec.watches ?? []) {
      const enqueueKeys = (obj: KObject, old: KObject | undefined, type: 'add' | 'update' | 'delete') => {
        for (const k of w.keys(obj, old, rt, type)) rt.queue.add(k);
      };
      ctx.informers.for(w.group, w.plural).addHandler({
        add: (o) => enqueueKeys(o, undefined, 'add'),
        update: (o, n) => enqueueKeys(n, o, 'update'),
        delete: (o) => enqueueKeys(o, o, 'delete'),
      });
    }
  }

  private async run(key: string): Promise<ReconcileResult> {
    const rt = this.rt!;
    const r = await this.spec.reconcile(key, rt);
    const resync = this.spec.resyncMs;
    if (!resync || !rt.primary.getByKey(key)) return r;
    const after = r && r.requeueAfterMs !== undefined ? Math.min(r.requeueAfterMs, resync) : resync;
    return { requeueAfterMs: after };
  }

  stop(): void {
    if (this.rt) this.spec.stop?.(this.rt);
  }
}

/** A controller from its declaration; add it to allControllers() in ../index.ts. */
export function defineController<S = undefined>(spec: ControllerSpec<S>): Controller {
  return new DefinedController(spec);
}
