// The node lifecycle controller ('nodelifecycle'): a node whose kubelet stops posting status and
// renewing its Lease (or never did: a Node created by hand) gets Ready, MemoryPressure,
// DiskPressure and PIDPressure `Unknown` once the grace period has passed, and the taints that
// follow from its conditions (unreachable / not-ready NoSchedule and NoExecute, the pressure
// ones, unschedulable for a cordoned node). The simulated kubelets renew their Leases, so their
// nodes stay Ready. Upstream: pkg/controller/nodelifecycle/node_lifecycle_controller.go
// (tryUpdateNodeHealth, doNoScheduleTaintingPass, doNoExecuteTaintingPass). Pods are not evicted.
import type { KObject } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { nowRFC3339 } from '../../registry/meta.js';
import type { Controller, ControllerContext } from '../manager.js';
import { NODE_LEASE_NAMESPACE } from './controller.js';

/** --node-monitor-grace-period: 40 s until 1.31, 50 s from 1.32 (kubernetes/kubernetes#126287) */
export function defaultNodeMonitorGracePeriodMs(emulatedMinor: number): number {
  return emulatedMinor >= 32 ? 50_000 : 40_000;
}
/** --node-startup-grace-period */
export const NODE_STARTUP_GRACE_PERIOD_MS = 60_000;
/** --node-monitor-period */
export const NODE_MONITOR_PERIOD_MS = 5_000;

export interface NodeLifecycleOptions {
  /** how long a node may go without status or Lease renewal before it is Unknown (default: upstream's for the emulated version) */
  gracePeriodMs?: number;
  /** the same for a node whose kubelet never posted a Ready condition (default 60 s) */
  startupGracePeriodMs?: number;
  /** how often every node is checked (default 5 s) */
  monitorPeriodMs?: number;
}

const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

// nodeConditionToTaintKeyStatusMap
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: 'node.kubernetes.io/not-ready', Unknown: 'node.kubernetes.io/unreachable' },
  MemoryPressure: { True: 'node.kubernetes.io/memory-pressure' },
  DiskPressure: { True: 'node.kubernetes.io/disk-pressure' },
  NetworkUnavailable: { True: 'node.kubernetes.io/network-unavailable' },
  PIDPressure: { True: 'node.kubernetes.io/pid-pressure' },
};
const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';
const NO_SCHEDULE_KEYS = new Set([...Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)), UNSCHEDULABLE_TAINT]);
const NO_EXECUTE_KEYS = new Set(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
const MANAGER = { fieldManager: 'kube-controller-manager' };

interface NodeHealth {
  /** when the controller last saw a sign of life (ms) */
  probeTimestamp: number;
  /** the Ready condition's lastHeartbeatTime last seen; undefined while there is none */
  savedHeartbeat?: string;
  /** the Lease's renewTime last seen */
  leaseRenewTime?: string;
}

const condition = (node: KObject, type: string): KObject | undefined => (Array.isArray(node.status?.conditions) ? node.status.conditions : []).find((c: KObject) => c?.type === type);

/** The conditions after the grace period ran out (mutates node.status); true when something changed. */
export function markNodeStatusUnknown(node: KObject, now: string): boolean {
  const st = (node.status ??= {});
  if (!Array.isArray(st.conditions)) st.conditions = [];
  let changed = false;
  for (const type of MONITORED_CONDITIONS) {
    const cur = condition(node, type);
    if (!cur) {
      st.conditions.push({
        type,
        status: 'Unknown',
        lastHeartbeatTime: node.metadata?.creationTimestamp,
        lastTransitionTime: now,
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
      });
      changed = true;
    } else if (cur.status !== 'Unknown') {
      cur.status = 'Unknown';
      cur.reason = 'NodeStatusUnknown';
      cur.message = 'Kubelet stopped posting node status.';
      cur.lastTransitionTime = now;
      changed = true;
    }
  }
  return changed;
}

/** The controller-owned taints the node's conditions and spec call for, keyed `key:effect`. */
export function wantedTaints(node: KObject): Set<string> {
  const out = new Set<string>();
  for (const c of Array.isArray(node.status?.conditions) ? node.status.conditions : []) {
    const key = CONDITION_TAINTS[c?.type]?.[c?.status];
    if (key) out.add(`${key}:NoSchedule`);
  }
  if (node.spec?.unschedulable) out.add(`${UNSCHEDULABLE_TAINT}:NoSchedule`);
  const ready = condition(node, 'Ready');
  if (ready?.status === 'False') out.add('node.kubernetes.io/not-ready:NoExecute');
  if (ready?.status === 'Unknown') out.add('node.kubernetes.io/unreachable:NoExecute');
  return out;
}

const owned = (t: KObject) => (t?.effect === 'NoSchedule' && NO_SCHEDULE_KEYS.has(t.key)) || (t?.effect === 'NoExecute' && NO_EXECUTE_KEYS.has(t.key));

/** spec.taints with the owned ones brought in line (others untouched, kept ones keep timeAdded); undefined when nothing changes. */
export function reconcileTaints(node: KObject, now: string): KObject[] | undefined {
  const want = wantedTaints(node);
  const cur: KObject[] = Array.isArray(node.spec?.taints) ? node.spec.taints : [];
  const have = new Set(cur.filter(owned).map((t) => `${t.key}:${t.effect}`));
  const next = cur.filter((t) => !owned(t) || want.has(`${t.key}:${t.effect}`));
  for (const w of want) {
    if (have.has(w)) continue;
    const i = w.lastIndexOf(':');
    next.push({ key: w.slice(0, i), effect: w.slice(i + 1), timeAdded: now }); // SwapNodeControllerTaint stamps what it adds
  }
  return next.length === cur.length && next.every((t, i) => t === cur[i]) ? undefined : next;
}

/** controller_utils.go MarkPodsNotReady: the pods on a node that stopped reporting are no longer Ready. */
function markPodsNotReady(ctx: ControllerContext, nodeName: string, now: string): void {
  const podDef = ctx.registry.mustDef('', 'pods');
  const record = ctx.recorder.for({ component: 'node-controller' });
  for (const pod of ctx.informers.for('', 'pods').list()) {
    if (pod.spec?.nodeName !== nodeName) continue;
    const ready = condition(pod, 'Ready');
    if (!ready || ready.status === 'False') continue;
    try {
      const r = ctx.registry.modify(podDef, pod.metadata.namespace, pod.metadata.name, (p) => {
        const c = condition(p, 'Ready');
        if (!c || c.status === 'False') return;
        c.status = 'False';
        c.lastTransitionTime = now;
      }, { subresource: 'status', ...MANAGER });
      record(r.object, 'Warning', 'NodeNotReady', 'Node is not ready');
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }
}

export function nodeLifecycleController(opts: NodeLifecycleOptions = {}): Controller {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'nodelifecycle',
    start(ctx: ControllerContext) {
      const { registry } = ctx;
      const nodeDef = registry.mustDef('', 'nodes');
      const nodes = ctx.informers.for('', 'nodes');
      const leases = ctx.informers.for('coordination.k8s.io', 'leases');
      const grace = opts.gracePeriodMs ?? defaultNodeMonitorGracePeriodMs(ctx.options.emulatedMinor);
      const startupGrace = opts.startupGracePeriodMs ?? NODE_STARTUP_GRACE_PERIOD_MS;
      const health = new Map<string, NodeHealth>();
      const record = ctx.recorder.for({ component: 'node-controller' });

      const queue = ctx.newQueue('nodelifecycle', (name) => {
        const node = nodes.get('', name);
        if (!node) {
          health.delete(name);
          return;
        }
        const now = Date.now();
        const ready = condition(node, 'Ready');
        let h = health.get(name);
        // tryUpdateNodeHealth: a node first seen counts from now, one that never posted from its creation
        if (!h) {
          const created = Date.parse(node.metadata?.creationTimestamp ?? '');
          h = { probeTimestamp: !ready && Number.isFinite(created) ? created : now, savedHeartbeat: ready?.lastHeartbeatTime };
          health.set(name, h);
        } else if (ready && ready.lastHeartbeatTime !== h.savedHeartbeat) {
          h.probeTimestamp = now;
          h.savedHeartbeat = ready.lastHeartbeatTime;
        }
        const renew = leases.get(NODE_LEASE_NAMESPACE, name)?.spec?.renewTime;
        if (renew && (h.leaseRenewTime === undefined || Date.parse(h.leaseRenewTime) < Date.parse(renew))) {
          h.leaseRenewTime = renew;
          h.probeTimestamp = now;
        }
        const period = ready ? grace : startupGrace;
        const expires = h.probeTimestamp + period;
        try {
          if (now > expires) {
            const stamp = nowRFC3339(now);
            const probe = JSON.parse(JSON.stringify(node));
            if (markNodeStatusUnknown(probe, stamp)) {
              const written = registry.modify(nodeDef, '', name, (n) => void markNodeStatusUnknown(n, stamp), { subresource: 'status', ...MANAGER }).object;
              h.savedHeartbeat = condition(written, 'Ready')?.lastHeartbeatTime;
              // nodeutil.RecordNodeStatusChange, when Ready leaves True
              if (ready?.status === 'True') {
                record(written, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
                markPodsNotReady(ctx, name, stamp);
              }
            }
          }
          // doNoScheduleTaintingPass / doNoExecuteTaintingPass on what is stored now
          const live = nodes.get('', name) ?? node;
          if (reconcileTaints(live, nowRFC3339(now)))
            registry.modify(nodeDef, '', name, (n) => {
              const next = reconcileTaints(n, nowRFC3339(now));
              if (next === undefined) return;
              n.spec = { ...(n.spec ?? {}) };
              if (next.length) n.spec.taints = next;
              else delete n.spec.taints;
            }, MANAGER);
        } catch (err) {
          if (err instanceof StatusError && err.code === 404) return;
          throw err;
        }
        // look again when this node's grace period runs out (the periodic pass also does)
        if (now <= expires) return { requeueAfterMs: expires - now + 1 };
      });
      nodes.addHandler({ add: (n) => queue.add(n.metadata.name), update: (_o, n) => queue.add(n.metadata.name), delete: (n) => queue.add(n.metadata.name) });
      leases.addHandler({
        add: (l) => l.metadata?.namespace === NODE_LEASE_NAMESPACE && queue.add(l.metadata.name),
        update: (_o, l) => l.metadata?.namespace === NODE_LEASE_NAMESPACE && queue.add(l.metadata.name),
      });
      // monitorNodeHealth every --node-monitor-period
      timer = setInterval(() => {
        for (const n of nodes.list()) queue.add(n.metadata.name);
      }, opts.monitorPeriodMs ?? NODE_MONITOR_PERIOD_MS);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
