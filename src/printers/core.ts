// Namespaces, Nodes, ConfigMaps, Secrets, ServiceAccounts, ResourceQuotas, Leases and the
// default printer (pkg/printers/internalversion/printers.go; the default is
// staging/src/k8s.io/apiserver/pkg/registry/rest/table.go's defaultTableConvertor).
import type { KObject, TablePrinter } from '../resources/types.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, formatQuantity, orDefault, rfc3339 } from './format.js';

const count = (m: unknown): number => (m && typeof m === 'object' ? Object.keys(m).length : 0);

export const namespacePrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Status', 'The lifecycle phase of the namespace (Active or Terminating).'), AGE_COLUMN],
  row(ns, now) {
    return [ns.metadata?.name ?? '', ns.status?.phase ?? '', age(ns, now)];
  },
};

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** findNodeRoles: sorted, deduplicated roles from the node labels. */
export function nodeRoles(node: KObject): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries((node.metadata?.labels ?? {}) as Record<string, string>)) {
    if (k.startsWith(NODE_ROLE_PREFIX)) {
      const role = k.slice(NODE_ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === NODE_ROLE_LABEL && v) {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

/** The Status cell of a node: Ready / NotReady / Unknown, plus SchedulingDisabled. */
export function nodeStatus(node: KObject): string {
  const conditions: KObject[] = Array.isArray(node.status?.conditions) ? node.status.conditions : [];
  let ready: KObject | undefined;
  for (const c of conditions) if (c?.type === 'Ready') ready = c; // the last one wins, as a map would
  const out: string[] = [];
  if (ready) out.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else out.push('Unknown');
  if (node.spec?.unschedulable) out.push('SchedulingDisabled');
  return out.join(',');
}

function nodeAddress(node: KObject, type: string): string {
  const addrs = node.status?.addresses;
  if (Array.isArray(addrs)) for (const a of addrs) if (a?.type === type) return a.address ?? '';
  return '<none>';
}

export const nodePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Status', 'Readiness of the node and whether scheduling is disabled.'),
    col('Roles', 'Roles taken from the node-role labels.'),
    AGE_COLUMN,
    col('Version', 'The kubelet version reported by the node.'),
    col('Internal-IP', 'The first internal address of the node.', { priority: 1 }),
    col('External-IP', 'The first external address of the node.', { priority: 1 }),
    col('OS-Image', 'The operating system image reported by the node.', { priority: 1 }),
    col('Kernel-Version', 'The kernel version reported by the node.', { priority: 1 }),
    col('Container-Runtime', 'The container runtime and its version.', { priority: 1 }),
  ],
  row(node, now) {
    const info = node.status?.nodeInfo ?? {};
    const roles = nodeRoles(node).join(',');
    return [
      node.metadata?.name ?? '',
      nodeStatus(node),
      roles || '<none>',
      age(node, now),
      info.kubeletVersion ?? '',
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      orDefault(info.osImage, '<unknown>'),
      orDefault(info.kernelVersion, '<unknown>'),
      orDefault(info.containerRuntimeVersion, '<unknown>'),
    ];
  },
};

export const configMapPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Data', 'Number of entries in data and binaryData.'), AGE_COLUMN],
  row(cm, now) {
    return [cm.metadata?.name ?? '', count(cm.data) + count(cm.binaryData), age(cm, now)];
  },
};

export const secretPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Type', 'The secret type, which fixes the expected keys.'), col('Data', 'Number of keys in data.'), AGE_COLUMN],
  row(s, now) {
    return [s.metadata?.name ?? '', s.type ?? '', count(s.data), age(s, now)];
  },
};

export const serviceAccountPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Secrets', 'Number of secrets listed on the service account.'), AGE_COLUMN],
  row(sa, now) {
    return [sa.metadata?.name ?? '', Array.isArray(sa.secrets) ? sa.secrets.length : 0, age(sa, now)];
  },
};

/** The Request and Limit cells of a quota: `name: used/hard` pairs, limits.* in the second. */
export function quotaCells(rq: KObject): [string, string] {
  const hard: Record<string, unknown> = rq.status?.hard ?? {};
  const used: Record<string, unknown> = rq.status?.used ?? {};
  const requests: string[] = [];
  const limits: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const pieces = name.split('.');
    const target = pieces.length > 1 && pieces[0] === 'limits' ? limits : requests;
    target.push(`${name}: ${formatQuantity(used[name])}/${formatQuantity(hard[name])}`);
  }
  return [requests.join(', '), limits.join(', ')];
}

export const resourceQuotaPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Request', 'Used out of hard for every non-limit resource of the quota.'),
    col('Limit', 'Used out of hard for the limits.* resources of the quota.'),
    AGE_COLUMN,
  ],
  row(rq, now) {
    const [req, lim] = quotaCells(rq);
    return [rq.metadata?.name ?? '', req, lim, age(rq, now)];
  },
};

export const leasePrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Holder', 'The identity currently holding the lease.'), AGE_COLUMN],
  row(l, now) {
    return [l.metadata?.name ?? '', l.spec?.holderIdentity ?? '', age(l, now)];
  },
};

/** Name and creation time (RFC 3339, UTC), the columns upstream gives kinds without a printer. */
export const defaultPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Created At', 'When the object was created (RFC 3339, UTC).', { type: 'date' })],
  row(obj) {
    return [obj.metadata?.name ?? '', rfc3339(obj.metadata?.creationTimestamp)];
  },
};
