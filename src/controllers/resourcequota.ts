// The resource quota controller ('resourcequota'): keeps every ResourceQuota's status (hard copied
// from spec.hard, used measured from the namespace's objects by the quota evaluators of
// resources/core/quota-evaluators.ts). A quota is recalculated when its spec.hard is not yet in
// its status, when usage is missing, when objects it counts are deleted or stop being charged
// (replenishment), and on the periodic resync; admission charges creates itself.
// Upstream: pkg/controller/resourcequota/resource_quota_controller.go (syncResourceQuota,
// addQuota, replenishQuota), resource_quota_monitor.go (the replenishment events) and
// pkg/quota/v1/resources.go CalculateUsage / generic.CalculateUsageStats.
import type { KObject } from '../resources/types.js';
import { defineController, WRITE, type Runtime, type Watched } from './runtime/index.js';
import {
  builtInEvaluators,
  claimNeedsReplenish,
  evaluatorFor,
  IGNORED_RESOURCES,
  parseObjectCountName,
  quotaChargesPod,
  quotaScopes,
  quotaServiceType,
  type QuotaEvaluator,
  type ScopeRequirement,
} from '../resources/core/quota-evaluators.js';
import { equalLists, maskList, resourceList, sortedList, sumLists, type ResourceList } from '../resources/core/resourcelist.js';
import { StatusError } from '../registry/errors.js';

/** --resource-quota-sync-period (5m). */
export const QUOTA_RESYNC_MS = 5 * 60_000;

interface State {
  /** quotas a replenishment event asked to recalculate */
  dirty: Set<string>;
  /** when each quota was last recalculated (rt.clock) */
  lastSync: Map<string, number>;
  /** the object-count resources whose deletes are watched (group/resource) */
  watched: Set<string>;
}

const hardOf = (q: KObject): ResourceList => resourceList(q.status?.hard);

/** replenishQuota: the quotas of the namespace that track something the evaluator measures. */
function replenish(rt: Runtime<State>, ev: QuotaEvaluator, namespace: string): string[] {
  const keys: string[] = [];
  for (const q of rt.primary.list(namespace)) {
    if (!ev.matchingResources(Object.keys(hardOf(q))).length) continue;
    const key = rt.keyOf(q);
    rt.state.dirty.add(key);
    keys.push(key);
  }
  return keys;
}

/** The replenishment events of the quota monitor for one resource: deletes, and the updates that lower usage. */
function monitor(ev: QuotaEvaluator, lowersUsage?: (obj: KObject, old: KObject, rt: Runtime<State>) => boolean): Watched {
  return {
    group: ev.group,
    plural: ev.resource,
    keys: (obj, old, rt, type) => {
      const ns = obj.metadata?.namespace;
      if (!ns) return [];
      if (type === 'delete' || (type === 'update' && old && lowersUsage?.(obj, old, rt as Runtime<State>))) return replenish(rt as Runtime<State>, ev, ns);
      return [];
    },
  };
}

const byResource = (resource: string) => builtInEvaluators().find((e) => e.resource === resource && !e.group)!;

/** generic.CalculateUsageStats: the usage of every object of the namespace in all of the quota's scopes, each tracked resource from 0. */
function usageStats(rt: Runtime<State>, ev: QuotaEvaluator, namespace: string, scopes: ScopeRequirement[], resources: string[], nowMs: number): ResourceList {
  const usages: ResourceList[] = [];
  for (const obj of rt.informer(ev.group, ev.resource).list(namespace)) {
    if (!scopes.every((s) => ev.matchesScope(s, obj))) continue;
    usages.push(maskList(usageOf(ev, obj, nowMs), resources));
  }
  return sumLists(usages, Object.fromEntries(resources.map((r) => [r, '0'])));
}

/**
 * An object's usage, kept per cached object (informer objects are replaced, never changed); a
 * pod being deleted is measured each time (it stops being charged when its grace period ends).
 */
const usages = new WeakMap<KObject, ResourceList>();
function usageOf(ev: QuotaEvaluator, obj: KObject, nowMs: number): ResourceList {
  if (obj.metadata?.deletionTimestamp) return ev.usage(obj, nowMs);
  let u = usages.get(obj);
  if (!u) usages.set(obj, (u = ev.usage(obj, nowMs)));
  return u;
}

/** The evaluators that can measure a quota: the built-in ones and an object count for each count/<resource>.<group> of a served kind. */
function evaluatorsFor(rt: Runtime<State>, hard: string[]): QuotaEvaluator[] {
  const out = [...builtInEvaluators()];
  for (const name of hard) {
    const gr = parseObjectCountName(name);
    if (!gr || IGNORED_RESOURCES.has(`${gr.group}/${gr.resource}`) || out.some((e) => e.group === gr.group && e.resource === gr.resource)) continue;
    const def = rt.registry.def(gr.group, gr.resource);
    if (!def || !def.namespaced || !def.verbs.includes('list') || !def.verbs.includes('watch')) continue;
    const ev = evaluatorFor(gr.group, gr.resource);
    out.push(ev);
    watchDeletes(rt, ev);
  }
  return out;
}

/** The quota monitor of a resource named by an object count quota: its deletes replenish. */
function watchDeletes(rt: Runtime<State>, ev: QuotaEvaluator): void {
  const id = `${ev.group}/${ev.resource}`;
  if (rt.state.watched.has(id)) return;
  rt.state.watched.add(id);
  rt.informer(ev.group, ev.resource).addHandler({
    delete: (obj) => {
      const ns = obj.metadata?.namespace;
      if (ns) for (const k of replenish(rt, ev, ns)) rt.queue.add(k);
    },
  });
}

/** CalculateUsage: the observed usage of the resources of hard some evaluator measures. */
function calculateUsage(rt: Runtime<State>, q: KObject, hard: ResourceList, nowMs: number): ResourceList {
  const names = Object.keys(hard);
  const evaluators = evaluatorsFor(rt, names);
  const potential = new Set(evaluators.flatMap((e) => e.matchingResources(names)));
  const matched = names.filter((n) => potential.has(n));
  const scopes = quotaScopes(q);
  const ns = q.metadata.namespace;
  const stats: ResourceList[] = [];
  for (const ev of evaluators) {
    const inter = ev.matchingResources(matched);
    if (inter.length) stats.push(usageStats(rt, ev, ns, scopes, inter, nowMs));
  }
  return maskList(sumLists(stats), matched);
}

/** Whether some evaluator measures a resource name (a built-in one, or an object count of a served kind). */
function measurable(rt: Runtime<State>, name: string): boolean {
  if (builtInEvaluators().some((e) => e.matchingResources([name]).length > 0)) return true;
  const gr = parseObjectCountName(name);
  return !!gr && !IGNORED_RESOURCES.has(`${gr.group}/${gr.resource}`) && !!rt.registry.def(gr.group, gr.resource)?.namespaced;
}

/** addQuota's priorities: spec.hard not yet in status, or a constraint without usage some evaluator measures. */
function missingUsage(rt: Runtime<State>, q: KObject): boolean {
  const spec = resourceList(q.spec?.hard);
  if (!q.status?.hard || !equalLists(spec, hardOf(q))) return true;
  const used = resourceList(q.status?.used);
  return Object.keys(hardOf(q)).some((r) => !(r in used) && measurable(rt, r));
}

async function reconcile(key: string, rt: Runtime<State>) {
  const q = rt.primary.getByKey(key);
  const st = rt.state;
  if (!q) {
    st.dirty.delete(key);
    st.lastSync.delete(key);
    return;
  }
  const now = rt.clock.now();
  const last = st.lastSync.get(key);
  // a status write (admission's charges, ours) is not a reason to recount
  if (!st.dirty.has(key) && !missingUsage(rt, q) && last !== undefined && now - last < QUOTA_RESYNC_MS) return { requeueAfterMs: QUOTA_RESYNC_MS - (now - last) };
  st.dirty.delete(key);
  st.lastSync.set(key, now);

  const hard = resourceList(q.spec?.hard);
  const prevUsed = resourceList(q.status?.used);
  const dirty = !q.status?.hard || !q.status?.used || !equalLists(hard, hardOf(q));
  const used = maskList({ ...prevUsed, ...calculateUsage(rt, q, hard, now) }, Object.keys(hard));
  if (!dirty && equalLists(used, prevUsed)) return;
  const next = structuredClone(q);
  next.status = { hard: sortedList(hard), used: sortedList(used) };
  try {
    rt.registry.update(rt.primary.def, q.metadata.namespace, q.metadata.name, next, { ...WRITE, subresource: 'status' });
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return;
    // a conflict: the next attempt reads the newer quota and counts again
    st.dirty.add(key);
    throw err;
  }
  rt.logger.debug({ controller: 'resourcequota', quota: key, used }, 'updated quota usage');
}

export const resourceQuotaController = defineController<State>({
  name: 'resourcequota',
  primary: { group: '', plural: 'resourcequotas' },
  watches: [
    monitor(byResource('pods'), (pod, old, rt) => quotaChargesPod(old, rt.clock.now()) && !quotaChargesPod(pod, rt.clock.now())),
    monitor(byResource('services'), (svc, old) => quotaServiceType(old) !== quotaServiceType(svc)),
    monitor(byResource('persistentvolumeclaims'), (pvc, old) => claimNeedsReplenish(pvc, old)),
    monitor(byResource('configmaps')),
    monitor(byResource('secrets')),
    monitor(byResource('replicationcontrollers')),
  ],
  workers: 5,
  resyncMs: QUOTA_RESYNC_MS,
  setup: () => ({ dirty: new Set<string>(), lastSync: new Map<string, number>(), watched: new Set<string>() }),
  // a deleted quota no longer counts against count/resourcequotas of the others
  onPrimaryDelete: (obj, rt) => {
    const ns = obj.metadata?.namespace;
    if (!ns) return;
    for (const k of replenish(rt, byResource('resourcequotas'), ns)) if (k !== rt.keyOf(obj)) rt.queue.add(k);
  },
  reconcile,
});

