// Pod table: columns and the STATUS / READY / RESTARTS rules of upstream's printPod
// (pkg/printers/internalversion/printers.go).
import type { KObject, TablePrinter } from '../resources/types.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, humanDuration, parseTime } from './format.js';

const isRestartableInit = (c: KObject | undefined): boolean => c?.restartPolicy === 'Always';

function conditionTrue(conditions: unknown, type: string): boolean {
  if (!Array.isArray(conditions)) return false;
  return conditions.some((c) => c?.type === type && c?.status === 'True');
}

/** isPodInitializedConditionTrue: the first Initialized condition decides. */
function initializedTrue(conditions: unknown): boolean {
  if (!Array.isArray(conditions)) return false;
  const c = conditions.find((x) => x?.type === 'Initialized');
  return c ? c.status === 'True' : false;
}

function terminatedReason(t: KObject, prefix: string): string {
  if (t.reason) return prefix + t.reason;
  if (t.signal) return `${prefix}Signal:${t.signal}`;
  return `${prefix}ExitCode:${t.exitCode ?? 0}`;
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** The READY, STATUS and RESTARTS cells of a pod. */
export function summarizePod(pod: KObject, now: number): PodSummary {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const containers: KObject[] = Array.isArray(spec.containers) ? spec.containers : [];
  const initSpecs: KObject[] = Array.isArray(spec.initContainers) ? spec.initContainers : [];
  const initStatuses: KObject[] = Array.isArray(status.initContainerStatuses) ? status.initContainerStatuses : [];
  const statuses: KObject[] = Array.isArray(status.containerStatuses) ? status.containerStatuses : [];

  let restarts = 0;
  let sidecarRestarts = 0;
  let total = containers.length;
  let ready = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  const later = (a: number | undefined, ts: unknown): number | undefined => {
    const t = parseTime(ts);
    if (t === undefined) return a;
    return a === undefined || t > a ? t : a;
  };

  const phase: string = status.phase ?? '';
  let reason: string = status.reason || phase;
  if (Array.isArray(status.conditions)) {
    for (const c of status.conditions) {
      if (c?.type === 'PodScheduled' && c?.reason === 'SchedulingGated') reason = 'SchedulingGated';
    }
  }

  const initByName = new Map<string, KObject>();
  for (const c of initSpecs) {
    initByName.set(c?.name, c);
    if (isRestartableInit(c)) total++;
  }

  let initializing = false;
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i] ?? {};
    const state = cs.state ?? {};
    const lastTerm = cs.lastState?.terminated;
    restarts += cs.restartCount ?? 0;
    if (lastTerm) lastRestart = later(lastRestart, lastTerm.finishedAt);
    const sidecar = isRestartableInit(initByName.get(cs.name));
    if (sidecar) {
      sidecarRestarts += cs.restartCount ?? 0;
      if (lastTerm) lastSidecarRestart = later(lastSidecarRestart, lastTerm.finishedAt);
    }
    if (state.terminated && (state.terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready) ready++;
      continue;
    }
    if (state.terminated) {
      reason = terminatedReason(state.terminated, 'Init:');
    } else if (state.waiting?.reason && state.waiting.reason !== 'PodInitializing') {
      reason = 'Init:' + state.waiting.reason;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || initializedTrue(status.conditions)) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] ?? {};
      const state = cs.state ?? {};
      restarts += cs.restartCount ?? 0;
      if (cs.lastState?.terminated) lastRestart = later(lastRestart, cs.lastState.terminated.finishedAt);
      if (state.waiting?.reason) reason = state.waiting.reason;
      else if (state.terminated) reason = terminatedReason(state.terminated, '');
      else if (cs.ready && state.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(status.conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  const deleting = !!pod.metadata?.deletionTimestamp;
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsStr = `${restarts} (${humanDuration(now - lastRestart)} ago)`;
  }
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsStr };
}

function readinessGates(pod: KObject): string {
  const gates = pod.spec?.readinessGates;
  if (!Array.isArray(gates) || gates.length === 0) return '<none>';
  const conditions: KObject[] = Array.isArray(pod.status?.conditions) ? pod.status.conditions : [];
  let trueCount = 0;
  for (const g of gates) {
    const c = conditions.find((x) => x?.type === g?.conditionType);
    if (c?.status === 'True') trueCount++;
  }
  return `${trueCount}/${gates.length}`;
}

export const podPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Ready', 'Ready containers out of all containers (sidecar init containers included).'),
    col('Status', 'A one-word summary of the pod and its containers.'),
    col('Restarts', 'Container restarts in total, with the time since the latest one.'),
    AGE_COLUMN,
    col('IP', 'The first IP address given to the pod.', { priority: 1 }),
    col('Node', 'The node the pod is bound to.', { priority: 1 }),
    col('Nominated Node', 'The node the scheduler nominated after a preemption.', { priority: 1 }),
    col('Readiness Gates', 'Readiness gates that are met out of all declared.', { priority: 1 }),
  ],
  row(pod, now) {
    const s = summarizePod(pod, now);
    const ips = pod.status?.podIPs;
    const ip = (Array.isArray(ips) && ips.length > 0 && ips[0]?.ip) || '<none>';
    return [
      pod.metadata?.name ?? '',
      s.ready,
      s.status,
      s.restarts,
      age(pod, now),
      ip,
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGates(pod),
    ];
  },
  conditions(pod) {
    const phase = pod.status?.phase;
    if (phase === 'Succeeded') {
      return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    }
    if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    return undefined;
  },
};
