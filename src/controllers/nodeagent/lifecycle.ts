// The steps a stage applies to a pod's status, with the kubelet events each one records
// (pkg/kubelet/kuberuntime/kuberuntime_container.go, pkg/kubelet/images/image_manager.go; a changed
// container definition: kuberuntime_manager.go computePodActions).
import type { KObject } from '../../resources/types.js';
import { nowRFC3339 } from '../../registry/meta.js';
import { finalizeStatus, isSidecar, stateOf } from './conditions.js';
import { ANN_IMAGE_PULL_ERROR, ANN_NEVER_READY, crashBackOffMs, type ContainerSelector, type StageStep } from './stages.js';
import { goDuration, imageID, imageSize, newContainerID, normalizeImage, type PodIPAM } from './runtime.js';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

export interface StepEnv {
  node: string;
  nodeIP: string;
  podCIDR: string;
  ipam: PodIPAM;
  /** `<node>|<image>` pairs already pulled */
  images: Set<string>;
  emulatedMinor: number;
  /** `<pod uid>|<container>` -> when its image pull began */
  pulls: Map<string, number>;
  /** `<pod uid>|<image>` -> failed pulls (the image pull back-off) */
  pullFailures: Map<string, number>;
}

export interface KubeletEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  fieldPath?: string;
}

export interface StepResult {
  events: KubeletEvent[];
  /** the pod reached a terminal phase: its IP can be reused */
  terminal?: boolean;
}

const STEP_TARGETS: Partial<Record<StageStep, ContainerSelector>> = {
  startInit: { kind: 'init', state: 'waiting' },
  completeInit: { kind: 'init', state: 'running', sidecar: false },
  ready: { kind: 'app', state: 'running', ready: false },
  exitFailure: { kind: 'app', state: 'running' },
  exitSuccess: { kind: 'app', state: 'running' },
  backOff: { kind: 'app', state: 'terminated' },
  restartContainer: { kind: 'app', state: 'waiting', reason: ['CrashLoopBackOff'] },
  killChanged: { kind: 'app', state: 'running', imageChanged: true },
};

/** Steps on a failed image pull act on init and app containers alike (names are unique in a pod). */
const PULL_TARGETS: Partial<Record<StageStep, Omit<ContainerSelector, 'kind'>>> = {
  pullBackOff: { state: 'waiting', reason: ['ErrImagePull'], imageChanged: false },
  retryPull: { state: 'waiting', reason: ['ImagePullBackOff'], imageChanged: false },
};

const kindOf = (pod: KObject, name: string): 'init' | 'app' => (specs(pod, 'init').some((c) => c.name === name) ? 'init' : 'app');

/** The container's status names another image than its spec (kubectl set image). */
export function imageChanged(spec: KObject, status: KObject | undefined): boolean {
  return !!status && normalizeImage(String(status.image ?? '')) !== normalizeImage(String(spec.image ?? ''));
}

function specs(pod: KObject, kind: 'init' | 'app'): KObject[] {
  return arr(kind === 'init' ? pod.spec?.initContainers : pod.spec?.containers);
}
function statusList(pod: KObject, kind: 'init' | 'app'): KObject[] {
  return arr(kind === 'init' ? pod.status?.initContainerStatuses : pod.status?.containerStatuses);
}
function statusOf(pod: KObject, kind: 'init' | 'app', name: string): KObject | undefined {
  return statusList(pod, kind).find((s) => s?.name === name);
}

/** The names of containers whose status matches the selector (spec order). */
export function matchContainers(pod: KObject, sel: ContainerSelector): string[] {
  const out: string[] = [];
  for (const c of specs(pod, sel.kind)) {
    const s = statusOf(pod, sel.kind, c.name);
    if (!s || stateOf(s) !== sel.state) continue;
    if (sel.reason && !sel.reason.includes(s.state[sel.state]?.reason)) continue;
    if (sel.ready !== undefined && (s.ready === true) !== sel.ready) continue;
    if (sel.sidecar !== undefined && isSidecar(c) !== sel.sidecar) continue;
    if (sel.imageChanged !== undefined && imageChanged(c, s) !== sel.imageChanged) continue;
    out.push(c.name);
  }
  return out;
}

function restarts(pod: KObject, name: string): boolean {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const t = statusOf(pod, 'app', name)?.state?.terminated;
  return policy === 'Always' || (policy === 'OnFailure' && t?.exitCode !== 0);
}

/**
 * The containers a step acts on, one stage instance each; `null` for pod-level steps.
 * An empty list means the stage does not apply.
 */
export function stepTargets(step: StageStep, pod: KObject): string[] | null {
  if (step === 'restartChanged') {
    // exited (killed for the change, or by itself) and restartable, or waiting to (re)start
    const stopped = matchContainers(pod, { kind: 'app', state: 'terminated', imageChanged: true }).filter((n) => restarts(pod, n));
    const waiting = matchContainers(pod, { kind: 'app', state: 'waiting', reason: ['CrashLoopBackOff', 'ErrImagePull', 'ImagePullBackOff'], imageChanged: true });
    const init = matchContainers(pod, { kind: 'init', state: 'waiting', reason: ['ErrImagePull', 'ImagePullBackOff'], imageChanged: true });
    return [...init, ...stopped, ...waiting];
  }
  const pull = PULL_TARGETS[step];
  if (pull) return [...matchContainers(pod, { kind: 'init', ...pull }), ...matchContainers(pod, { kind: 'app', ...pull })];
  const sel = STEP_TARGETS[step];
  if (!sel) return null;
  let names = matchContainers(pod, sel);
  if (step === 'startInit') {
    // one at a time: the first init container whose predecessors are done (sidecars: started)
    const next: string[] = [];
    for (const c of specs(pod, 'init')) {
      const s = statusOf(pod, 'init', c.name);
      const st = stateOf(s);
      if (st === 'waiting') {
        // an init container whose image cannot be pulled waits for its back-off (pullBackOff / retryPull)
        if (s!.state.waiting.reason === 'PodInitializing') next.push(c.name);
        break;
      }
      if (isSidecar(c) ? st !== 'running' : !(st === 'terminated' && s!.state.terminated.exitCode === 0)) break;
    }
    names = next;
  }
  if (step === 'backOff') names = names.filter((n) => restarts(pod, n) && !imageChanged(specs(pod, 'app').find((c) => c.name === n)!, statusOf(pod, 'app', n)));
  return names;
}

function waitingStatus(c: KObject, reason: string, minor: number): KObject {
  const s: KObject = {
    name: c.name,
    state: { waiting: { reason } },
    lastState: {},
    ready: false,
    restartCount: 0,
    image: c.image,
    imageID: '',
    started: false,
  };
  if (minor >= 30 && arr(c.volumeMounts).length) {
    s.volumeMounts = arr(c.volumeMounts).map((m) => {
      const v: KObject = { name: m.name, mountPath: m.mountPath };
      if (m.readOnly) {
        v.readOnly = true;
        v.recursiveReadOnly = 'Disabled';
      }
      return v;
    });
  }
  if (minor >= 33 && c.resources && (c.resources.requests || c.resources.limits)) s.resources = JSON.parse(JSON.stringify(c.resources));
  return s;
}

function pullPolicy(c: KObject): string {
  const image: string = c.image ?? '';
  return c.imagePullPolicy ?? (/:latest$/.test(image) || !/[:@][^/]*$/.test(image) ? 'Always' : 'IfNotPresent');
}

const pullKey = (pod: KObject, name: string) => `${pod.metadata.uid}|${name}`;

/** Starts pulling the images of the containers about to start: the Pulling events come first. */
function beginPulls(pod: KObject, kind: 'init' | 'app', names: string[], env: StepEnv, events: KubeletEvent[]): void {
  for (const name of names) {
    const c = specs(pod, kind).find((x) => x.name === name);
    if (!c) continue;
    const policy = pullPolicy(c);
    if (policy === 'Never' || (policy === 'IfNotPresent' && env.images.has(`${env.node}|${normalizeImage(c.image ?? '')}`))) continue;
    if (env.pulls.has(pullKey(pod, name))) continue;
    env.pulls.set(pullKey(pod, name), Date.now());
    events.push({ type: 'Normal', reason: 'Pulling', message: `Pulling image "${c.image}"`, fieldPath: fieldPathOf(kind, name) });
  }
}

const fieldPathOf = (kind: 'init' | 'app', name: string) => `spec.${kind === 'init' ? 'initContainers' : 'containers'}{${name}}`;

function pullEvents(pod: KObject, c: KObject, fieldPath: string, env: StepEnv): KubeletEvent[] {
  const image: string = c.image ?? '';
  const key = `${env.node}|${normalizeImage(image)}`;
  const policy = pullPolicy(c);
  const began = env.pulls.get(pullKey(pod, c.name));
  env.pulls.delete(pullKey(pod, c.name));
  if (began === undefined && (policy === 'Never' || (policy === 'IfNotPresent' && env.images.has(key))))
    return [{ type: 'Normal', reason: 'Pulled', message: `Container image "${image}" already present on machine`, fieldPath }];
  env.images.add(key);
  const elapsed = began === undefined ? 0 : Date.now() - began;
  // a zero-delay profile still reports a plausible pull time
  const took = elapsed >= 100 ? elapsed : 300 + Math.floor(Math.random() * 2200);
  const waited = took + Math.floor(Math.random() * 20);
  const size = env.emulatedMinor >= 30 ? ` Image size: ${imageSize(image)} bytes.` : '';
  const out: KubeletEvent[] = began === undefined ? [{ type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"`, fieldPath }] : [];
  out.push({ type: 'Normal', reason: 'Pulled', message: `Successfully pulled image "${image}" in ${goDuration(took)} (${goDuration(waited)} including waiting).${size}`, fieldPath });
  return out;
}

/** The image pull fails (kube-emulator.io/image-pull-error: "true" or a list of images). */
export function pullFails(pod: KObject, image: string): boolean {
  const v = pod.metadata?.annotations?.[ANN_IMAGE_PULL_ERROR];
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  return v.split(',').some((x: string) => x.trim() !== '' && (x.trim() === image || normalizeImage(x) === normalizeImage(image)));
}

/** What containerd answers for an image that is not in its registry (the CRI error the kubelet reports). */
export function pullError(image: string): string {
  const ref = normalizeImage(image);
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
}

/** Waiting with ErrImagePull: the Pulling, Failed and "Error: ErrImagePull" events (image_manager.go EnsureImageExists). */
function failPull(pod: KObject, c: KObject, s: KObject, fieldPath: string, env: StepEnv, events: KubeletEvent[]): void {
  const image: string = c.image ?? '';
  const began = env.pulls.get(pullKey(pod, c.name));
  env.pulls.delete(pullKey(pod, c.name));
  if (began === undefined) events.push({ type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"`, fieldPath });
  const err = pullError(image);
  events.push({ type: 'Warning', reason: 'Failed', message: `Failed to pull image "${image}": ${err}`, fieldPath });
  events.push({ type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', fieldPath });
  const key = `${pod.metadata.uid}|${image}`;
  env.pullFailures.set(key, (env.pullFailures.get(key) ?? 0) + 1);
  s.state = { waiting: { reason: 'ErrImagePull', message: err } };
  s.image = image;
  s.imageID = '';
  s.ready = false;
  s.started = false;
}

/** Pull (or find) the image, create and start the container: its status becomes running (or ErrImagePull). */
function startContainer(pod: KObject, kind: 'init' | 'app', name: string, env: StepEnv, events: KubeletEvent[]): void {
  const c = specs(pod, kind).find((x) => x.name === name)!;
  const s = statusOf(pod, kind, name)!;
  const fieldPath = fieldPathOf(kind, name);
  if (pullPolicy(c) !== 'Never' && pullFails(pod, c.image ?? '')) return failPull(pod, c, s, fieldPath, env, events);
  env.pullFailures.delete(`${pod.metadata.uid}|${c.image ?? ''}`);
  events.push(...pullEvents(pod, c, fieldPath, env));
  const created = env.emulatedMinor >= 33 ? `Created container: ${name}` : `Created container ${name}`;
  events.push({ type: 'Normal', reason: 'Created', message: created, fieldPath });
  events.push({ type: 'Normal', reason: 'Started', message: `Started container ${name}`, fieldPath });
  s.state = { running: { startedAt: nowRFC3339() } };
  s.image = normalizeImage(c.image ?? '');
  s.imageID = imageID(c.image ?? '');
  s.containerID = newContainerID();
  if (kind === 'init') {
    s.started = isSidecar(c);
    s.ready = isSidecar(c);
    return;
  }
  s.started = true;
  // without a readiness probe a running container is ready at once
  s.ready = !c.readinessProbe && pod.metadata?.annotations?.[ANN_NEVER_READY] !== 'true';
}

function terminate(s: KObject, exitCode: number, reason: string, message?: string): void {
  const startedAt = s.state?.running?.startedAt;
  const t: KObject = { exitCode, reason, startedAt: startedAt ?? null, finishedAt: nowRFC3339(), containerID: s.containerID };
  if (message) t.message = message;
  if (!s.containerID) delete t.containerID;
  if (!startedAt) delete t.startedAt;
  s.state = { terminated: t };
  s.ready = false;
  s.started = false;
}

/** Applies one step to `pod` (a fresh copy: mutated in place). */
export function applyStep(step: StageStep, pod: KObject, target: string | undefined, env: StepEnv): StepResult {
  const st = (pod.status ??= {});
  const events: KubeletEvent[] = [];
  const minor = env.emulatedMinor;
  switch (step) {
    case 'create': {
      const hasInit = specs(pod, 'init').length > 0;
      st.hostIP = env.nodeIP;
      st.hostIPs = [{ ip: env.nodeIP }];
      st.startTime = nowRFC3339();
      if (hasInit) st.initContainerStatuses = specs(pod, 'init').map((c) => waitingStatus(c, 'PodInitializing', minor));
      st.containerStatuses = specs(pod, 'app').map((c) => waitingStatus(c, hasInit ? 'PodInitializing' : 'ContainerCreating', minor));
      finalizeStatus(pod, { sandboxReady: false });
      return { events };
    }
    case 'sandbox': {
      const uid = pod.metadata.uid;
      const ip = pod.spec?.hostNetwork ? env.nodeIP : env.ipam.allocate(env.node, env.podCIDR, uid);
      if (!ip) throw new Error(`no free pod IP in ${env.podCIDR} on ${env.node}`);
      st.podIP = ip;
      st.podIPs = [{ ip }];
      const firstInit = specs(pod, 'init')[0];
      if (firstInit) beginPulls(pod, 'init', [firstInit.name], env, events);
      else beginPulls(pod, 'app', specs(pod, 'app').map((c) => c.name), env, events);
      finalizeStatus(pod, { sandboxReady: true });
      return { events };
    }
    case 'startInit':
      startContainer(pod, 'init', target!, env, events);
      break;
    case 'completeInit': {
      const s = statusOf(pod, 'init', target!)!;
      terminate(s, 0, 'Completed');
      s.ready = true;
      // once all are done the app images are pulled (the containers stay PodInitializing until they start)
      const left = specs(pod, 'init').some((c) => {
        const x = statusOf(pod, 'init', c.name);
        return isSidecar(c) ? stateOf(x) !== 'running' : stateOf(x) !== 'terminated';
      });
      if (!left) {
        beginPulls(pod, 'app', specs(pod, 'app').map((c) => c.name), env, events);
      } else {
        const next = stepTargets('startInit', pod) ?? [];
        beginPulls(pod, 'init', next, env, events);
      }
      break;
    }
    case 'startContainers':
      for (const name of matchContainers(pod, { kind: 'app', state: 'waiting', reason: ['ContainerCreating', 'PodInitializing'] }))
        startContainer(pod, 'app', name, env, events);
      break;
    case 'restartContainer':
      startContainer(pod, 'app', target!, env, events);
      break;
    case 'ready':
      statusOf(pod, 'app', target!)!.ready = true;
      break;
    case 'exitFailure':
    case 'exitSuccess':
      terminate(statusOf(pod, 'app', target!)!, step === 'exitFailure' ? 1 : 0, step === 'exitFailure' ? 'Error' : 'Completed');
      break;
    case 'backOff': {
      const s = statusOf(pod, 'app', target!)!;
      const restartCount = (s.restartCount ?? 0) + 1;
      const ref = `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
      s.lastState = { terminated: s.state.terminated };
      s.restartCount = restartCount;
      s.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(crashBackOffMs(restartCount))} restarting failed container=${target} pod=${ref}` } };
      events.push({ type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${target} in pod ${ref}`, fieldPath: `spec.containers{${target}}` });
      break;
    }
    case 'killChanged': {
      // computePodActions: the running container's definition changed, kill it and start it again
      // (whatever the restart policy). The kubelet does both in one sync; with restartPolicy Always
      // the status may show the old one terminated in between, otherwise (Never, OnFailure) a
      // terminated container may not become running again (ValidatePodStatusUpdate) and the
      // status goes from the old running container to the new one.
      const s = statusOf(pod, 'app', target!)!;
      events.push({ type: 'Normal', reason: 'Killing', message: `Container ${target} definition changed, will be restarted`, fieldPath: fieldPathOf('app', target!) });
      terminate(s, 0, 'Completed');
      if ((pod.spec?.restartPolicy ?? 'Always') !== 'Always') {
        s.lastState = { terminated: s.state.terminated };
        s.restartCount = (s.restartCount ?? 0) + 1;
        startContainer(pod, 'app', target!, env, events);
        break;
      }
      finalizeStatus(pod, { phase: st.phase ?? 'Running' });
      return { events };
    }
    case 'restartChanged': {
      const kind = kindOf(pod, target!);
      const s = statusOf(pod, kind, target!)!;
      if (s.state?.terminated) {
        s.lastState = { terminated: s.state.terminated };
        s.restartCount = (s.restartCount ?? 0) + 1;
      }
      startContainer(pod, kind, target!, env, events);
      break;
    }
    case 'pullBackOff': {
      const kind = kindOf(pod, target!);
      const s = statusOf(pod, kind, target!)!;
      const image: string = specs(pod, kind).find((c) => c.name === target)?.image ?? '';
      const fieldPath = fieldPathOf(kind, target!);
      // since 1.32 the waiting message carries the last pull error (prevPullErrMsg)
      const message = `Back-off pulling image "${image}"` + (minor >= 32 ? `: ErrImagePull: ${pullError(image)}` : '');
      s.state = { waiting: { reason: 'ImagePullBackOff', message } };
      events.push({ type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${image}"`, fieldPath });
      events.push({ type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', fieldPath });
      break;
    }
    case 'retryPull':
      startContainer(pod, kindOf(pod, target!), target!, env, events);
      break;
    case 'kill': {
      let allZero = true;
      for (const kind of ['init', 'app'] as const) {
        for (const s of statusList(pod, kind)) {
          const state = stateOf(s);
          if (state === 'running') {
            events.push({ type: 'Normal', reason: 'Killing', message: `Stopping container ${s.name}`, fieldPath: `spec.${kind === 'init' ? 'initContainers' : 'containers'}{${s.name}}` });
            terminate(s, 0, 'Completed');
          } else if (state === 'waiting' && kind === 'app') {
            const last = s.lastState?.terminated;
            if (last) terminate(s, last.exitCode ?? 1, last.reason ?? 'Error');
            else terminate(s, 137, 'ContainerStatusUnknown', 'The container could not be located when the pod was terminated');
          }
          if (kind === 'app' && s.state?.terminated?.exitCode !== 0) allZero = false;
        }
      }
      finalizeStatus(pod, { phase: allZero ? 'Succeeded' : 'Failed', sandboxReady: false });
      return { events, terminal: true };
    }
    case 'delete':
      return { events };
  }
  finalizeStatus(pod);
  const terminal = st.phase === 'Succeeded' || st.phase === 'Failed';
  if (terminal) finalizeStatus(pod, { sandboxReady: false });
  return { events, terminal };
}
