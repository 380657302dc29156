// The RuntimeClass admission plugin (plugin/pkg/admission/runtimeclass/admission.go): a pod's
// runtimeClassName must name a class; the class's overhead and scheduling constraints are added.
import type { KObject, ResourceDef } from '../types.js';
import type { Registry } from '../../registry/registry.js';
import { forbidden } from '../../registry/errors.js';
import { deepEqual } from '../../registry/validation.js';
import { admittedName } from '../../registry/meta.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** Admit + Validate on pod create: mutates pod, throws upstream's Forbidden. */
export function admitPodRuntimeClass(podDef: ResourceDef, pod: KObject, lookup: (name: string) => KObject | undefined): void {
  const spec = pod.spec;
  if (!isObj(spec)) return;
  const name = admittedName(pod.metadata);
  const rcName = spec.runtimeClassName;
  let rc: KObject | undefined;
  if (rcName !== undefined && rcName !== null) {
    rc = lookup(String(rcName));
    if (!rc) throw forbidden(podDef, name, `pod rejected: RuntimeClass ${JSON.stringify(String(rcName))} not found`);
  }
  // setOverhead / validateOverhead: an empty overhead counts as none
  const podFixed = isObj(rc?.overhead) ? rc.overhead.podFixed : undefined;
  const own = isObj(spec.overhead) && Object.keys(spec.overhead).length > 0;
  if (isObj(rc?.overhead)) {
    if (own && !deepEqual(spec.overhead, podFixed ?? {}))
      throw forbidden(podDef, name, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
    if (podFixed === undefined || podFixed === null) delete spec.overhead;
    else spec.overhead = JSON.parse(JSON.stringify(podFixed));
  } else if (own) {
    throw forbidden(podDef, name, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
  }
  // setScheduling: the class's node selector joins the pod's (a conflicting value is refused);
  // the tolerations are merged (MergeTolerations)
  const sched = isObj(rc?.scheduling) ? rc.scheduling : undefined;
  if (!sched) return;
  const classSelector = isObj(sched.nodeSelector) ? (sched.nodeSelector as Record<string, string>) : undefined;
  if (!isObj(spec.nodeSelector)) {
    if (classSelector) spec.nodeSelector = { ...classSelector };
  } else {
    for (const [k, v] of Object.entries(classSelector ?? {})) {
      if (k in spec.nodeSelector && spec.nodeSelector[k] !== v)
        throw forbidden(podDef, name, `conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${v}; pod.spec.nodeSelector[${k}] = ${spec.nodeSelector[k]}`);
      spec.nodeSelector[k] = v;
    }
  }
  const merged = mergeTolerations(arr(spec.tolerations), arr(sched.tolerations));
  if (merged.length) spec.tolerations = merged;
  else delete spec.tolerations;
}

/** pkg/util/tolerations isSuperset: whether ss tolerates everything t does. */
function isSuperset(ss: KObject, t: KObject): boolean {
  if (deepEqual(ss, t)) return true;
  if (t.key !== ss.key && (ss.key || ss.operator !== 'Exists')) return false;
  if (t.effect !== ss.effect && ss.effect) return false;
  if (ss.effect === 'NoExecute' && typeof ss.tolerationSeconds === 'number') {
    if (typeof t.tolerationSeconds !== 'number' || t.tolerationSeconds > ss.tolerationSeconds) return false;
  }
  if (ss.operator === 'Equal' || !ss.operator) return t.operator === 'Equal' && (t.value ?? '') === (ss.value ?? '');
  return ss.operator === 'Exists';
}

/** pkg/util/tolerations MergeTolerations: both lists, without the tolerations another one covers. */
export function mergeTolerations(first: unknown[], second: unknown[]): KObject[] {
  const all = [...first, ...second].filter(isObj);
  const merged: KObject[] = [];
  all.forEach((t, i) => {
    if (merged.some((m) => isSuperset(m, t))) return;
    if (all.slice(i + 1).some((t2) => !deepEqual(t, t2) && isSuperset(t2, t))) return;
    merged.push(t);
  });
  return merged;
}

/** Installs the plugin's hook on pod creates. */
export function installRuntimeClassAdmission(registry: Registry): void {
  const rcDef = registry.def('node.k8s.io', 'runtimeclasses');
  const podDef = registry.def('', 'pods');
  if (!rcDef || !podDef) return;
  registry.addAdmission(podDef, (op, pod, _old, opts) => {
    if (op !== 'create' || opts.subresource) return;
    admitPodRuntimeClass(podDef, pod, (n) => registry.tryGet(rcDef, '', n));
  });
}
