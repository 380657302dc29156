// PriorityClass (scheduling.k8s.io/v1, cluster-scoped): pkg/apis/scheduling/v1/defaults.go,
// pkg/apis/scheduling/validation/validation.go, pkg/registry/scheduling/priorityclass/strategy.go
// and storage/storage.go (shortName pc; the system classes cannot be deleted).
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { forbidden, notSupported, required, validateImmutable } from '../../registry/validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from '../../printers/format.js';
import { bootstrapSystemPriorityClasses, installPriorityAdmission } from './admission.js';

/** scheduling.HighestUserDefinablePriority */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;
/** scheduling.SystemPriorityClassPrefix */
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
/** scheduling.DefaultPriorityWhenNoDefaultClassExists */
export const DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS = 0;

/** The classes the API server creates at start (pkg/apis/scheduling/v1/helpers.go systemPriorityClasses). */
export const SYSTEM_PRIORITY_CLASSES: readonly { name: string; value: number; description: string }[] = [
  { name: 'system-node-critical', value: 2000001000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2000000000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];

/** SetDefaults_PriorityClass: preemptionPolicy PreemptLowerPriority (and value, an int32 without omitempty, is 0 when absent). */
export function defaultPriorityClass(obj: KObject): void {
  if (obj.value === undefined || obj.value === null) obj.value = 0;
  if (obj.preemptionPolicy === undefined || obj.preemptionPolicy === null) obj.preemptionPolicy = 'PreemptLowerPriority';
}

/** IsKnownSystemPriorityClass: why a `system-` class is not one of the built-in ones, or undefined. */
function systemClassError(name: string, value: unknown, globalDefault: boolean): string | undefined {
  const spc = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!spc) return `${name} is not a known system priority class`;
  if (spc.value !== value) return `value of ${spc.name} PriorityClass must be ${spc.value}`;
  if (globalDefault) return `globalDefault of ${spc.name} PriorityClass must be false`;
  return undefined;
}

/** ValidatePreemptionPolicy (pkg/apis/core/validation). */
export function validatePreemptionPolicy(policy: unknown, field: string): Cause[] {
  if (policy === '') return [required(field)];
  if (!PREEMPTION_POLICIES.includes(policy as string)) return [notSupported(field, policy, PREEMPTION_POLICIES)];
  return [];
}

/** ValidatePriorityClass (the metadata checks are the registry's). */
export function validatePriorityClass(pc: KObject): Cause[] {
  const causes: Cause[] = [];
  const name = String(pc.metadata?.name ?? '');
  const value = typeof pc.value === 'number' ? pc.value : 0;
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const why = systemClassError(name, value, pc.globalDefault === true);
    if (why) causes.push(forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`));
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    causes.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (pc.preemptionPolicy !== undefined && pc.preemptionPolicy !== null) causes.push(...validatePreemptionPolicy(pc.preemptionPolicy, 'preemptionPolicy'));
  return causes;
}

/** ValidatePriorityClassUpdate: value and preemptionPolicy are fixed. */
export function validatePriorityClassUpdate(pc: KObject, old: KObject): Cause[] {
  const causes: Cause[] = [];
  if ((pc.value ?? 0) !== (old.value ?? 0)) causes.push(forbidden('value', 'may not be changed in an update.'));
  causes.push(...validateImmutable(pc.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy'));
  return causes;
}

// printers.go printPriorityClass (the PreemptionPolicy column arrived in 1.32, kubernetes#126529)
export const priorityClassPrinter: TablePrinter = {
  columnsSince: { PreemptionPolicy: 32 },
  columns: [
    NAME_COLUMN,
    col('Value', 'The priority pods of this class get.', { type: 'integer' }),
    col('Global-Default', 'Whether pods without a class get this one.', { type: 'boolean' }),
    AGE_COLUMN,
    col('PreemptionPolicy', 'Whether pods of this class may preempt lower-priority pods.'),
  ],
  row(pc, now) {
    return [pc.metadata?.name ?? '', typeof pc.value === 'number' ? pc.value : 0, pc.globalDefault === true, age(pc, now), pc.preemptionPolicy ?? ''];
  },
};

export const priorityClassDef: ResourceDef = {
  // Priority admission on pods and the system classes (the scheduling PostStartHook)
  install(registry) {
    installPriorityAdmission(registry);
    bootstrapSystemPriorityClasses(registry);
  },
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  listKind: 'PriorityClassList',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.scheduling.v1.PriorityClass',
  generation: true,

  defaults: defaultPriorityClass,
  validate: validatePriorityClass,
  validateUpdate: validatePriorityClassUpdate,
  // storage.go Delete: the system classes stay
  deleteForbidden: (name) => (SYSTEM_PRIORITY_CLASSES.some((c) => c.name === name) ? 'this is a system priority class and cannot be deleted' : undefined),
  table: priorityClassPrinter,
};
