// core/v1 ComponentStatus (cluster-scoped, get and list only): pkg/registry/core/componentstatus
// (rest.go: one entry per probed component, metadata carrying only the name; validator.go: a
// Healthy condition per component). The emulated scheduler, controller-manager and etcd are always
// healthy: the three objects are written at start and read through a view that keeps the wire
// form upstream answers (no uid, resourceVersion or timestamps on the items).
import type { KObject, ResourceDef, TablePrinter } from '../types.js';
import type { Registry } from '../../registry/registry.js';
import { NAME_COLUMN, col } from '../../printers/format.js';

export const COMPONENTS = ['scheduler', 'controller-manager', 'etcd-0'];

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);

// printers.go printComponentStatus: the Healthy condition gives the status, message and error
export const componentStatusPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Status', 'Status of the component conditions'),
    col('Message', 'Message of the component conditions'),
    col('Error', 'Error of the component conditions'),
  ],
  row(cs) {
    let status = 'Unknown';
    let message = '';
    let error = '';
    const cond = (Array.isArray(cs.conditions) ? cs.conditions : []).find((c: unknown) => isObj(c) && c.type === 'Healthy');
    if (cond) {
      status = cond.status === 'True' ? 'Healthy' : 'Unhealthy';
      message = cond.message ?? '';
      error = cond.error ?? '';
    }
    return [cs.metadata?.name ?? '', status, message, error];
  },
};

/** The wire form of one stored entry: name and conditions only. */
function served(obj: KObject): KObject {
  return { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: obj.metadata?.name }, conditions: obj.conditions ?? [] };
}

export const componentStatusDef: ResourceDef = {
  install: (registry) => bootstrapComponentStatuses(registry),
  group: '',
  version: 'v1',
  kind: 'ComponentStatus',
  listKind: 'ComponentStatusList',
  plural: 'componentstatuses',
  singular: 'componentstatus',
  namespaced: false,
  shortNames: ['cs'],
  verbs: ['get', 'list'],
  subresources: [],
  definition: 'io.k8s.api.core.v1.ComponentStatus',
  storage: { group: '', plural: 'componentstatuses', fromStorage: served, toStorage: (o) => o },
  // staging/src/k8s.io/api/core/v1 ComponentStatus: prerelease-lifecycle deprecated in 1.19
  deprecationWarning: (minor) => (minor >= 19 ? 'v1 ComponentStatus is deprecated in v1.19+' : undefined),
  table: componentStatusPrinter,
};

/** Writes the component entries when missing (nothing probes: every component answers ok). */
export function bootstrapComponentStatuses(registry: Registry): void {
  const def = registry.def('', 'componentstatuses');
  if (!def) return;
  for (const name of COMPONENTS) {
    if (registry.tryGet(def, '', name)) continue;
    registry.create(def, '', { apiVersion: 'v1', kind: 'ComponentStatus', metadata: { name }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] }, { fieldManager: 'kube-apiserver' });
  }
}
