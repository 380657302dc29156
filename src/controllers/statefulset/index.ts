// The StatefulSet controller as kube-controller-manager runs it (upstream
// pkg/controller/statefulset/stateful_set.go): event handlers, pod claiming (adopt/release), orphan
// revision adoption, the sync pass (control.ts) and its requeues.
import type { KObject } from '../../resources/types.js';
import type { Controller, ControllerContext } from '../manager.js';
import type { WorkQueue } from '../workqueue.js';
import { objectKey, splitObjectKey } from '../informer.js';
import { StatusError } from '../../registry/errors.js';
import { labelSelectorFromObject, matches, type LabelSelector } from '../../registry/selectors.js';
import { StatefulSetControl } from './control.js';
import { PodControl, WRITE } from './podcontrol.js';
import { controllerRef } from './revision.js';
import { controllerOf, isMemberOf, isPodReady, parentAndOrdinal } from './utils.js';

export const RESYNC_MS = 30_000;

function selectorOf(set: KObject): LabelSelector | undefined {
  try {
    return labelSelectorFromObject(set.spec?.selector);
  } catch {
    return undefined;
  }
}

class StatefulSetController implements Controller {
  readonly name = 'statefulset';

  start(ctx: ControllerContext): void {
    const { registry, informers } = ctx;
    const setDef = registry.mustDef('apps', 'statefulsets');
    const podDef = registry.mustDef('', 'pods');
    const pvcDef = registry.mustDef('', 'persistentvolumeclaims');
    const revDef = registry.mustDef('apps', 'controllerrevisions');
    const sets = informers.for('apps', 'statefulsets');
    const pods = informers.for('', 'pods');
    const claims = informers.for('', 'persistentvolumeclaims');
    const revisions = informers.for('apps', 'controllerrevisions');
    const record = ctx.recorder.for({ component: 'statefulset-controller' });
    const podIndexLabel = ctx.options.emulatedMinor >= 28;
    const podControl = new PodControl(registry, podDef, pvcDef, claims, record, podIndexLabel);

    /** ListControllerRevisions: matching the selector, owned by the set or by nobody. */
    const listRevisions = (set: KObject): KObject[] => {
      const sel = selectorOf(set);
      if (!sel) return [];
      return revisions.list(set.metadata.namespace).filter((r) => {
        if (!matches(sel, r.metadata?.labels)) return false;
        const ref = controllerOf(r);
        return !ref || ref.uid === set.metadata.uid;
      });
    };
    const control = new StatefulSetControl({ registry, setDef, revDef, pods: podControl, podIndexLabel, emulatedMinor: ctx.options.emulatedMinor, listRevisions });

    /** RecheckDeletionTimestamp: a fresh read before adopting anything. */
    const canAdopt = (set: KObject): void => {
      const fresh = registry.get(setDef, set.metadata.namespace, set.metadata.name);
      if (fresh.metadata.uid !== set.metadata.uid)
        throw new Error(`original StatefulSet ${set.metadata.namespace}/${set.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${set.metadata.uid}`);
      if (fresh.metadata.deletionTimestamp) throw new Error(`${set.metadata.namespace}/${set.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    };

    const adoptOrphanRevisions = (set: KObject): void => {
      const orphans = listRevisions(set).filter((r) => !controllerOf(r));
      if (!orphans.length) return;
      canAdopt(set);
      for (const r of orphans) {
        registry.modify(revDef, r.metadata.namespace, r.metadata.name, (o) => {
          if (o.metadata.uid !== r.metadata.uid) throw new StatusError(409, 'Conflict', 'revision was replaced');
          if (controllerOf(o)) throw new Error(`attempt to adopt revision owned by ${controllerOf(o)!.name}`);
          o.metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), controllerRef(set)];
        }, WRITE);
      }
    };

    /** ClaimPods (PodControllerRefManager): adopt matching orphans, release owned non-matching pods. */
    const claimPods = (set: KObject, sel: LabelSelector): KObject[] => {
      const claimed: KObject[] = [];
      const deleting = !!set.metadata.deletionTimestamp;
      let adoptChecked = false;
      for (const pod of pods.list(set.metadata.namespace)) {
        const match = matches(sel, pod.metadata?.labels) && isMemberOf(set, pod);
        const ref = controllerOf(pod);
        if (ref) {
          if (ref.uid !== set.metadata.uid) continue;
          if (match) claimed.push(pod);
          else if (!deleting) {
            try {
              registry.modify(podDef, pod.metadata.namespace, pod.metadata.name, (o) => {
                if (o.metadata.uid !== pod.metadata.uid) throw new StatusError(404, 'NotFound', 'pod replaced');
                o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r: KObject) => r.uid !== set.metadata.uid);
                if (!o.metadata.ownerReferences.length) delete o.metadata.ownerReferences;
              }, WRITE);
            } catch (err) {
              if (!(err instanceof StatusError && (err.code === 404 || err.code === 422))) throw err;
            }
          }
          continue;
        }
        if (deleting || !match || pod.metadata.deletionTimestamp) continue;
        if (!adoptChecked) {
          canAdopt(set);
          adoptChecked = true;
        }
        try {
          registry.modify(podDef, pod.metadata.namespace, pod.metadata.name, (o) => {
            if (o.metadata.uid !== pod.metadata.uid) throw new StatusError(404, 'NotFound', 'pod replaced');
            if (controllerOf(o)) throw new StatusError(409, 'Conflict', 'pod already owned');
            o.metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), controllerRef(set)];
          }, WRITE);
          claimed.push(pod);
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
      return claimed;
    };

    const reconcile = async (key: string): Promise<void | { requeueAfterMs?: number }> => {
      const { namespace, name } = splitObjectKey(key);
      const set = sets.get(namespace, name);
      if (!set) return;
      const sel = selectorOf(set);
      if (!sel) return; // a selector that does not convert is not retried
      adoptOrphanRevisions(set);
      const claimed = claimPods(set, sel);
      const status = await control.sync(set, claimed);
      const minReady = set.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && status && status.availableReplicas !== (set.spec?.replicas ?? 1)) return { requeueAfterMs: Math.min(minReady * 1000, RESYNC_MS) };
      // the periodic resync, per set (the queue owns the timer, so it dies with the manager)
      return { requeueAfterMs: RESYNC_MS };
    };

    const queue: WorkQueue = ctx.newQueue('statefulset', reconcile, 8);
    const enqueue = (set: KObject): void => queue.add(objectKey(set));

    const resolve = (namespace: string, ref: KObject | undefined): KObject | undefined => {
      if (!ref || ref.kind !== 'StatefulSet') return undefined;
      const set = sets.get(namespace, ref.name);
      return set && set.metadata.uid === ref.uid ? set : undefined;
    };
    const setsForPod = (pod: KObject): KObject[] =>
      sets.list(pod.metadata.namespace).filter((s) => {
        const sel = selectorOf(s);
        return !!sel && matches(sel, pod.metadata?.labels);
      });

    sets.addHandler({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue });
    pods.addHandler({
      add: (pod) => {
        const ref = controllerOf(pod);
        if (pod.metadata.deletionTimestamp || ref) {
          const s = resolve(pod.metadata.namespace, ref);
          if (s) enqueue(s);
          return;
        }
        for (const s of setsForPod(pod)) enqueue(s);
      },
      update: (oldPod, pod) => {
        if (oldPod.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        const oldRef = controllerOf(oldPod);
        const ref = controllerOf(pod);
        const refChanged = JSON.stringify(oldRef) !== JSON.stringify(ref);
        if (refChanged && oldRef) {
          const s = resolve(oldPod.metadata.namespace, oldRef);
          if (s) enqueue(s);
        }
        if (ref) {
          const s = resolve(pod.metadata.namespace, ref);
          if (!s) return;
          enqueue(s);
          // a pod that just turned Ready becomes available minReadySeconds later
          const mrs = s.spec?.minReadySeconds ?? 0;
          if (mrs > 0 && !isPodReady(oldPod) && isPodReady(pod)) queue.addAfter(objectKey(s), mrs * 1000 + 1000);
          return;
        }
        if (refChanged || JSON.stringify(oldPod.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {}))
          for (const s of setsForPod(pod)) enqueue(s);
      },
      delete: (pod) => {
        const s = resolve(pod.metadata.namespace, controllerOf(pod));
        if (s) enqueue(s);
      },
    });
    // a claim that goes away may unblock a pod waiting on a stale or terminating claim
    claims.addHandler({
      delete: (pvc) => {
        for (const s of sets.list(pvc.metadata.namespace)) {
          const { parent } = parentAndOrdinal(pvc.metadata.name);
          if (parent.endsWith(`-${s.metadata.name}`)) enqueue(s);
        }
      },
    });
  }
}

export const statefulSetController: Controller = new StatefulSetController();
