// Scheduler filter plugins in their simplest form (pkg/scheduler/framework/plugins:
// nodeunschedulable, tainttoleration, nodeaffinity, noderesources/fit, volumebinding's node
// affinity check). Each returns upstream's reason text or undefined when the node fits.
import type { KObject } from '../../resources/types.js';
import { parseQuantity } from '../../resources/quantity.js';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** v1helper.TolerationsTolerateTaint for one toleration. */
export function toleratesTaint(t: KObject, taint: KObject): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** The first NoSchedule/NoExecute taint of the node that the pod does not tolerate. */
export function untoleratedTaint(pod: KObject, node: KObject): KObject | undefined {
  const tolerations = arr(pod.spec?.tolerations);
  return arr(node.spec?.taints).find(
    (taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !tolerations.some((t) => toleratesTaint(t, taint)),
  );
}

function matchExpression(e: KObject, value: string | undefined): boolean {
  const values: string[] = arr(e.values).map(String);
  switch (e.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const a = Number(value);
      const b = Number(values[0]);
      if (!Number.isInteger(a) || !Number.isInteger(b)) return false;
      return e.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A NodeSelector's terms are ORed; expressions within a term are ANDed; an empty term matches nothing. */
export function nodeSelectorTermsMatch(terms: unknown, node: KObject): boolean {
  const labels: Record<string, string> = node.metadata?.labels ?? {};
  return arr(terms).some((term) => {
    const exprs = arr(term?.matchExpressions);
    const fields = arr(term?.matchFields);
    if (!exprs.length && !fields.length) return false;
    // an expression that is not an object (stored by an older version) matches nothing, as upstream's
    // lazy-error node selector does with a requirement it cannot parse (component-helpers nodeaffinity)
    return (
      exprs.every((e) => isObj(e) && matchExpression(e, labels[e.key])) &&
      fields.every((e) => isObj(e) && matchExpression(e, e.key === 'metadata.name' ? node.metadata?.name : undefined))
    );
  });
}

/** spec.nodeSelector and required node affinity (nodeaffinity plugin). */
export function matchesNodeSelector(pod: KObject, node: KObject): boolean {
  const labels: Record<string, string> = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries<string>(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (req && !nodeSelectorTermsMatch(req.nodeSelectorTerms, node)) return false;
  return true;
}

export interface Requests {
  cpu: number;
  memory: number;
  'ephemeral-storage': number;
}

function q(v: unknown): number {
  return typeof v === 'string' || typeof v === 'number' ? (parseQuantity(v)?.value ?? 0) : 0;
}

/** Effective requests: max(sum of containers (+ sidecars), each init container) + overhead. */
export function podRequests(pod: KObject): Requests {
  const out: Requests = { cpu: 0, memory: 0, 'ephemeral-storage': 0 };
  const keys = Object.keys(out) as (keyof Requests)[];
  const sidecars = arr(pod.spec?.initContainers).filter((c) => c?.restartPolicy === 'Always');
  for (const c of [...arr(pod.spec?.containers), ...sidecars]) for (const k of keys) out[k] += q(c?.resources?.requests?.[k]);
  for (const c of arr(pod.spec?.initContainers)) {
    if (c?.restartPolicy === 'Always') continue;
    for (const k of keys) out[k] = Math.max(out[k], q(c?.resources?.requests?.[k]));
  }
  for (const k of keys) out[k] += q(pod.spec?.overhead?.[k]);
  return out;
}

/** The summed requests of pods (what a node's pods use). */
export function sumRequests(pods: KObject[], requestsOf: (p: KObject) => Requests = podRequests): Requests {
  let cpu = 0;
  let memory = 0;
  let storage = 0;
  for (const p of pods) {
    const r = requestsOf(p);
    cpu += r.cpu;
    memory += r.memory;
    storage += r['ephemeral-storage'];
  }
  return { cpu, memory, 'ephemeral-storage': storage };
}

/** noderesources Fit: reasons such as `Insufficient cpu` and `Too many pods`. */
export function resourceFitReasons(
  pod: KObject,
  node: KObject,
  podsOnNode: KObject[],
  requestsOf: (p: KObject) => Requests = podRequests,
  usedOnNode?: Requests,
): string[] {
  const alloc = node.status?.allocatable ?? {};
  const reasons: string[] = [];
  if (alloc.pods !== undefined && podsOnNode.length + 1 > q(alloc.pods)) reasons.push('Too many pods');
  const want = podRequests(pod);
  const used = usedOnNode ?? sumRequests(podsOnNode, requestsOf);
  for (const k of Object.keys(want) as (keyof Requests)[]) {
    if (want[k] === 0 || alloc[k] === undefined) continue;
    if (used[k] + want[k] > q(alloc[k]) + 1e-9) reasons.push(`Insufficient ${k}`);
  }
  return reasons;
}

export function nodeReady(node: KObject): boolean {
  return arr(node.status?.conditions).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Pods that occupy a node: bound there and not terminal. */
export function activeOnNode(pod: KObject, node: string): boolean {
  const phase = pod.status?.phase;
  return pod.spec?.nodeName === node && phase !== 'Succeeded' && phase !== 'Failed';
}
