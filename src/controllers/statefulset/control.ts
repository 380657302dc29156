// One StatefulSet sync pass: revisions, pod creation/deletion/update, status, history truncation
// (upstream pkg/controller/statefulset/stateful_set_control.go, 1.30-1.33 variant: rolling updates wait on
// unhealthy pods, MaxUnavailableStatefulSet off).
import type { KObject, ResourceDef } from '../../resources/types.js';
import type { Registry } from '../../registry/registry.js';
import { StatusError } from '../../registry/errors.js';
import type { PodControl } from './podcontrol.js';
import { aggregate, WRITE } from '../runtime/controllerref.js';
import { controllerClient } from '../runtime/client.js';
import { admissionChainOf, admissionFor } from '../../admission/run.js';
import { controllerRevisionName, equalRevision, findEqualRevisions, goJSON, hashRevisionData, nextRevision, revisionDataJSON, sortRevisions } from '../runtime/history.js';
import { applyRevision, newRevision } from './revision.js';
import {
  getOrdinal,
  identityMatches,
  inOrdinalRange,
  isCreated,
  isFailed,
  isHealthy,
  isPending,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  newVersionedPod,
  podRevision,
  specReplicas,
  startOrdinal,
  storageMatches,
} from './utils.js';

export const MAX_BATCH_SIZE = 500;

export interface ControlDeps {
  registry: Registry;
  setDef: ResourceDef;
  revDef: ResourceDef;
  pods: PodControl;
  podIndexLabel: boolean;
  /**
   * emulated minor version: up to 1.29 a failed (1.28+: or succeeded) pod is deleted and re-created in
   * the same pass with a Recreating* event; later versions wait until the old object is gone (PR 123809)
   */
  emulatedMinor: number;
  /** the set's revisions (owned or orphaned, matching its selector) */
  listRevisions(set: KObject): KObject[];
}

type StepFn = (i: number) => Promise<boolean>; // true = stop (monotonic); throws on error

const yieldTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** slowStartBatch: batches of 1, 2, 4, ... (max 500); stop after a batch with errors. */
async function slowStartBatch(count: number, fn: StepFn, writes: () => number): Promise<void> {
  let j = 0;
  let remaining = count;
  for (let size = Math.min(remaining, 1); size > 0; size = Math.min(Math.min(2 * size, remaining), MAX_BATCH_SIZE)) {
    const errs: string[] = [];
    const before = writes();
    for (let i = 0; i < size; i++, j++) {
      try {
        await fn(j);
      } catch (err) {
        errs.push(err instanceof Error ? err.message : String(err));
      }
    }
    const e = aggregate(errs);
    if (e) throw e;
    remaining -= size;
    // let the rest of the process (HTTP, other controllers) run between batches that wrote
    if (remaining > 0 && writes() !== before) await yieldTurn();
  }
}

/** runForAll: sequential with early exit (monotonic) or slow-start batches (burst). */
async function runForAll(count: number, fn: StepFn, monotonic: boolean, writes: () => number): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < count; i++) if (await fn(i)) return true;
    return false;
  }
  await slowStartBatch(count, fn, writes);
  return false;
}

export interface Status {
  observedGeneration: number;
  replicas: number;
  readyReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
  availableReplicas: number;
}

function countInto(status: Status, minReady: number, current: string, update: string, ...lists: KObject[][]): void {
  status.replicas = status.readyReplicas = status.availableReplicas = status.currentReplicas = status.updatedReplicas = 0;
  const now = Date.now();
  for (const list of lists)
    for (const pod of list) {
      if (isCreated(pod)) status.replicas++;
      if (isRunningAndReady(pod)) {
        status.readyReplicas++;
        if (isRunningAndAvailable(pod, minReady, now)) status.availableReplicas++;
      }
      if (isCreated(pod) && !isTerminating(pod)) {
        const rev = podRevision(pod);
        if (rev === current) status.currentReplicas++;
        if (rev === update) status.updatedReplicas++;
      }
    }
}

/** The status as apps/v1 serialises it (omitempty fields dropped when zero). */
export function statusObject(s: Status): KObject {
  const o: KObject = {};
  if (s.observedGeneration) o.observedGeneration = s.observedGeneration;
  o.replicas = s.replicas;
  if (s.readyReplicas) o.readyReplicas = s.readyReplicas;
  if (s.currentReplicas) o.currentReplicas = s.currentReplicas;
  if (s.updatedReplicas) o.updatedReplicas = s.updatedReplicas;
  if (s.currentRevision) o.currentRevision = s.currentRevision;
  if (s.updateRevision) o.updateRevision = s.updateRevision;
  o.collisionCount = s.collisionCount;
  o.availableReplicas = s.availableReplicas;
  return o;
}

type Revs = { current: KObject; update: KObject; collisionCount: number };

export class StatefulSetControl {
  /** statefulset-controller's writes of revisions and status (through admission when a webhook or policy applies) */
  private readonly client: ReturnType<typeof controllerClient>;
  constructor(private readonly d: ControlDeps) {
    this.client = controllerClient(d.registry, 'statefulset-controller');
  }

  /** UpdateStatefulSet: returns the status computed (and written when it changed). */
  async sync(set: KObject, pods: KObject[]): Promise<Status | undefined> {
    set = structuredClone(set);
    const revisions = sortRevisions(this.d.listRevisions(set));
    let current: KObject | undefined;
    let update: KObject | undefined;
    let status: Status | undefined;
    let failure: unknown;
    try {
      const g = this.getRevisions(set, revisions);
      const r = g instanceof Promise ? await g : g;
      current = r.current;
      update = r.update;
      let err: unknown;
      try {
        status = await this.updateStatefulSet(set, current, update, r.collisionCount, pods);
      } catch (e) {
        err = e;
        status = (e as { status?: Status }).status;
      }
      if (status) {
        const w = this.writeStatus(set, status);
        if (w) await w;
      }
      if (err) throw err;
    } catch (e) {
      failure = e;
    }
    const t = this.truncateHistory(set, pods, revisions, current, update);
    if (t) await t;
    if (failure) throw failure;
    return status;
  }

  private getRevisions(set: KObject, revisions: KObject[]): Revs | Promise<Revs> {
    const { revDef } = this.d;
    const ns = set.metadata.namespace;
    const count = { n: typeof set.status?.collisionCount === 'number' ? set.status.collisionCount : 0 };
    const candidate = newRevision(set, nextRevision(revisions), count.n);
    const equal = findEqualRevisions(revisions, candidate);
    let update: KObject | Promise<KObject>;
    if (equal.length && equalRevision(revisions[revisions.length - 1], equal[equal.length - 1])) {
      update = revisions[revisions.length - 1];
    } else if (equal.length) {
      // roll back: the equal older revision gets the next number
      const target = equal[equal.length - 1];
      if (target.revision === candidate.revision) update = target;
      else {
        const w = this.client.modify(revDef, ns, target.metadata.name, (o) => void (o.revision = candidate.revision), WRITE);
        update = w instanceof Promise ? w.then((x) => x.object) : w.object;
      }
    } else {
      update = this.createRevision(set, candidate, count);
    }
    const done = (u: KObject): Revs => ({ current: revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? u, update: u, collisionCount: count.n });
    return update instanceof Promise ? update.then(done) : done(update);
  }

  /** history.CreateControllerRevision: on a name taken by different data, bump collisionCount and retry. */
  private createRevision(set: KObject, candidate: KObject, count: { n: number }): KObject | Promise<KObject> {
    const { registry, revDef } = this.d;
    const ns = set.metadata.namespace;
    const data = revisionDataJSON(candidate);
    const need = admissionFor(admissionChainOf(registry), revDef, 'CREATE');
    if (need.mutating || need.validating)
      return (async () => {
        // a CREATE of the ControllerRevision as statefulset-controller, admitted
        for (;;) {
          const obj = structuredClone(candidate);
          obj.metadata.name = controllerRevisionName(set.metadata.name, hashRevisionData(data, count.n));
          try {
            return (await this.client.create(revDef, ns, obj, WRITE)).object;
          } catch (err) {
            if (!(err instanceof StatusError && err.code === 409)) throw err;
            const exists = registry.get(revDef, ns, obj.metadata.name);
            if (goJSON(exists.data) === data) return exists;
            count.n++;
          }
        }
      })();
    for (;;) {
      const obj = structuredClone(candidate);
      obj.metadata.name = controllerRevisionName(set.metadata.name, hashRevisionData(data, count.n));
      try {
        return registry.create(revDef, ns, obj, WRITE).object;
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 409)) throw err;
        const exists = registry.get(revDef, ns, obj.metadata.name);
        if (goJSON(exists.data) === data) return exists;
        count.n++;
      }
    }
  }

  private async updateStatefulSet(set: KObject, currentRev: KObject, updateRev: KObject, collisionCount: number, pods: KObject[]): Promise<Status> {
    const { pods: pc, podIndexLabel } = this.d;
    const currentSet = applyRevision(set, currentRev);
    const updateSet = applyRevision(set, updateRev);
    const minReady = set.spec?.minReadySeconds ?? 0;
    const cur = currentRev.metadata.name;
    const upd = updateRev.metadata.name;
    const status: Status = {
      observedGeneration: set.metadata.generation ?? 0,
      currentRevision: cur,
      updateRevision: upd,
      collisionCount,
      replicas: 0,
      readyReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
      availableReplicas: 0,
    };
    countInto(status, minReady, cur, upd, pods);

    const start = startOrdinal(set);
    const replicas: KObject[] = new Array(specReplicas(set));
    const condemned: KObject[] = [];
    for (const pod of pods) {
      if (inOrdinalRange(pod, set)) replicas[getOrdinal(pod) - start] = pod;
      else if (getOrdinal(pod) >= 0) condemned.push(pod);
    }
    for (let i = 0; i < replicas.length; i++) if (!replicas[i]) replicas[i] = newVersionedPod(currentSet, updateSet, cur, upd, start + i, podIndexLabel);
    condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));

    let firstUnhealthy: KObject | undefined = replicas.find((p) => !isHealthy(p));
    if (!firstUnhealthy) for (let i = condemned.length - 1; i >= 0; i--) if (!isHealthy(condemned[i])) { firstUnhealthy = condemned[i]; break; }

    if (set.metadata.deletionTimestamp) return status;
    const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
    const finish = (): Status => {
      countInto(status, minReady, cur, upd, replicas, condemned);
      return status;
    };
    const guard = async (count: number, fn: StepFn): Promise<boolean> => {
      try {
        return await runForAll(count, fn, monotonic, () => pc.writes);
      } catch (err) {
        throw Object.assign(err instanceof Error ? err : new Error(String(err)), { status: finish() });
      }
    };

    const processReplica: StepFn = async (i) => {
      const pod = replicas[i];
      const legacy = this.d.emulatedMinor <= 29;
      if (legacy && (isFailed(pod) || (isSucceeded(pod) && this.d.emulatedMinor >= 28))) {
        const ns = set.metadata.namespace;
        if (isFailed(pod)) pc.event(set, 'Warning', 'RecreatingFailedPod', `StatefulSet ${ns}/${set.metadata.name} is recreating failed Pod ${pod.metadata.name}`);
        else pc.event(set, 'Normal', 'RecreatingTerminatedPod', `StatefulSet ${ns}/${set.metadata.name} is recreating terminated Pod ${pod.metadata.name}`);
        await pc.deleteStatefulPod(set, pod);
        replicas[i] = newVersionedPod(currentSet, updateSet, cur, upd, start + i, podIndexLabel);
        return processReplica(i);
      }
      if (!legacy && (isFailed(pod) || isSucceeded(pod))) {
        // the replacement is created by a later sync, once the old object is gone
        if (!isTerminating(pod)) await pc.deleteStatefulPod(set, pod);
        return true;
      }
      if (!isCreated(pod)) {
        if (pc.podClaimIsStale(set, pod)) return true;
        await pc.createStatefulPod(set, pod);
        if (monotonic) return true;
      }
      if (isPending(pod)) await pc.createMissingPersistentVolumeClaims(set, pod);
      if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady))) return true;
      let retentionMatch = true;
      try {
        retentionMatch = pc.claimsMatchRetentionPolicy(updateSet, pod);
      } catch {
        retentionMatch = true;
      }
      if (isCreated(pod) && !(identityMatches(set, pod) && storageMatches(set, pod) && retentionMatch)) await pc.updateStatefulPod(updateSet, structuredClone(pod));
      return false;
    };
    if (await guard(replicas.length, processReplica)) return finish();

    const fixPodClaim: StepFn = async (i) => {
      if (!pc.claimsMatchRetentionPolicy(updateSet, condemned[i])) {
        const u = pc.updatePodClaimForRetentionPolicy(updateSet, condemned[i]);
        if (u) await u;
      }
      return false;
    };
    if (await guard(condemned.length, fixPodClaim)) return finish();

    const processCondemned: StepFn = async (i) => {
      const pod = condemned[i];
      if (isTerminating(pod)) return monotonic;
      if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady))) return true;
      await pc.deleteStatefulPod(set, pod);
      return true;
    };
    if (await guard(condemned.length, processCondemned)) return finish();

    finish();
    if (set.spec?.updateStrategy?.type === 'OnDelete') return status;

    // rolling update: from the highest ordinal down to the partition, one pod per pass
    const ru = set.spec?.updateStrategy?.rollingUpdate;
    const updateMin = ru && typeof ru.partition === 'number' ? ru.partition : 0;
    for (let target = replicas.length - 1; target >= updateMin; target--) {
      const pod = replicas[target];
      if (podRevision(pod) !== upd && !isTerminating(pod)) {
        try {
          await pc.deleteStatefulPod(set, pod);
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw Object.assign(err as Error, { status });
        }
        status.currentReplicas--;
        return status;
      }
      if (!isHealthy(pod)) return status;
    }
    return status;
  }

  /** updateStatefulSetStatus: complete a finished rolling update, write only when something changed. */
  private writeStatus(set: KObject, s: Status): void | Promise<void> {
    const replicas = specReplicas(set);
    if (set.spec?.updateStrategy?.type === 'RollingUpdate' && s.updatedReplicas === replicas && s.readyReplicas === replicas && s.replicas === replicas) {
      s.currentReplicas = s.updatedReplicas;
      s.currentRevision = s.updateRevision;
    }
    const old = set.status ?? {};
    const changed =
      s.observedGeneration > (old.observedGeneration ?? 0) ||
      s.replicas !== (old.replicas ?? 0) ||
      s.currentReplicas !== (old.currentReplicas ?? 0) ||
      s.readyReplicas !== (old.readyReplicas ?? 0) ||
      s.updatedReplicas !== (old.updatedReplicas ?? 0) ||
      s.currentRevision !== (old.currentRevision ?? '') ||
      s.availableReplicas !== (old.availableReplicas ?? 0) ||
      s.updateRevision !== (old.updateRevision ?? '');
    if (!changed) return;
    const { setDef } = this.d;
    const gone = (err: unknown): void => {
      if (err instanceof StatusError && err.code === 404) return;
      throw err;
    };
    try {
      const w = this.client.modify(
        setDef,
        set.metadata.namespace,
        set.metadata.name,
        (o) => {
          if (o.metadata.uid !== set.metadata.uid) throw new StatusError(409, 'Conflict', 'StatefulSet was replaced');
          o.status = statusObject(s);
        },
        { subresource: 'status', ...WRITE },
      );
      if (w instanceof Promise) return w.then(() => undefined, gone);
    } catch (err) {
      gone(err);
    }
  }

  /** truncateHistory: delete the oldest non-live revisions beyond revisionHistoryLimit. */
  private truncateHistory(set: KObject, pods: KObject[], revisions: KObject[], current?: KObject, update?: KObject): void | Promise<unknown> {
    const live = new Set<string>();
    if (current) live.add(current.metadata.name);
    if (update) live.add(update.metadata.name);
    for (const p of pods) live.add(podRevision(p));
    const history = revisions.filter((r) => !live.has(r.metadata.name));
    const limit = typeof set.spec?.revisionHistoryLimit === 'number' ? set.spec.revisionHistoryLimit : 10;
    if (limit < 0 || history.length <= limit) return;
    const gone = (err: unknown): void => {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    };
    const pending: Promise<unknown>[] = [];
    for (const r of history.slice(0, history.length - limit)) {
      try {
        const w = this.client.delete(this.d.revDef, set.metadata.namespace, r.metadata.name);
        if (w instanceof Promise) pending.push(w.catch(gone));
      } catch (err) {
        gone(err);
      }
    }
    if (pending.length) return Promise.all(pending);
  }
}
