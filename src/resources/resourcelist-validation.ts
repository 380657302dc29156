// Resource names and quantities in ResourceLists (container resources, limit ranges, nodes),
// as pkg/apis/core/validation/validation.go validateResourceName / ValidateResourceQuantityValue /
// ValidateContainerResourceRequirements.
import type { Cause } from './types.js';
import { required, invalid, isQualifiedName } from '../registry/validation.js';
import { parseQuantity, compareQuantity, QUANTITY_FORMAT_ERROR } from './quantity.js';

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu',
  'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets',
  'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);
const isHugePages = (n: string) => n.startsWith('hugepages-') || n.startsWith('requests.hugepages-') || n.startsWith('limits.hugepages-');

/** validateResourceName (core validation): qualified name, standard unless fully qualified. */
export function validateResourceName(name: string, field: string): Cause[] {
  const errs = isQualifiedName(name).map((m) => invalid(field, name, m));
  if (errs.length) return errs;
  if (!name.includes('/') && !STANDARD_RESOURCES.has(name) && !isHugePages(name))
    errs.push(invalid(field, name, 'must be a standard resource type or fully qualified'));
  return errs;
}

/** validateContainerResourceName */
export function validateContainerResourceName(name: string, field: string): Cause[] {
  const errs = validateResourceName(name, field);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-'))
      errs.push(invalid(field, name, 'must be a standard resource for containers'));
  } else if (!/(^|\.)kubernetes\.io\//.test(name) && name.startsWith('requests.')) {
    errs.push(invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Integer-only resources: extended resources (fully qualified, not *kubernetes.io/) and hugepages-free counts. */
function isIntegerResource(name: string): boolean {
  if (name.includes('/')) return !/(^|\.)kubernetes\.io\//.test(name);
  return ['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
    'services.nodeports', 'services.loadbalancers'].includes(name) || name.startsWith('count/');
}

/** ValidateResourceQuantityValue: non-negative, integer for integer resources. Also the decode check. */
export function validateResourceQuantityValue(resource: string, value: unknown, field: string): Cause[] {
  const q = typeof value === 'string' || typeof value === 'number' ? parseQuantity(value) : undefined;
  if (!q) return [invalid(field, value, QUANTITY_FORMAT_ERROR)];
  const errs: Cause[] = [];
  if (q.value < 0) errs.push(invalid(field, q.canonical, 'must be greater than or equal to 0'));
  if (isIntegerResource(resource) && !Number.isInteger(q.value)) errs.push(invalid(field, q.canonical, 'must be an integer'));
  return errs;
}

/** ValidateContainerResourceRequirements */
export function validateContainerResources(res: unknown, field: string): Cause[] {
  if (!isObj(res)) return [];
  const errs: Cause[] = [];
  const limits = isObj(res.limits) ? res.limits : {};
  const requests = isObj(res.requests) ? res.requests : {};
  for (const [k, v] of Object.entries(limits)) {
    errs.push(...validateContainerResourceName(k, `${field}.limits[${k}]`));
    errs.push(...validateResourceQuantityValue(k, v, `${field}.limits[${k}]`));
  }
  for (const [k, v] of Object.entries(requests)) {
    const p = `${field}.requests[${k}]`;
    errs.push(...validateContainerResourceName(k, p));
    const qerrs = validateResourceQuantityValue(k, v, p);
    errs.push(...qerrs);
    if (qerrs.length) continue;
    const overcommit = !isHugePages(k) && (STANDARD_CONTAINER_RESOURCES.has(k) || /(^|\.)kubernetes\.io\//.test(k));
    const reqStr = parseQuantity(v as string)!.canonical;
    if (k in limits && parseQuantity(limits[k] as string)) {
      const limStr = parseQuantity(limits[k] as string)!.canonical;
      const cmp = compareQuantity(v as string, limits[k] as string);
      if (cmp !== 0 && !overcommit) errs.push(invalid(`${field}.requests`, reqStr, `must be equal to ${k} limit of ${limStr}`));
      else if (cmp > 0) errs.push(invalid(`${field}.requests`, reqStr, `must be less than or equal to ${k} limit of ${limStr}`));
    } else if (!(k in limits) && !overcommit) {
      errs.push(required(`${field}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

