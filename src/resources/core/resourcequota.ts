// core/v1 ResourceQuota: pkg/registry/core/resourcequota/strategy.go and ValidateResourceQuota*
// (pkg/apis/core/validation/validation.go). Admission charges writes (quota-admission.ts); the
// quota controller (src/controllers/resourcequota.ts) keeps status.used.
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, notSupported, isQualifiedName } from '../../registry/validation.js';
import { canonicalizeResourceList } from '../quantity.js';
import { validateResourceQuantityValue } from '../podspec-validation.js';
import { resourceQuotaPrinter } from '../../printers/core.js';
import { installQuotaAdmission } from './quota-admission.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

const STANDARD_QUOTA = new Set([
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory',
  'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
]);
const SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating', 'VolumeAttributesClass'];

/** validateResourceQuotaResourceName */
export function validateQuotaResourceName(name: string, field: string): Cause[] {
  const errs = isQualifiedName(name).map((m) => invalid(field, name, m));
  if (errs.length) return errs;
  if (!name.includes('/') && !STANDARD_QUOTA.has(name) && !name.startsWith('count/') && !name.startsWith('requests.hugepages-') && !name.startsWith('hugepages-'))
    errs.push(invalid(field, name, 'must be a standard resource for quota'));
  return errs;
}

function validateResourceList(rl: unknown, field: string): Cause[] {
  if (!isObj(rl)) return [];
  return Object.entries(rl).flatMap(([k, v]) => [
    ...validateQuotaResourceName(k, `${field}[${k}]`),
    ...validateResourceQuantityValue(k, v, `${field}[${k}]`),
  ]);
}

function validateQuota(q: KObject): Cause[] {
  const errs = validateResourceList(q.spec?.hard, 'spec.hard');
  arr(q.spec?.scopes).forEach((s, i) => {
    if (!SCOPES.includes(s)) errs.push(notSupported(`spec.scopes[${i}]`, s, SCOPES));
  });
  arr(q.spec?.scopeSelector?.matchExpressions).forEach((e, i) => {
    const p = `spec.scopeSelector.matchExpressions[${i}]`;
    if (!isObj(e)) return;
    if (!SCOPES.includes(e.scopeName)) errs.push(notSupported(`${p}.scopeName`, e.scopeName, SCOPES));
    const ops = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
    if (!ops.includes(e.operator)) errs.push(notSupported(`${p}.operator`, e.operator, ops));
  });
  return errs;
}

export const resourceQuotaDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  listKind: 'ResourceQuotaList',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'ResourceQuota', verbs: ['get', 'patch', 'update'] }],
  definition: 'io.k8s.api.core.v1.ResourceQuota',
  table: resourceQuotaPrinter,
  defaults(obj) {
    canonicalizeResourceList(obj.spec?.hard);
    canonicalizeResourceList(obj.status?.hard);
    canonicalizeResourceList(obj.status?.used);
  },
  prepareForCreate(obj) {
    obj.status = {};
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = clone(oldObj.status);
  },
  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = clone(oldObj.spec);
  },
  validate: validateQuota,
  validateUpdate: (n) => validateQuota(n),
  validateStatusUpdate(n) {
    return [...validateResourceList(n.status?.hard, 'status.hard'), ...validateResourceList(n.status?.used, 'status.used')];
  },
  generationChanged: () => false,
  // the ResourceQuota admission plugin, over every kind
  install: (registry) => installQuotaAdmission(registry),
};
