// The Priority admission plugin (plugin/pkg/admission/priority/admission.go) and the system
// priority classes the API server creates at start (pkg/registry/scheduling/rest
// storage_scheduling.go, the scheduling/bootstrap-system-priority-classes PostStartHook).
import type { KObject, ResourceDef } from '../types.js';
import type { Registry } from '../../registry/registry.js';
import { forbidden, StatusError } from '../../registry/errors.js';
import { admittedName } from '../../registry/meta.js';
import { DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS, SYSTEM_PRIORITY_CLASSES } from './priorityclass.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);


/** getDefaultPriorityClass: of the classes marked globalDefault, the one with the lowest value. */
export function defaultPriorityClass(classes: KObject[]): KObject | undefined {
  let found: KObject | undefined;
  for (const pc of classes) if (pc.globalDefault === true && (!found || (found.value ?? 0) > (pc.value ?? 0))) found = pc;
  return found;
}

/**
 * admitPod on create: the class named (or the global default, whose name the pod then takes)
 * gives spec.priority and spec.preemptionPolicy; a value the pod set itself must agree.
 * `lookup` answers a class by name. Mutates pod; throws the Forbidden upstream answers.
 */
export function admitPodPriority(podDef: ResourceDef, pod: KObject, lookup: (name: string) => KObject | undefined, all: () => KObject[]): void {
  const spec = pod.spec;
  if (!isObj(spec)) return;
  const name = admittedName(pod.metadata);
  let priority: number;
  let policy: string | undefined;
  if (!spec.priorityClassName) {
    const dpc = defaultPriorityClass(all());
    if (dpc) {
      spec.priorityClassName = dpc.metadata?.name;
      priority = typeof dpc.value === 'number' ? dpc.value : 0;
      policy = dpc.preemptionPolicy ?? undefined;
    } else {
      if (spec.priorityClassName === '') delete spec.priorityClassName;
      priority = DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS;
      policy = 'PreemptLowerPriority';
    }
  } else {
    const pc = lookup(String(spec.priorityClassName));
    if (!pc) throw forbidden(podDef, name, `no PriorityClass with name ${spec.priorityClassName} was found`);
    priority = typeof pc.value === 'number' ? pc.value : 0;
    policy = pc.preemptionPolicy ?? undefined;
  }
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority)
    throw forbidden(podDef, name, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  spec.priority = priority;
  if (policy) {
    if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== policy)
      throw forbidden(podDef, name, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    spec.preemptionPolicy = policy;
  }
}

/** validatePriorityClass: only one class may be the global default. */
export function validateGlobalDefault(pcDef: ResourceDef, op: 'create' | 'update', pc: KObject, all: () => KObject[]): void {
  if (pc.globalDefault !== true) return;
  const dpc = defaultPriorityClass(all());
  if (!dpc) return;
  const name = pc.metadata?.name ?? '';
  if (op === 'create' || dpc.metadata?.name !== name)
    throw forbidden(pcDef, name, `PriorityClass ${dpc.metadata?.name} is already marked as default. Only one default can exist`);
}

/** Installs the Priority plugin's hooks on pods and priority classes. */
export function installPriorityAdmission(registry: Registry): void {
  const pcDef = registry.def('scheduling.k8s.io', 'priorityclasses');
  const podDef = registry.def('', 'pods');
  if (!pcDef) return;
  // every pod create without a class reads them: parsed once per stored revision
  const parsed = new WeakMap<object, KObject>();
  const all = () =>
    registry.listEntries(pcDef, undefined).entries.map((e) => {
      let o = parsed.get(e);
      if (!o) parsed.set(e, (o = JSON.parse(e.json) as KObject));
      return o;
    });
  registry.addHook(pcDef, (op, pc, _old, opts) => {
    if (op === 'delete' || opts.subresource) return;
    validateGlobalDefault(pcDef, op, pc, all);
  });
  if (podDef) {
    registry.addAdmission(podDef, (op, pod, _old, opts) => {
      if (op !== 'create' || opts.subresource) return;
      admitPodPriority(podDef, pod, (name) => registry.tryGet(pcDef, '', name), all);
    });
  }
}

/** The system priority classes, created when missing (the PostStartHook's AddSystemPriorityClasses). */
export function bootstrapSystemPriorityClasses(registry: Registry): void {
  const pcDef = registry.def('scheduling.k8s.io', 'priorityclasses');
  if (!pcDef) return;
  for (const spc of SYSTEM_PRIORITY_CLASSES) {
    if (registry.tryGet(pcDef, '', spc.name)) continue;
    try {
      registry.create(pcDef, '', {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: spc.name },
        value: spc.value,
        description: spc.description,
      }, { fieldManager: 'kube-apiserver' });
      registry.opts.logger?.debug({ component: 'scheduling', name: spc.name, value: spc.value }, 'created the system PriorityClass');
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
    }
  }
}
