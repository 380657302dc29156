// The TTL-after-finished controller: pkg/controller/ttlafterfinished/ttlafterfinished_controller.go.
// A finished Job (Complete or Failed condition True) with spec.ttlSecondsAfterFinished is deleted
// that many seconds after the condition's lastTransitionTime, with foreground propagation and a
// uid precondition, after re-reading it from the API (the TTL may have changed); until then its
// key is requeued for the expiry on the controllers' clock.
import type { KObject, ResourceDef } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { defineController, splitObjectKey, type Runtime } from '../runtime/index.js';

interface State {
  jobDef: ResourceDef;
}

const isNotFound = (e: unknown) => e instanceof StatusError && e.code === 404;

/** needsCleanup: a TTL is set and the Job has finished. */
export function needsCleanup(job: KObject): boolean {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  return ttl !== undefined && ttl !== null && finishedCondition(job) !== undefined;
}

function finishedCondition(job: KObject): KObject | undefined {
  return (job.status?.conditions ?? []).find((c: KObject) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** jobFinishTime: the lastTransitionTime of the Complete/Failed condition. */
function jobFinishTime(job: KObject): number {
  const c = finishedCondition(job);
  const name = `${job.metadata.namespace}/${job.metadata.name}`;
  if (!c) throw new Error(`unable to find the status of the finished Job ${name}`);
  const t = typeof c.lastTransitionTime === 'string' ? Date.parse(c.lastTransitionTime) : NaN;
  if (Number.isNaN(t)) throw new Error(`unable to find the time when the Job ${name} finished`);
  return t;
}

/** processTTL: the expiry time when the TTL has run out; otherwise requeues the key for it. */
function processTTL(rt: Runtime<State>, job: KObject): number | undefined {
  if (job.metadata.deletionTimestamp || !needsCleanup(job)) return undefined;
  const now = rt.clock.now();
  const finishAt = jobFinishTime(job);
  const expireAt = finishAt + job.spec.ttlSecondsAfterFinished * 1000;
  if (finishAt > now)
    rt.logger.info({ job: rt.keyOf(job) }, 'Warning: Found Job finished in the future. This is likely due to time skew in the cluster. Job cleanup will be deferred.');
  const remaining = expireAt - now;
  if (remaining <= 0) return expireAt;
  // a timer waits at most 2^31-1 ms (Node fires longer ones at once): a longer TTL is re-checked then
  rt.queue.addAfter(rt.keyOf(job), Math.min(remaining, 2 ** 31 - 1));
  return undefined;
}

export const ttlAfterFinishedController = defineController<State>({
  name: 'ttl-after-finished',
  primary: { group: 'batch', plural: 'jobs' },
  workers: 5,
  setup: (rt) => ({ jobDef: rt.registry.mustDef('batch', 'jobs') }),
  reconcile(key, rt) {
    const { namespace, name } = splitObjectKey(key);
    const job = rt.primary.get(namespace, name);
    if (!job || processTTL(rt, job) === undefined) return;
    // the TTL may have changed since the cache saw it: decide again on a fresh read
    let fresh: KObject;
    try {
      fresh = rt.registry.get(rt.state.jobDef, namespace, name);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    if (processTTL(rt, fresh) === undefined) return;
    try {
      rt.registry.delete(rt.state.jobDef, namespace, name, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata.uid } });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  },
});
