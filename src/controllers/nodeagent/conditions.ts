// Pod phase and conditions from container statuses, as the kubelet computes them
// (pkg/kubelet/kubelet_pods.go getPhase, pkg/kubelet/status/generate.go).
import type { KObject } from '../../resources/types.js';
import { nowRFC3339 } from '../../registry/meta.js';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
export const CONDITION_ORDER = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];

export const isSidecar = (c: KObject | undefined): boolean => c?.restartPolicy === 'Always';

export function stateOf(cs: KObject | undefined): 'waiting' | 'running' | 'terminated' | undefined {
  if (!cs?.state) return undefined;
  if (cs.state.running) return 'running';
  if (cs.state.terminated) return 'terminated';
  if (cs.state.waiting) return 'waiting';
  return undefined;
}

function statusFor(list: unknown, name: string): KObject | undefined {
  return arr(list).find((s) => s?.name === name);
}

/** Regular init containers not completed and sidecars not started, in spec order. */
export function incompleteInit(pod: KObject): string[] {
  const out: string[] = [];
  for (const c of arr(pod.spec?.initContainers)) {
    const s = statusFor(pod.status?.initContainerStatuses, c.name);
    const done = isSidecar(c) ? stateOf(s) === 'running' && s?.started === true : stateOf(s) === 'terminated' && s?.state.terminated.exitCode === 0;
    if (!done) out.push(c.name);
  }
  return out;
}

/** getPhase, for pods whose containers the agent manages. */
export function computePhase(pod: KObject, terminal = false): string {
  const spec = pod.spec ?? {};
  const policy = spec.restartPolicy ?? 'Always';
  const inits = incompleteInit(pod);
  if (inits.length) {
    const failed = arr(spec.initContainers).some((c) => {
      const s = statusFor(pod.status?.initContainerStatuses, c.name);
      return !isSidecar(c) && stateOf(s) === 'terminated' && s!.state.terminated.exitCode !== 0;
    });
    if (failed && (policy === 'Never' || terminal)) return 'Failed';
    if (!terminal) return 'Pending';
  }
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of arr(spec.containers)) {
    const s = statusFor(pod.status?.containerStatuses, c.name);
    switch (stateOf(s)) {
      case 'running':
        running++;
        break;
      case 'terminated':
        stopped++;
        if (s!.state.terminated.exitCode === 0) succeeded++;
        break;
      case 'waiting':
        if (s!.lastState?.terminated) stopped++;
        else waiting++;
        break;
      default:
        waiting++;
    }
  }
  if (waiting > 0 && !terminal) return 'Pending';
  if (running > 0 && !terminal) return 'Running';
  if (stopped > 0 || terminal) {
    if (policy === 'Always' && !terminal) return 'Running';
    if (stopped === succeeded && waiting === 0 && running === 0) return 'Succeeded';
    if (policy === 'Never' || terminal) return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** Sets a condition, keeping lastTransitionTime when the status does not change. */
export function setCondition(status: KObject, type: string, value: 'True' | 'False', reason?: string, message?: string, now = nowRFC3339()): void {
  const conds: KObject[] = (status.conditions ??= []);
  const i = conds.findIndex((c) => c.type === type);
  const old = i >= 0 ? conds[i] : undefined;
  const c: KObject = { type, status: value, lastProbeTime: null, lastTransitionTime: old?.status === value && old.lastTransitionTime ? old.lastTransitionTime : now };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  if (i >= 0) conds[i] = c;
  else conds.push(c);
}

function sortConditions(status: KObject): void {
  const rank = (t: string) => {
    const i = CONDITION_ORDER.indexOf(t);
    return i < 0 ? CONDITION_ORDER.length : i;
  };
  status.conditions = arr(status.conditions)
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c.type) - rank(b.c.type) || a.i - b.i)
    .map((x) => x.c);
}

/** Recomputes phase (unless given) and the kubelet-owned conditions. */
export function finalizeStatus(pod: KObject, opts: { phase?: string; sandboxReady?: boolean } = {}): void {
  const st = (pod.status ??= {});
  const now = nowRFC3339();
  st.phase = opts.phase ?? computePhase(pod);
  const completed = st.phase === 'Succeeded';
  const terminal = completed || st.phase === 'Failed';
  const sandbox = opts.sandboxReady ?? (!!st.podIP && !terminal);
  setCondition(st, 'PodReadyToStartContainers', sandbox ? 'True' : 'False', undefined, undefined, now);

  const inits = incompleteInit(pod);
  const wasInitialized = arr(st.conditions).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (completed) setCondition(st, 'Initialized', 'True', 'PodCompleted', undefined, now);
  else if (!inits.length || wasInitialized) setCondition(st, 'Initialized', 'True', undefined, undefined, now);
  else setCondition(st, 'Initialized', 'False', 'ContainersNotInitialized', `containers with incomplete status: [${inits.join(' ')}]`, now);

  const unready: string[] = [];
  for (const c of [...arr(pod.spec?.initContainers).filter(isSidecar), ...arr(pod.spec?.containers)]) {
    const list = isSidecar(c) ? st.initContainerStatuses : st.containerStatuses;
    if (statusFor(list, c.name)?.ready !== true) unready.push(c.name);
  }
  if (completed) {
    setCondition(st, 'ContainersReady', 'False', 'PodCompleted', undefined, now);
    setCondition(st, 'Ready', 'False', 'PodCompleted', undefined, now);
  } else if (unready.length) {
    const msg = `containers with unready status: [${unready.join(' ')}]`;
    setCondition(st, 'ContainersReady', 'False', 'ContainersNotReady', msg, now);
    setCondition(st, 'Ready', 'False', 'ContainersNotReady', msg, now);
  } else {
    setCondition(st, 'ContainersReady', 'True', undefined, undefined, now);
    const gateMsgs: string[] = [];
    for (const g of arr(pod.spec?.readinessGates)) {
      const c = arr(st.conditions).find((x) => x.type === g.conditionType);
      if (!c) gateMsgs.push(`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`);
      else if (c.status !== 'True') gateMsgs.push(`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`);
    }
    if (gateMsgs.length) setCondition(st, 'Ready', 'False', 'ReadinessGatesNotReady', gateMsgs.join(', '), now);
    else setCondition(st, 'Ready', 'True', undefined, undefined, now);
  }
  // the kubelet reports PodScheduled=True for pods bound without the scheduler
  if (!arr(st.conditions).some((c) => c.type === 'PodScheduled')) setCondition(st, 'PodScheduled', 'True', undefined, undefined, now);
  sortConditions(st);
}
