// The pod timeline as data, modelled on kwok's Stage objects (kubernetes-sigs/kwok
// kustomize/stage/pod/general/*.yaml): a stage is {selector, delay, next}. The node agent finds
// every stage whose selector matches a pod, starts each one's timer when it first matches, and
// applies the `next` step of the one due first; the written status makes other stages match.
import { parseDuration } from './runtime.js';

export const ANNOTATION_PREFIX = 'kube-emulator.io/';
export const ANN_FAIL = 'kube-emulator.io/fail';
export const ANN_NEVER_READY = 'kube-emulator.io/never-ready';
export const ANN_CRASH_LOOP = 'kube-emulator.io/crash-loop';
export const ANN_COMPLETE_AFTER = 'kube-emulator.io/complete-after';
export const ANN_START_DELAY = 'kube-emulator.io/start-delay';
export const ANN_STOP_DELAY = 'kube-emulator.io/stop-delay';
/** `"true"`: every image pull of the pod fails; otherwise a comma-separated list of the images (as in the spec) that fail */
export const ANN_IMAGE_PULL_ERROR = 'kube-emulator.io/image-pull-error';

export type ContainerKind = 'init' | 'app';
export type ContainerState = 'waiting' | 'running' | 'terminated';

/** Matches one container status of the pod. */
export interface ContainerSelector {
  kind: ContainerKind;
  state: ContainerState;
  /** waiting/terminated reason in this list */
  reason?: string[];
  ready?: boolean;
  /** restartable init containers (sidecars) */
  sidecar?: boolean;
  /** the status' image is (true) or is not (false) the spec's (the container definition changed) */
  imageChanged?: boolean;
}

export interface StageSelector {
  /** metadata.deletionTimestamp present (true) or absent (false) */
  deleting?: boolean;
  phase?: string[];
  notPhase?: string[];
  /** dotted paths that must be present / absent, e.g. `status.podIP` */
  exists?: string[];
  missing?: string[];
  /** pod conditions that must have this status */
  conditions?: Record<string, 'True' | 'False'>;
  /** annotations that must equal the value (`*` = any value) */
  annotations?: Record<string, string>;
  withoutAnnotations?: string[];
  /** some container status matches */
  container?: ContainerSelector;
  /** the pod's controller (ownerReference with controller: true) has this kind */
  ownerKind?: string;
}

/**
 * When the step runs, counted from the moment the stage first matched:
 * `step` is the profile's step delay (+ jitter); `annotation` reads a duration from the pod
 * (falling back to `step`); `readiness` is the target container's readinessProbe
 * initialDelaySeconds (scaled); `backoff` is kubelet's crash back-off (10 s doubling to 5 min,
 * scaled); `crashRun` is how long a crash-looping container runs; `pullBackoff` is the image
 * pull back-off (the same 10 s doubling to 5 min, per failed pull of that image, scaled).
 */
export type StageDelay =
  | { kind: 'step' }
  | { kind: 'none' }
  | { kind: 'annotation'; key: string }
  | { kind: 'readiness' }
  | { kind: 'backoff' }
  | { kind: 'crashRun' }
  | { kind: 'pullBackoff' };

/** The step a stage applies (implemented in lifecycle.ts). */
export type StageStep =
  | 'create'
  | 'sandbox'
  | 'startInit'
  | 'completeInit'
  | 'startContainers'
  | 'restartContainer'
  | 'ready'
  | 'exitFailure'
  | 'exitSuccess'
  | 'backOff'
  | 'killChanged'
  | 'restartChanged'
  | 'pullBackOff'
  | 'retryPull'
  | 'kill'
  | 'delete';

export interface PodStage {
  name: string;
  selector: StageSelector;
  delay: StageDelay;
  next: StageStep;
}

const TERMINAL = ['Succeeded', 'Failed'];

export const DEFAULT_STAGES: PodStage[] = [
  // graceful deletion: stop containers, report a terminal phase, then remove the object
  { name: 'pod-kill', selector: { deleting: true, notPhase: TERMINAL, exists: ['status.startTime'] }, delay: { kind: 'annotation', key: ANN_STOP_DELAY }, next: 'kill' },
  { name: 'pod-remove', selector: { deleting: true, phase: TERMINAL }, delay: { kind: 'step' }, next: 'delete' },
  { name: 'pod-remove-unstarted', selector: { deleting: true, missing: ['status.startTime'] }, delay: { kind: 'none' }, next: 'delete' },
  // admission on the node: startTime, hostIP, ContainerCreating / PodInitializing
  { name: 'pod-create', selector: { deleting: false, notPhase: TERMINAL, missing: ['status.startTime'] }, delay: { kind: 'step' }, next: 'create' },
  // the sandbox: pod IP, PodReadyToStartContainers
  { name: 'pod-sandbox', selector: { deleting: false, notPhase: TERMINAL, exists: ['status.startTime'], missing: ['status.podIP'] }, delay: { kind: 'step' }, next: 'sandbox' },
  // init containers, one at a time
  { name: 'init-container-start', selector: { deleting: false, exists: ['status.podIP'], container: { kind: 'init', state: 'waiting', reason: ['PodInitializing'] } }, delay: { kind: 'step' }, next: 'startInit' },
  { name: 'init-container-complete', selector: { deleting: false, container: { kind: 'init', state: 'running', sidecar: false } }, delay: { kind: 'step' }, next: 'completeInit' },
  // pull, create and start the app containers
  {
    name: 'pod-containers-start',
    selector: { deleting: false, exists: ['status.podIP'], conditions: { Initialized: 'True' }, container: { kind: 'app', state: 'waiting', reason: ['ContainerCreating', 'PodInitializing'] } },
    delay: { kind: 'annotation', key: ANN_START_DELAY },
    next: 'startContainers',
  },
  { name: 'container-ready', selector: { deleting: false, withoutAnnotations: [ANN_NEVER_READY], container: { kind: 'app', state: 'running', ready: false } }, delay: { kind: 'readiness' }, next: 'ready' },
  // user-requested endings
  { name: 'container-fail', selector: { deleting: false, annotations: { [ANN_FAIL]: 'true' }, container: { kind: 'app', state: 'running' } }, delay: { kind: 'step' }, next: 'exitFailure' },
  { name: 'container-crash', selector: { deleting: false, annotations: { [ANN_CRASH_LOOP]: 'true' }, container: { kind: 'app', state: 'running' } }, delay: { kind: 'crashRun' }, next: 'exitFailure' },
  { name: 'container-complete', selector: { deleting: false, annotations: { [ANN_COMPLETE_AFTER]: '*' }, container: { kind: 'app', state: 'running' } }, delay: { kind: 'annotation', key: ANN_COMPLETE_AFTER }, next: 'exitSuccess' },
  // kwok's pod-complete for Job pods: their containers exit 0 after a short run (the annotations above take precedence)
  {
    name: 'pod-complete-for-job',
    selector: { deleting: false, ownerKind: 'Job', withoutAnnotations: [ANN_FAIL, ANN_CRASH_LOOP, ANN_COMPLETE_AFTER], container: { kind: 'app', state: 'running' } },
    delay: { kind: 'step' },
    next: 'exitSuccess',
  },
  // restarts (restartPolicy Always, or OnFailure after a failure)
  { name: 'container-back-off', selector: { deleting: false, notPhase: TERMINAL, container: { kind: 'app', state: 'terminated' } }, delay: { kind: 'step' }, next: 'backOff' },
  { name: 'container-restart', selector: { deleting: false, container: { kind: 'app', state: 'waiting', reason: ['CrashLoopBackOff'] } }, delay: { kind: 'backoff' }, next: 'restartContainer' },
  // a changed image (`kubectl set image pod/x`): the running container is killed and started again with the new one
  { name: 'container-image-changed', selector: { deleting: false, notPhase: TERMINAL, container: { kind: 'app', state: 'running', imageChanged: true } }, delay: { kind: 'step' }, next: 'killChanged' },
  { name: 'container-restart-changed', selector: { deleting: false, notPhase: TERMINAL, container: { kind: 'app', state: 'terminated', imageChanged: true } }, delay: { kind: 'step' }, next: 'restartChanged' },
  {
    name: 'container-retry-changed',
    selector: { deleting: false, notPhase: TERMINAL, container: { kind: 'app', state: 'waiting', reason: ['CrashLoopBackOff', 'ErrImagePull', 'ImagePullBackOff'], imageChanged: true } },
    delay: { kind: 'step' },
    next: 'restartChanged',
  },
  // failed image pulls (kube-emulator.io/image-pull-error): ErrImagePull until the pod worker's next
  // sync, then ImagePullBackOff until the back-off ends (both as long as the image back-off)
  { name: 'image-pull-back-off', selector: { deleting: false, container: { kind: 'app', state: 'waiting', reason: ['ErrImagePull'], imageChanged: false } }, delay: { kind: 'pullBackoff' }, next: 'pullBackOff' },
  { name: 'image-pull-retry', selector: { deleting: false, container: { kind: 'app', state: 'waiting', reason: ['ImagePullBackOff'], imageChanged: false } }, delay: { kind: 'pullBackoff' }, next: 'retryPull' },
  { name: 'init-image-pull-back-off', selector: { deleting: false, container: { kind: 'init', state: 'waiting', reason: ['ErrImagePull'], imageChanged: false } }, delay: { kind: 'pullBackoff' }, next: 'pullBackOff' },
  { name: 'init-image-pull-retry', selector: { deleting: false, container: { kind: 'init', state: 'waiting', reason: ['ImagePullBackOff'], imageChanged: false } }, delay: { kind: 'pullBackoff' }, next: 'retryPull' },
  {
    name: 'init-container-retry-changed',
    selector: { deleting: false, notPhase: TERMINAL, container: { kind: 'init', state: 'waiting', reason: ['ErrImagePull', 'ImagePullBackOff'], imageChanged: true } },
    delay: { kind: 'step' },
    next: 'restartChanged',
  },
];

export interface StageProfile {
  name: 'default' | 'fast';
  stepMs: number;
  jitterMs: number;
  /** multiplies readinessProbe.initialDelaySeconds */
  probeScale: number;
  /** multiplies kubelet's crash back-off */
  backoffScale: number;
  crashRunMs: number;
  /**
   * least time a graceful stop takes when no stop-delay annotation is set: a pod that vanishes (and
   * a controller's replacement appears) within a few ms of its DELETE makes `kubectl delete` wait
   * forever (its wait GETs the old pod, then lists and watches the new one for a Deleted event)
   */
  minStopMs?: number;
}

export const PROFILES: Record<'default' | 'fast', StageProfile> = {
  default: { name: 'default', stepMs: 100, jitterMs: 400, probeScale: 1, backoffScale: 1, crashRunMs: 1000 },
  fast: { name: 'fast', stepMs: 0, jitterMs: 0, probeScale: 0, backoffScale: 0.01, crashRunMs: 0, minStopMs: 150 },
};

/** kubelet's container restart back-off: 10 s, doubling, at most 5 min (before the given restart). */
export function crashBackOffMs(restartCount: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, restartCount - 1), 300_000);
}

export function annotationDelayMs(annotations: Record<string, string> | undefined, key: string): number | undefined {
  return parseDuration(annotations?.[key]);
}
