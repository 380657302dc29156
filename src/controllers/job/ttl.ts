// The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished/ttlafterfinished_controller.go):
// a finished Job (Complete or Failed) with spec.ttlSecondsAfterFinished is deleted, with Foreground
// propagation and its resourceVersion as a precondition, that many seconds after the condition's
// lastTransitionTime (on the controllers' clock); before that it is requeued for the moment it expires.
import type { KObject } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { splitObjectKey } from '../informer.js';
import { defineController, type Runtime } from '../runtime/index.js';

/** jobFinishTime: the Complete / Failed condition's lastTransitionTime (ms), when the Job is finished. */
function finishedAt(job: KObject): number | undefined {
  for (const c of Array.isArray(job.status?.conditions) ? job.status.conditions : [])
    if ((c?.type === 'Complete' || c?.type === 'Failed') && c?.status === 'True') {
      const t = Date.parse(c.lastTransitionTime ?? '');
      return Number.isNaN(t) ? undefined : t;
    }
  return undefined;
}

/** processTTL: the ms left before the Job expires, or undefined when it needs no clean-up. */
function timeLeft(job: KObject, now: number): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (job.metadata?.deletionTimestamp || ttl === undefined || ttl === null) return undefined;
  const at = finishedAt(job);
  if (at === undefined) return undefined;
  return at + ttl * 1000 - now;
}

export const ttlAfterFinishedController = defineController({
  name: 'ttl-after-finished',
  primary: { group: 'batch', plural: 'jobs' },
  workers: 4,
  reconcile: (key: string, rt: Runtime<undefined>) => {
    const { namespace, name } = splitObjectKey(key);
    const cached = rt.primary.get(namespace, name);
    if (!cached) return;
    const left = timeLeft(cached, rt.clock.now());
    if (left === undefined) return;
    if (left > 0) return { requeueAfterMs: left };
    // the TTL may have been changed: check a fresh read before deleting
    const def = rt.registry.mustDef('batch', 'jobs');
    let fresh: KObject;
    try {
      fresh = rt.registry.get(def, namespace, name);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return;
      throw err;
    }
    const again = timeLeft(fresh, rt.clock.now());
    if (again === undefined) return;
    if (again > 0) return { requeueAfterMs: again };
    try {
      rt.registry.delete(def, namespace, name, { propagationPolicy: 'Foreground', preconditions: { resourceVersion: fresh.metadata.resourceVersion } });
      rt.logger.debug({ job: key }, 'cleaning up Job');
    } catch (err) {
      if (err instanceof StatusError && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  },
});
