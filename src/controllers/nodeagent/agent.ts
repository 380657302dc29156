// The node agent ('nodeagent'): a kubelet for every simulated node. It moves each pod bound to
// one of our nodes through the stages of stages.ts (kwok's model): all matching stages start a
// timer when they first match, the one due first applies its step through pods/status (or
// deletes the pod with grace 0 and a uid precondition, as the kubelet does after termination).
import type { KObject } from '../../resources/types.js';
import type { Controller, ControllerContext } from '../manager.js';
import type { ReconcileResult } from '../workqueue.js';
import { objectKey, splitObjectKey } from '../informer.js';
import { StatusError } from '../../registry/errors.js';
import { userClient } from '../runtime/client.js';
import { nodeUser } from '../../admission/run.js';
import { nodeIndex, nodeIP, podCIDR } from '../nodes/info.js';
import { matchContainers, applyStep, stepTargets, type StepEnv, type StepResult } from './lifecycle.js';
import { PodIPAM, parseDuration } from './runtime.js';
import { ANN_STOP_DELAY, DEFAULT_STAGES, PROFILES, crashBackOffMs, type PodStage, type StageDelay, type StageProfile, type StageSelector } from './stages.js';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const isTerminal = (p: KObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

function getPath(obj: KObject, path: string): unknown {
  let cur: any = obj;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[k];
  }
  return cur;
}

export function selectorMatches(sel: StageSelector, pod: KObject): boolean {
  const phase = pod.status?.phase ?? 'Pending';
  const ann: Record<string, string> = pod.metadata?.annotations ?? {};
  if (sel.deleting !== undefined && !!pod.metadata?.deletionTimestamp !== sel.deleting) return false;
  if (sel.phase && !sel.phase.includes(phase)) return false;
  if (sel.notPhase && sel.notPhase.includes(phase)) return false;
  for (const p of sel.exists ?? []) if (getPath(pod, p) === undefined || getPath(pod, p) === null || getPath(pod, p) === '') return false;
  for (const p of sel.missing ?? []) if (!(getPath(pod, p) === undefined || getPath(pod, p) === null || getPath(pod, p) === '')) return false;
  for (const [type, status] of Object.entries(sel.conditions ?? {}))
    if (!arr(pod.status?.conditions).some((c) => c.type === type && c.status === status)) return false;
  for (const [k, v] of Object.entries(sel.annotations ?? {})) if (ann[k] === undefined || (v !== '*' && ann[k] !== v)) return false;
  for (const k of sel.withoutAnnotations ?? []) if (ann[k] !== undefined && ann[k] !== 'false') return false;
  if (sel.ownerKind && !arr(pod.metadata?.ownerReferences).some((r) => r?.controller === true && r.kind === sel.ownerKind)) return false;
  if (sel.container && matchContainers(pod, sel.container).length === 0) return false;
  return true;
}

function containerOf(pod: KObject, name: string | undefined): { spec?: KObject; status?: KObject } {
  if (!name) return {};
  const spec = [...arr(pod.spec?.containers), ...arr(pod.spec?.initContainers)].find((c) => c.name === name);
  const status = [...arr(pod.status?.containerStatuses), ...arr(pod.status?.initContainerStatuses)].find((c) => c.name === name);
  return { spec, status };
}

export function stageDelayMs(delay: StageDelay, pod: KObject, target: string | undefined, profile: StageProfile, pullFailures?: Map<string, number>): number {
  const step = () => profile.stepMs + Math.floor(Math.random() * profile.jitterMs);
  switch (delay.kind) {
    case 'none':
      return 0;
    case 'step':
      return step();
    case 'annotation':
      return parseDuration(pod.metadata?.annotations?.[delay.key]) ?? (delay.key === ANN_STOP_DELAY ? Math.max(step(), profile.minStopMs ?? 0) : step());
    case 'readiness': {
      const probe = containerOf(pod, target).spec?.readinessProbe;
      return (probe?.initialDelaySeconds ?? 0) * 1000 * profile.probeScale + step();
    }
    case 'backoff':
      return crashBackOffMs(containerOf(pod, target).status?.restartCount ?? 1) * profile.backoffScale;
    case 'crashRun':
      return profile.crashRunMs;
    case 'pullBackoff': {
      const image = containerOf(pod, target).spec?.image ?? '';
      return crashBackOffMs(pullFailures?.get(`${pod.metadata?.uid}|${image}`) ?? 1) * profile.backoffScale;
    }
  }
}

export interface NodeAgentOptions {
  /** replaces the default stage list */
  stages?: PodStage[];
  /** replaces the profile chosen by ctx.options.podStages */
  profile?: StageProfile;
}

export function nodeAgentController(opts: NodeAgentOptions = {}): Controller {
  return {
    name: 'nodeagent',
    start(ctx: ControllerContext) {
      const stages = opts.stages ?? DEFAULT_STAGES;
      const profile = opts.profile ?? PROFILES[ctx.options.podStages] ?? PROFILES.default;
      const podDef = ctx.registry.mustDef('', 'pods');
      const podsInf = ctx.informers.for('', 'pods');
      const nodesInf = ctx.informers.for('', 'nodes');
      const log = ctx.logger.child({ controller: 'nodeagent' });
      const ipam = new PodIPAM();
      const images = new Set<string>();
      const pulls = new Map<string, number>();
      const pullFailures = new Map<string, number>();
      /** pod key -> stage instance -> due time (ms) */
      const timers = new Map<string, Map<string, number>>();
      const mine = (p: KObject) => {
        const i = nodeIndex(p.spec?.nodeName);
        return i >= 0 && i < ctx.options.nodes;
      };
      const envFor = (node: string): StepEnv => {
        const i = nodeIndex(node);
        const live = nodesInf.get('', node);
        return {
          node,
          nodeIP: arr(live?.status?.addresses).find((a) => a.type === 'InternalIP')?.address ?? nodeIP(i),
          podCIDR: live?.spec?.podCIDR ?? podCIDR(i),
          ipam,
          images,
          emulatedMinor: ctx.options.emulatedMinor,
          pulls,
          pullFailures,
        };
      };
      // a restarted emulator keeps the IPs its running pods already have
      for (const p of podsInf.list())
        if (mine(p) && p.status?.podIP && !p.spec?.hostNetwork && !isTerminal(p)) ipam.reserve(p.spec.nodeName, p.status.podIP, p.metadata.uid);

      const queue = ctx.newQueue('nodeagent', reconcile, 8);
      // the container runtime follows the containers' states (read at use: set before start)
      const containers = () => ctx.options.containers;
      podsInf.addHandler({
        add: (p) => {
          if (!mine(p)) return;
          containers()?.syncPod(p);
          queue.add(objectKey(p));
        },
        update: (_o, n) => {
          if (!mine(n)) return;
          containers()?.syncPod(n);
          queue.add(objectKey(n));
        },
        delete: (p) => {
          containers()?.podDeleted(p);
          ipam.release(p.metadata?.uid);
          const prefix = `${p.metadata?.uid}|`;
          for (const k of pulls.keys()) if (k.startsWith(prefix)) pulls.delete(k);
          for (const k of pullFailures.keys()) if (k.startsWith(prefix)) pullFailures.delete(k);
          timers.delete(objectKey(p));
        },
      });

      async function reconcile(key: string): Promise<ReconcileResult> {
        const { namespace, name } = splitObjectKey(key);
        const pod = podsInf.get(namespace, name);
        if (!pod || !mine(pod)) {
          timers.delete(key);
          return;
        }
        const now = Date.now();
        const known = timers.get(key) ?? new Map<string, number>();
        const seen = new Map<string, number>();
        let best: { stage: PodStage; target?: string; id: string; due: number } | undefined;
        for (const stage of stages) {
          if (!selectorMatches(stage.selector, pod)) continue;
          const targets = stepTargets(stage.next, pod);
          for (const target of targets === null ? [undefined] : targets) {
            const restarts = containerOf(pod, target).status?.restartCount ?? 0;
            const id = `${stage.name}/${target ?? ''}/${restarts}`;
            let due = known.get(id) ?? now + stageDelayMs(stage.delay, pod, target, profile, pullFailures);
            if (stage.next === 'kill' && pod.metadata.deletionTimestamp) due = Math.min(due, Date.parse(pod.metadata.deletionTimestamp));
            seen.set(id, due);
            if (!best || due < best.due) best = { stage, target, id, due };
          }
        }
        if (seen.size) timers.set(key, seen);
        else timers.delete(key);
        if (!best) return;
        if (best.due > now) return { requeueAfterMs: best.due - now };
        seen.delete(best.id);
        await apply(pod, best.stage, best.target);
      }

      /** Applies a due-now `startContainers` stage to `live`, adding its events to `result`. */
      function chainStart(live: KObject, result: StepResult, env: StepEnv): void {
        for (const stage of stages) {
          if (stage.next !== 'startContainers' || !selectorMatches(stage.selector, live)) continue;
          if (stageDelayMs(stage.delay, live, undefined, profile, pullFailures) !== 0) return;
          const r = applyStep('startContainers', live, undefined, env);
          result.events.push(...r.events);
          if (r.terminal) result.terminal = true;
          return;
        }
      }

      async function apply(pod: KObject, stage: PodStage, target: string | undefined): Promise<void> {
        const { namespace, name, uid } = pod.metadata;
        const node: string = pod.spec.nodeName;
        const record = ctx.recorder.for({ component: 'kubelet', host: node });
        if (stage.next === 'delete') {
          try {
            // the kubelet's final delete (status manager canBeDeleted), as the node
            const d = userClient(ctx.registry, nodeUser(node)).delete(podDef, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
            if (d instanceof Promise) await d;
          } catch (err) {
            if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) throw err;
          }
          return;
        }
        let result: StepResult | undefined;
        const env = envFor(node);
        try {
          // the kubelet's status manager PATCHes pods/status as system:node:<nodeName>
          const w = userClient(ctx.registry, nodeUser(node)).modify(
            podDef,
            namespace,
            name,
            (live) => {
              if (live.metadata.uid !== uid || !selectorMatches(stage.selector, live)) return live;
              const targets = stepTargets(stage.next, live);
              if (targets !== null && (!target || !targets.includes(target))) return live;
              result = applyStep(stage.next, live, target, env);
              // SyncPod creates the sandbox and starts the containers in one pass: with no delay
              // before the start (fast stages), both land in one status write, as the kubelet's
              // status manager sends one update per sync
              if (stage.next === 'sandbox') chainStart(live, result, env);
              return live;
            },
            // the status is the agent's own: its field types need no decode check (as the Job controller's writes)
            { subresource: 'status', fieldManager: 'kubelet', fieldsChecked: true },
            true,
          );
          // no admitter: the write was synchronous (no extra tick on the hot path)
          const r = w instanceof Promise ? await w : w;
          if (!result) return;
          // the containers start (stop) as their status says so
          containers()?.syncPod(r.object);
          if (result.terminal) ipam.release(uid);
          for (const ev of result.events) record(r.object, ev.type, ev.reason, ev.message, ev.fieldPath);
          log.debug({ pod: `${namespace}/${name}`, stage: stage.name, target }, 'stage applied');
        } catch (err) {
          if (err instanceof StatusError && err.code === 404) return;
          throw err;
        }
      }
    },
  };
}
