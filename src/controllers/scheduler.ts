// default-scheduler: binds Pending pods (schedulerName default-scheduler, no nodeName, no
// scheduling gates) to a Ready node that passes the filters of nodes/fit.ts, after the
// volumebinding checks (pkg/scheduler/framework/plugins/volumebinding). Failures become
// PodScheduled=False/Unschedulable plus a FailedScheduling event with upstream's FitError text
// (pkg/scheduler/framework/types.go FitError.Error); pods are retried when nodes, pods or claims change.
import type { KObject } from '../resources/types.js';
import type { Controller, ControllerContext } from './manager.js';
import type { ReconcileResult } from './workqueue.js';
import { objectKey, splitObjectKey } from './informer.js';
import { bindPod } from '../registry/binding.js';
import { userClient } from './runtime/client.js';
import { admissionChainOf, admissionFor, admittedAction, schedulerUser } from '../admission/run.js';
import { StatusError } from '../registry/errors.js';
import { nowRFC3339 } from '../registry/meta.js';
import { activeOnNode, matchesNodeSelector, nodeReady, nodeSelectorTermsMatch, podRequests, resourceFitReasons, sumRequests, untoleratedTaint, toleratesTaint, type Requests } from './nodes/fit.js';

export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
const DEFAULT_SCHEDULER = 'default-scheduler';
/** podMaxInUnschedulablePodsDuration: unschedulable pods are retried at least this often */
const RETRY_UNSCHEDULABLE_MS = 5 * 60_000;

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

export function needsScheduling(pod: KObject): boolean {
  const spec = pod.spec ?? {};
  const phase = pod.status?.phase;
  return (
    !spec.nodeName &&
    (spec.schedulerName ?? DEFAULT_SCHEDULER) === DEFAULT_SCHEDULER &&
    !pod.metadata?.deletionTimestamp &&
    arr(spec.schedulingGates).length === 0 &&
    phase !== 'Succeeded' &&
    phase !== 'Failed'
  );
}

interface VolumeCheck {
  /** a PreFilter failure (applies to every node) */
  error?: string;
  /** claims that are bound: their PVs' node affinity restricts the nodes */
  boundPVs: KObject[];
  /** WaitForFirstConsumer claims that still need a node */
  delayed: KObject[];
}

function checkVolumes(ctx: ControllerContext, pod: KObject): VolumeCheck {
  const ns = pod.metadata.namespace;
  const pvcs = ctx.informers.for('', 'persistentvolumeclaims');
  const out: VolumeCheck = { boundPVs: [], delayed: [] };
  let unboundImmediate = false;
  for (const v of arr(pod.spec?.volumes)) {
    let claimName: string | undefined = v?.persistentVolumeClaim?.claimName;
    // generic ephemeral volumes use the claim <pod>-<volume>
    if (!claimName && v?.ephemeral) claimName = `${pod.metadata.name}-${v.name}`;
    if (!claimName) continue;
    const pvc = pvcs.get(ns, claimName);
    if (!pvc) return { ...out, error: `persistentvolumeclaim "${claimName}" not found` };
    if (pvc.metadata.deletionTimestamp) return { ...out, error: `persistentvolumeclaim "${claimName}" is being deleted` };
    const volumeName = pvc.spec?.volumeName;
    if (volumeName && pvc.status?.phase === 'Bound') {
      const pv = ctx.informers.for('', 'persistentvolumes').get('', volumeName);
      if (pv) out.boundPVs.push(pv);
      continue;
    }
    const className: string | undefined = pvc.spec?.storageClassName;
    const cls = className ? ctx.informers.for('storage.k8s.io', 'storageclasses').get('', className) : undefined;
    if (cls?.volumeBindingMode === 'WaitForFirstConsumer' && !volumeName) out.delayed.push(pvc);
    else unboundImmediate = true;
  }
  if (unboundImmediate) return { ...out, error: 'pod has unbound immediate PersistentVolumeClaims' };
  return out;
}

/** The pods a node runs, and the requests of a (cached, never mutated) pod: the scheduler cache's NodeInfo. */
interface NodeInfo {
  podsOn(node: string): KObject[];
  requestsOf(pod: KObject): Requests;
  /** the summed requests of podsOn(node) */
  usedOn?(node: string): Requests;
}

/** Reasons a node is infeasible (empty = fits). */
function filterNode(pod: KObject, node: KObject, info: NodeInfo, vols: VolumeCheck): string[] {
  const tolerations = arr(pod.spec?.tolerations);
  if (node.spec?.unschedulable) {
    const t = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
    if (!tolerations.some((x) => toleratesTaint(x, t))) return ['node(s) were unschedulable'];
  }
  if (!matchesNodeSelector(pod, node)) return ["node(s) didn't match Pod's node affinity/selector"];
  let taint = untoleratedTaint(pod, node);
  if (!taint && !nodeReady(node)) {
    // the node lifecycle controller would have tainted a NotReady node
    const t = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
    if (!tolerations.some((x) => toleratesTaint(x, t))) taint = t;
  }
  if (taint) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`];
  for (const pv of vols.boundPVs) {
    const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
    if (terms && !nodeSelectorTermsMatch(terms, node)) return ['node(s) had volume node affinity conflict'];
  }
  return resourceFitReasons(pod, node, info.podsOn(node.metadata.name), info.requestsOf, info.usedOn?.(node.metadata.name));
}

/** FitError.Error(): `0/N nodes are available: <histogram>. preemption: ...` */
export function fitErrorMessage(total: number, reasons: Map<string, number> | string, preemptionHelps = false): string {
  let msg = `0/${total} nodes are available:`;
  if (typeof reasons === 'string') msg += ` ${reasons}.`;
  else if (reasons.size) msg += ` ${[...reasons].map(([r, n]) => `${n} ${r}`).sort().join(', ')}.`;
  const post = preemptionHelps ? `${total} No preemption victims found for incoming pod` : `${total} Preemption is not helpful for scheduling`;
  return `${msg} preemption: 0/${total} nodes are available: ${post}.`;
}

export function schedulerController(): Controller {
  return {
    name: 'scheduler',
    start(ctx: ControllerContext) {
      const podsInf = ctx.informers.for('', 'pods');
      // pods by node, and each cached pod's requests computed once (the scheduler cache's NodeInfo)
      podsInf.addIndex('spec.nodeName', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
      const requests = new WeakMap<KObject, Requests>();
      // each node's active pods and their summed requests, kept until a pod event touches the node
      const byNode = new Map<string, { pods: KObject[]; used?: Requests }>();
      const info: NodeInfo = {
        podsOn: (node) => {
          let e = byNode.get(node);
          if (!e) byNode.set(node, (e = { pods: podsInf.byIndex('spec.nodeName', node).filter((p) => activeOnNode(p, node)) }));
          return e.pods;
        },
        requestsOf: (p) => {
          let r = requests.get(p);
          if (!r) requests.set(p, (r = podRequests(p)));
          return r;
        },
        usedOn: (node) => {
          const pods = info.podsOn(node);
          const e = byNode.get(node)!;
          return (e.used ??= sumRequests(pods, info.requestsOf));
        },
      };
      const touched = (p: KObject | undefined) => {
        const n = p?.spec?.nodeName;
        if (typeof n === 'string' && n) byNode.delete(n);
      };
      podsInf.addHandler({ add: touched, update: (o, n) => (touched(o), touched(n)), delete: touched });
      const nodesInf = ctx.informers.for('', 'nodes');
      const pvcInf = ctx.informers.for('', 'persistentvolumeclaims');
      ctx.informers.for('', 'persistentvolumes');
      const classInf = ctx.informers.for('storage.k8s.io', 'storageclasses');
      const record = ctx.recorder.for({ component: DEFAULT_SCHEDULER });
      const log = ctx.logger.child({ controller: 'scheduler' });
      const sched = userClient(ctx.registry, schedulerUser());
      /** uid -> last failure message (to tell repeats from news) */
      const failures = new Map<string, string>();
      const queue = ctx.newQueue('scheduler', reconcile, 1);

      const enqueuePending = (ns?: string) => {
        for (const p of podsInf.list(ns)) if (needsScheduling(p)) queue.add(objectKey(p));
      };
      const relevant = (p: KObject) => JSON.stringify([p.spec, p.metadata?.labels, p.metadata?.deletionTimestamp]);
      podsInf.addHandler({
        add: (p) => needsScheduling(p) && queue.add(objectKey(p)),
        update: (o, n) => {
          // our own status writes do not retrigger an attempt (upstream isPodUpdated ignores status)
          if (needsScheduling(n) && (relevant(o) !== relevant(n) || !needsScheduling(o))) queue.add(objectKey(n));
          // a pod leaving a node frees room
          const freed = (x: KObject) => x.spec?.nodeName && (x.status?.phase === 'Succeeded' || x.status?.phase === 'Failed');
          if (!freed(o) && freed(n) && failures.size) enqueuePending();
        },
        delete: (p) => {
          failures.delete(p.metadata?.uid);
          if (p.spec?.nodeName && failures.size) enqueuePending();
        },
      });
      const nodeShape = (n: KObject) =>
        JSON.stringify([n.metadata?.labels, n.spec?.taints, n.spec?.unschedulable, n.status?.allocatable, nodeReady(n)]);
      nodesInf.addHandler({
        add: () => enqueuePending(),
        update: (o, n) => nodeShape(o) !== nodeShape(n) && enqueuePending(),
      });
      const claimShape = (c: KObject) => JSON.stringify([c.status?.phase, c.spec?.volumeName, c.spec?.storageClassName, c.metadata?.deletionTimestamp]);
      pvcInf.addHandler({
        add: (c) => enqueuePending(c.metadata.namespace),
        update: (o, n) => claimShape(o) !== claimShape(n) && enqueuePending(n.metadata.namespace),
        delete: (c) => enqueuePending(c.metadata.namespace),
      });
      classInf.addHandler({ add: () => failures.size && enqueuePending() });

      function reconcile(key: string): ReconcileResult | Promise<ReconcileResult> {
        try {
          const r = schedule(key);
          return r instanceof Promise ? r.catch((err) => failed(key, err)) : r;
        } catch (err) {
          return failed(key, err);
        }
      }

      function failed(key: string, err: unknown): never {
        // an error that is not a fit failure (handleSchedulingFailure, schedule_one.go): a
        // FailedScheduling event, PodScheduled=False with reason SchedulerError, and a retry with
        // back-off through the queue; the other pods are scheduled meanwhile
        const { namespace, name } = splitObjectKey(key);
        const pod = podsInf.get(namespace, name);
        if (pod?.metadata?.uid) {
          try {
            markFailed(pod, (err as Error)?.message ?? String(err), 'SchedulerError');
          } catch (e) {
            log.warn({ pod: key, err: (e as Error)?.message }, 'could not record the scheduling failure');
          }
        }
        throw err;
      }

      function schedule(key: string): ReconcileResult | Promise<ReconcileResult> {
        const { namespace, name } = splitObjectKey(key);
        const pod = podsInf.get(namespace, name);
        if (!pod || !needsScheduling(pod)) return;
        const nodes = nodesInf.list().sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
        const total = nodes.length;
        // ErrNoNodesAvailable (pkg/scheduler/schedule_one.go)
        if (!total) return unschedulable(pod, 'no nodes available to schedule pods');
        const vols = checkVolumes(ctx, pod);
        if (vols.error) return unschedulable(pod, fitErrorMessage(total, vols.error));
        // each node's pods, read once for this attempt (the filters and the load ranking share them)
        const onNode = new Map<string, KObject[]>();
        const attempt: NodeInfo = {
          podsOn: (n) => {
            let l = onNode.get(n);
            if (!l) onNode.set(n, (l = info.podsOn(n)));
            return l;
          },
          requestsOf: info.requestsOf,
          usedOn: info.usedOn,
        };
        const histogram = new Map<string, number>();
        const feasible: KObject[] = [];
        let resourceOnly = true;
        for (const n of nodes) {
          const reasons = filterNode(pod, n, attempt, vols);
          if (!reasons.length) feasible.push(n);
          for (const r of reasons) {
            histogram.set(r, (histogram.get(r) ?? 0) + 1);
            if (!r.startsWith('Insufficient') && r !== 'Too many pods') resourceOnly = false;
          }
        }
        if (!feasible.length) return unschedulable(pod, fitErrorMessage(total, histogram, total > 0 && resourceOnly));
        // prefer a node a WaitForFirstConsumer claim already selected, then the least loaded
        const selected = vols.delayed.map((c) => c.metadata.annotations?.[SELECTED_NODE_ANNOTATION]).find(Boolean);
        const load = (n: KObject) => attempt.podsOn(n.metadata.name).length;
        const node = feasible.find((n) => n.metadata.name === selected) ?? feasible.reduce((best, n) => (load(n) < load(best) ? n : best));
        const nodeName = node.metadata.name;
        if (vols.delayed.length) {
          // PreBind: hand the claims to the provisioner and wait until they are bound
          // (volumebinding's PreBind PATCHes the claims as system:kube-scheduler)
          const pvcDef = ctx.registry.mustDef('', 'persistentvolumeclaims');
          const pending: Promise<unknown>[] = [];
          for (const c of vols.delayed) {
            if (c.metadata.annotations?.[SELECTED_NODE_ANNOTATION] === nodeName) continue;
            const w = sched.modify(pvcDef, namespace, c.metadata.name, (live) => {
              live.metadata.annotations = { ...(live.metadata.annotations ?? {}), [SELECTED_NODE_ANNOTATION]: nodeName };
            }, { fieldManager: 'kube-scheduler' }, true);
            if (w instanceof Promise) pending.push(w);
          }
          if (pending.length) return Promise.all(pending).then(() => ({ requeueAfterMs: 5_000 }));
          return { requeueAfterMs: 5_000 };
        }
        // DefaultBinder (pkg/scheduler/framework/plugins/defaultbinder): a POST of pods/binding as
        // system:kube-scheduler; admission sees a CREATE of the v1 Binding, subResource binding.
        // When no admitter applies the bind stays a synchronous registry call.
        const chain = admissionChainOf(ctx.registry);
        const podDef = ctx.registry.mustDef('', 'pods');
        const need = admissionFor(chain, podDef, 'CREATE', 'binding');
        if (!need.mutating && !need.validating) return bound(pod, key, nodeName);
        const binding: KObject = { kind: 'Binding', apiVersion: 'v1', metadata: { name, namespace, uid: pod.metadata.uid }, target: { kind: 'Node', name: nodeName } };
        return admittedAction(chain, { user: schedulerUser() }, {
          def: podDef, namespace, name, subresource: 'binding', kind: { group: '', version: 'v1', kind: 'Binding' },
          dryRun: false, options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' }, object: binding,
        }).then((a) => bound(pod, key, a.object.target?.name || nodeName, a.object));
      }

      function bound(pod: KObject, key: string, nodeName: string, binding?: KObject): ReconcileResult {
        const { namespace, name } = pod.metadata;
        try {
          bindPod(ctx.registry, namespace, name, nodeName, binding ? { annotations: binding.metadata?.annotations, uid: binding.metadata?.uid } : {});
        } catch (err) {
          if (err instanceof StatusError && (err.code === 404 || err.message.includes('already assigned'))) return;
          throw err;
        }
        failures.delete(pod.metadata.uid);
        record(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
        log.debug({ pod: key, node: nodeName }, 'bound');
      }

      function unschedulable(pod: KObject, message: string): ReconcileResult {
        markFailed(pod, message, 'Unschedulable');
        return { requeueAfterMs: RETRY_UNSCHEDULABLE_MS };
      }

      function markFailed(pod: KObject, message: string, reason: 'Unschedulable' | 'SchedulerError'): void {
        const def = ctx.registry.mustDef('', 'pods');
        failures.set(pod.metadata.uid, message);
        record(pod, 'Warning', 'FailedScheduling', message);
        try {
          // the scheduler PATCHes pods/status as system:kube-scheduler (util.PatchPodStatus)
          const r = sched.modify(
            def,
            pod.metadata.namespace,
            pod.metadata.name,
            (live) => {
              if (live.metadata.uid !== pod.metadata.uid || live.spec?.nodeName) return live;
              const st = (live.status ??= {});
              const conds: KObject[] = (st.conditions ??= []);
              const i = conds.findIndex((c) => c.type === 'PodScheduled');
              const old = i >= 0 ? conds[i] : undefined;
              const c = {
                type: 'PodScheduled',
                status: 'False',
                lastProbeTime: null,
                lastTransitionTime: old?.status === 'False' ? old.lastTransitionTime : nowRFC3339(),
                reason,
                message,
              };
              if (i >= 0) conds[i] = c;
              else conds.push(c);
            },
            { subresource: 'status', fieldManager: 'kube-scheduler' },
            true,
          );
          if (r instanceof Promise) r.catch((err) => !(err instanceof StatusError && err.code === 404) && log.warn({ err: err?.message }, 'could not record the scheduling failure'));
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
    },
  };
}
