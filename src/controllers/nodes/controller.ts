// The simulated kubelets' node side: registers ctx.options.nodes Ready nodes at start, posts node
// status (heartbeat) every NODE_STATUS_REPORT_MS and renews one Lease per node in kube-node-lease
// every LEASE_RENEW_MS (pkg/kubelet/kubelet_node_status.go, pkg/kubelet/nodelease,
// component-helpers/apimachinery/lease/controller.go: renew interval = 0.25 * 40 s).
import type { KObject } from '../../resources/types.js';
import type { Controller, ControllerContext } from '../manager.js';
import { StatusError } from '../../registry/errors.js';
import { nowRFC3339 } from '../../registry/meta.js';
import { buildNode, microTime, nodeConditions, nodeName } from './info.js';
import { userClient } from '../runtime/client.js';
import { nodeUser } from '../../admission/run.js';

export const LEASE_DURATION_SECONDS = 40;
export const LEASE_RENEW_MS = 10_000;
/** kubelet nodeStatusReportFrequency is 5m once leases exist; we heartbeat a little more often */
export const NODE_STATUS_REPORT_MS = 60_000;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const KUBELET = { fieldManager: 'kubelet' };

export interface NodesControllerOptions {
  leaseRenewMs?: number;
  statusReportMs?: number;
}

export function nodesController(opts: NodesControllerOptions = {}): Controller {
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  return {
    name: 'nodes',
    start(ctx: ControllerContext) {
      stopped = false;
      const log = ctx.logger.child({ controller: 'nodes' });
      const names = Array.from({ length: ctx.options.nodes }, (_, i) => nodeName(i));
      const register = () => {
        for (let i = 0; i < names.length; i++) {
          try {
            registerNode(ctx, i);
          } catch (err) {
            log.warn({ err: (err as Error).message, node: names[i] }, 'node registration failed');
          }
        }
      };
      const renew = () => {
        if (stopped) return;
        for (const n of names) {
          try {
            renewLease(ctx, n);
          } catch (err) {
            log.debug({ err: (err as Error).message, node: n }, 'lease renewal failed');
          }
        }
      };
      const heartbeat = () => {
        if (stopped) return;
        for (const n of names) {
          try {
            postNodeStatus(ctx, n);
          } catch (err) {
            log.debug({ err: (err as Error).message, node: n }, 'node status update failed');
          }
        }
      };
      register();
      renew();
      const t1 = setInterval(renew, opts.leaseRenewMs ?? LEASE_RENEW_MS);
      const t2 = setInterval(heartbeat, opts.statusReportMs ?? NODE_STATUS_REPORT_MS);
      t1.unref();
      t2.unref();
      timers.push(t1, t2);
    },
    stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      timers.length = 0;
    },
  };
}

/** Creates node `index` if missing; an existing one gets fresh Ready conditions and node info. */
export function registerNode(ctx: ControllerContext, index: number): KObject {
  const { registry, options } = ctx;
  const def = registry.mustDef('', 'nodes');
  const now = nowRFC3339();
  const want = buildNode(index, options.kubeletVersion, options.emulatedMinor, now);
  const name = want.metadata.name;
  const live = registry.tryGet(def, '', name);
  if (!live) {
    try {
      return registry.create(def, '', want, KUBELET).object;
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
    }
  }
  // kubelet restart: reconcile labels it owns, podCIDR if unset, and the status it reports
  registry.modify(def, '', name, (n) => {
    n.metadata.labels = { ...want.metadata.labels, ...(n.metadata.labels ?? {}) };
    n.metadata.annotations = { ...want.metadata.annotations, ...(n.metadata.annotations ?? {}) };
    if (!n.spec?.podCIDR) n.spec = { ...(n.spec ?? {}), podCIDR: want.spec.podCIDR, podCIDRs: want.spec.podCIDRs };
  }, KUBELET);
  return registry.modify(
    def,
    '',
    name,
    (n) => {
      const st = (n.status ??= {});
      const prev: Record<string, string> = {};
      for (const c of st.conditions ?? []) if (c.status === (c.type === 'Ready' ? 'True' : 'False')) prev[c.type] = c.lastTransitionTime;
      n.status = { ...st, ...want.status, conditions: nodeConditions(now, prev) };
    },
    { subresource: 'status', ...KUBELET },
  ).object;
}

/** Refreshes lastHeartbeatTime of every node condition (only when something would change). */
export function postNodeStatus(ctx: ControllerContext, name: string): void {
  const def = ctx.registry.mustDef('', 'nodes');
  if (!ctx.registry.tryGet(def, '', name)) return; // a deleted node stays deleted until restart, as with a kubelet
  const now = nowRFC3339();
  // the kubelet PATCHes nodes/status as system:node:<name> (admitted when a webhook or policy applies)
  settle(ctx, userClient(ctx.registry, nodeUser(name)).modify(
    def,
    '',
    name,
    (n) => {
      const conds: KObject[] = n.status?.conditions ?? [];
      for (const c of conds) c.lastHeartbeatTime = now;
    },
    { subresource: 'status', ...KUBELET },
    true,
  ));
}

/** An admitted write's outcome: logged when refused (the next heartbeat tries again). */
function settle(ctx: ControllerContext, w: unknown): void {
  if (w instanceof Promise) w.catch((err) => ctx.logger.debug({ err: (err as Error)?.message }, 'node agent write not admitted'));
}

/** Creates or renews kube-node-lease/<node> (holder = node, owner = the Node). */
export function renewLease(ctx: ControllerContext, name: string): void {
  const { registry } = ctx;
  const nodeDef = registry.mustDef('', 'nodes');
  const leaseDef = registry.mustDef('coordination.k8s.io', 'leases');
  const node = registry.tryGet(nodeDef, '', name);
  if (!node) return;
  const now = microTime();
  const live = registry.tryGet(leaseDef, NODE_LEASE_NAMESPACE, name);
  // the kubelet's lease client writes as system:node:<name>
  const client = userClient(registry, nodeUser(name));
  if (!live) {
    settle(ctx, client.create(leaseDef, NODE_LEASE_NAMESPACE, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: NODE_LEASE_NAMESPACE,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }],
      },
      spec: { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now },
    }, KUBELET));
    return;
  }
  settle(ctx, client.modify(leaseDef, NODE_LEASE_NAMESPACE, name, (l) => {
    l.spec = { ...(l.spec ?? {}), holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now };
    const refs: KObject[] = l.metadata.ownerReferences ?? [];
    if (!refs.some((r) => r.kind === 'Node' && r.uid === node.metadata.uid))
      l.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }];
  }, KUBELET));
}
