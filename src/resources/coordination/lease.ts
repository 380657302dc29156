// Lease (coordination.k8s.io/v1): pkg/registry/coordination/lease/strategy.go and
// pkg/apis/coordination/validation/validation.go (ValidateLease / ValidateLeaseSpec).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid } from '../../registry/validation.js';
import { leasePrinter } from '../../printers/core.js';

/** ValidateLeaseSpec: durations positive, transitions non-negative. */
export function validateLease(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  const spec = obj.spec && typeof obj.spec === 'object' ? obj.spec : {};
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0)
    causes.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  if (typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0)
    causes.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  return causes;
}

export const leaseDef: ResourceDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.coordination.v1.Lease',
  table: leasePrinter,

  validate: validateLease,
  // strategy.go AllowCreateOnUpdate: true (leader election PUTs a missing lease)
  allowCreateOnUpdate: true,
  // strategy.go AllowUnconditionalUpdate: false (an update must name the revision it replaces)
  allowUnconditionalUpdate: false,
};
