// The StatefulSet controller as kube-controller-manager runs it (upstream
// pkg/controller/statefulset/stateful_set.go) on the shared runtime: it owns pods (claimed with
// the shared ControllerRefManager), adopts orphan revisions, runs the sync pass (control.ts) and
// requeues for minReadySeconds and the periodic resync.
import type { KObject } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { labelSelectorFromObject, matches, type LabelSelector } from '../../registry/selectors.js';
import { splitObjectKey } from '../informer.js';
import { claimObjects, controllerClient, controllerOf, defineController, recheckDeletionTimestamp, WRITE, type Runtime } from '../runtime/index.js';
import { StatefulSetControl } from './control.js';
import { PodControl } from './podcontrol.js';
import { controllerRef } from './revision.js';
import { isMemberOf, isPodReady, parentAndOrdinal } from './utils.js';

export const RESYNC_MS = 30_000;

function selectorOf(set: KObject): LabelSelector | undefined {
  try {
    return labelSelectorFromObject(set.spec?.selector);
  } catch {
    return undefined;
  }
}

function setup(rt: Runtime<undefined>) {
  const { registry } = rt;
  const setDef = registry.mustDef('apps', 'statefulsets');
  const podDef = registry.mustDef('', 'pods');
  const pvcDef = registry.mustDef('', 'persistentvolumeclaims');
  const revDef = registry.mustDef('apps', 'controllerrevisions');
  const pods = rt.informer('', 'pods');
  const claims = rt.informer('', 'persistentvolumeclaims');
  const revisions = rt.informer('apps', 'controllerrevisions');
  const record = rt.recorder.for({ component: 'statefulset-controller' });
  const podIndexLabel = rt.options.emulatedMinor >= 28;
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
  const control = new StatefulSetControl({ registry, setDef, revDef, pods: podControl, podIndexLabel, emulatedMinor: rt.options.emulatedMinor, listRevisions });

  // AdoptOrphanRevisions: PATCHes of the revisions' ownerReferences as statefulset-controller
  // (through admission when a webhook or policy applies to controllerrevisions)
  const revClient = controllerClient(registry, 'statefulset-controller');
  const adoptOrphanRevisions = (set: KObject): void | Promise<unknown> => {
    const orphans = listRevisions(set).filter((r) => !controllerOf(r));
    if (!orphans.length) return;
    recheckDeletionTimestamp(registry, setDef, set)();
    const pending: Promise<unknown>[] = [];
    for (const r of orphans) {
      const w = revClient.modify(revDef, r.metadata.namespace, r.metadata.name, (o) => {
        if (o.metadata.uid !== r.metadata.uid) throw new StatusError(409, 'Conflict', 'revision was replaced');
        if (controllerOf(o)) throw new Error(`attempt to adopt revision owned by ${controllerOf(o)!.name}`);
        o.metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), controllerRef(set)];
      }, WRITE, true);
      if (w instanceof Promise) pending.push(w);
    }
    if (pending.length) return Promise.all(pending);
  };

  /** getPodsForStatefulSet: the set's pods, claimed (a pod must also carry the set's name prefix). */
  const claimPods = (set: KObject, sel: LabelSelector): KObject[] | Promise<KObject[]> =>
    claimObjects({
      registry,
      def: podDef,
      owner: set,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'StatefulSet',
      selector: sel,
      candidates: pods.list(set.metadata.namespace),
      canAdopt: recheckDeletionTimestamp(registry, setDef, set),
      filter: (pod) => isMemberOf(set, pod),
    });

  return { control, adoptOrphanRevisions, claimPods };
}

type State = ReturnType<typeof setup>;

export const statefulSetController = defineController<State>({
  name: 'statefulset',
  primary: { group: 'apps', plural: 'statefulsets' },
  owns: [{ group: '', plural: 'pods' }],
  selector: selectorOf,
  // a claim that goes away may unblock a pod waiting on a stale or terminating claim
  watches: [
    {
      group: '',
      plural: 'persistentvolumeclaims',
      keys: (pvc, _old, rt, type) => {
        if (type !== 'delete') return [];
        const { parent } = parentAndOrdinal(pvc.metadata.name);
        return rt.primary
          .list(pvc.metadata.namespace)
          .filter((s) => parent.endsWith(`-${s.metadata.name}`))
          .map(rt.keyOf);
      },
    },
  ],
  workers: 8,
  setup,
  // a pod that just turned Ready becomes available minReadySeconds later
  onOwnedUpdate: (oldPod, pod, ownerKey, rt) => {
    const set = rt.primary.getByKey(ownerKey);
    const mrs = set?.spec?.minReadySeconds ?? 0;
    if (mrs > 0 && !isPodReady(oldPod) && isPodReady(pod)) rt.queue.addAfter(ownerKey, mrs * 1000 + 1000);
  },
  reconcile: async (key, rt) => {
    const { namespace, name } = splitObjectKey(key);
    const set = rt.primary.get(namespace, name);
    if (!set) return;
    const sel = selectorOf(set);
    if (!sel) return; // a selector that does not convert is not retried
    const adopting = rt.state.adoptOrphanRevisions(set);
    if (adopting) await adopting;
    const claiming = rt.state.claimPods(set, sel);
    const claimed = claiming instanceof Promise ? await claiming : claiming;
    const status = await rt.state.control.sync(set, claimed);
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status && status.availableReplicas !== (set.spec?.replicas ?? 1)) return { requeueAfterMs: Math.min(minReady * 1000, RESYNC_MS) };
    // the periodic resync, per set (the queue owns the timer, so it dies with the manager)
    return { requeueAfterMs: RESYNC_MS };
  },
});
