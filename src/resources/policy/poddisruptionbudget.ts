// PodDisruptionBudget (policy/v1): pkg/apis/policy/validation/validation.go
// (ValidatePodDisruptionBudgetSpec, ValidatePodDisruptionBudgetStatusUpdate), the int-or-percent checks of
// pkg/apis/apps/validation (ValidatePositiveIntOrPercent, IsNotMoreThan100Percent),
// pkg/registry/policy/poddisruptionbudget/strategy.go (status reset, generation). policy/v1 has no defaults.
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, notSupported } from '../../registry/validation.js';
import { validateLabelSelector } from '../labelselector.js';
import { validateConditions } from '../conditions.js';
import { podDisruptionBudgetPrinter } from '../../printers/policy.js';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];
const PERCENT = /^[0-9]+%$/;
const PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Go's %#v of an intstr.IntOrString (a value, not a Stringer): intstr.IntOrString{Type:1, IntVal:0, StrVal:"5%"}. */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'number') return `intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`;
  return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(String(v))}}`;
}

function invalidIntOrString(field: string, v: unknown, detail: string): Cause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${goIntOrString(v)}: ${detail}` };
}

/** ValidatePositiveIntOrPercent + IsNotMoreThan100Percent. */
export function validateIntOrPercent(v: unknown, field: string): Cause[] {
  const causes: Cause[] = [];
  if (typeof v === 'string') {
    if (!PERCENT.test(v)) causes.push(invalidIntOrString(field, v, PERCENT_MSG));
    else if (Number(v.slice(0, -1)) > 100) causes.push(invalidIntOrString(field, v, 'must not be greater than 100%'));
  } else if (typeof v === 'number') {
    if (v < 0) causes.push(invalid(field, v, 'must be greater than or equal to 0'));
  } else causes.push(invalidIntOrString(field, v, "must be an integer or percentage (e.g '5%')"));
  return causes;
}

/** Go's %#v of the internal policy.PodDisruptionBudgetSpec (pointers print as addresses upstream). */
function goSpec(spec: KObject): string {
  let addr = 0xc000a1c000;
  const ptr = (type: string, set: boolean) => `(*${type})(${set ? '0x' + (addr += 0x10).toString(16) : 'nil'})`;
  const has = (k: string) => spec[k] !== undefined && spec[k] !== null;
  return (
    `policy.PodDisruptionBudgetSpec{MinAvailable:${ptr('intstr.IntOrString', has('minAvailable'))}, Selector:${ptr('v1.LabelSelector', has('selector'))}, ` +
    `MaxUnavailable:${ptr('intstr.IntOrString', has('maxUnavailable'))}, UnhealthyPodEvictionPolicy:${ptr('policy.UnhealthyPodEvictionPolicyType', has('unhealthyPodEvictionPolicy'))}}`
  );
}

/** ValidatePodDisruptionBudgetSpec (allowInvalidLabelValue: the stored object's selector was already invalid). */
export function validatePodDisruptionBudgetSpec(spec: KObject, allowInvalidLabelValue = false): Cause[] {
  const causes: Cause[] = [];
  const has = (k: string) => spec[k] !== undefined && spec[k] !== null;
  if (has('minAvailable') && has('maxUnavailable'))
    causes.push({ reason: 'FieldValueInvalid', field: 'spec', message: `Invalid value: ${goSpec(spec)}: minAvailable and maxUnavailable cannot be both set` });
  if (has('minAvailable')) causes.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  if (has('maxUnavailable')) causes.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  causes.push(...validateLabelSelector(spec.selector, 'spec.selector', allowInvalidLabelValue));
  if (has('unhealthyPodEvictionPolicy') && !EVICTION_POLICIES.includes(spec.unhealthyPodEvictionPolicy))
    causes.push(notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, EVICTION_POLICIES));
  return causes;
}

/** ValidatePodDisruptionBudgetStatusUpdate (policy/v1: conditions and non-negative counts). */
export function validatePodDisruptionBudgetStatus(newObj: KObject): Cause[] {
  const st: KObject = isMap(newObj.status) ? newObj.status : {};
  const causes = validateConditions(st.conditions, 'status.conditions');
  for (const k of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'])
    if (typeof st[k] === 'number' && st[k] < 0) causes.push(invalid(`status.${k}`, st[k], 'must be greater than or equal to 0'));
  return causes;
}

/** The status a PodDisruptionBudget has before the disruption controller sees it (four int32 without omitempty). */
export const emptyPdbStatus = () => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });

// the registry runs `validate` on creates and updates alike: creates are marked in prepareForCreate
const creating = new WeakSet<KObject>();
const specOf = (o: KObject): KObject => (isMap(o.spec) ? o.spec : {});

export const podDisruptionBudgetDef: ResourceDef = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  listKind: 'PodDisruptionBudgetList',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'PodDisruptionBudget', verbs: ['get', 'patch', 'update'] }],
  definition: 'io.k8s.api.policy.v1.PodDisruptionBudget',
  table: podDisruptionBudgetPrinter,

  defaults(obj) {
    if (!isMap(obj.spec)) obj.spec = {};
    if (!isMap(obj.status)) obj.status = emptyPdbStatus();
    for (const [k, v] of Object.entries(emptyPdbStatus())) if (typeof obj.status[k] !== 'number') obj.status[k] = v;
  },
  prepareForCreate(obj) {
    obj.status = emptyPdbStatus();
    creating.add(obj);
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = structuredClone(oldObj.status ?? emptyPdbStatus());
  },
  validate: (obj) => (creating.delete(obj) ? validatePodDisruptionBudgetSpec(specOf(obj)) : []),
  // hasInvalidLabelValueInLabelSelector(old): a stored invalid selector value may stay
  validateUpdate: (obj, old) => validatePodDisruptionBudgetSpec(specOf(obj), isMap(specOf(old).selector) && validateLabelSelector(specOf(old).selector, '').length > 0),
  validateStatusUpdate: validatePodDisruptionBudgetStatus,
  generation: true,
  // AllowUnconditionalUpdate is false: an update must name the resourceVersion it replaces
  allowUnconditionalUpdate: false,
};
