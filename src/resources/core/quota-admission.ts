// The ResourceQuota admission plugin (plugin/pkg/admission/resourcequota: admission.go,
// controller.go CheckRequest): every namespaced write of any kind is measured by its quota
// evaluator (quota-evaluators.ts); each quota of the namespace that matches it (status.hard names
// a resource the evaluator tracks, every scope holds) must have room for the usage delta, else the
// write is refused with upstream's Forbidden; when it is admitted the quotas' status.used grows at
// once (a status write), so the next write sees the new usage without waiting for the controller.
import type { KObject, ResourceDef } from '../types.js';
import type { Registry, WriteOptions } from '../../registry/registry.js';
import type { Entry } from '../../storage/store.js';
import { forbidden, StatusError } from '../../registry/errors.js';
import { admittedName } from '../../registry/meta.js';
import { evaluatorFor, IGNORED_RESOURCES, quotaMatches, quotaScopes, type QuotaEvaluator, type ScopeRequirement } from './quota-evaluators.js';
import {
  addLists,
  lessThanOrEqual,
  maskList,
  negativeNames,
  prettyPrint,
  removeZeros,
  resourceList,
  sortedList,
  subtractLists,
  subtractNonNegative,
  type ResourceList,
} from './resourcelist.js';

/** A quota's status lists and scopes, read once per stored quota object (never mutated). */
interface QuotaView {
  hard: ResourceList;
  used: ResourceList;
  scopes: ScopeRequirement[];
}
const views = new WeakMap<KObject, QuotaView>();
function viewOf(q: KObject): QuotaView {
  let v = views.get(q);
  if (!v) views.set(q, (v = { hard: resourceList(q.status?.hard), used: resourceList(q.status?.used), scopes: quotaScopes(q) }));
  return v;
}

/** One charge to write: the quota and its new status.used. */
interface Charge {
  quota: KObject;
  used: ResourceList;
}

/**
 * CheckRequest: the quotas to charge and their new usage, or the Forbidden. `quotas` are the
 * namespace's ResourceQuotas as stored; `nowMs` for pods past their grace period.
 */
export function checkRequest(
  def: Pick<ResourceDef, 'group' | 'plural'>,
  ev: QuotaEvaluator,
  op: 'create' | 'update',
  obj: KObject,
  old: KObject | undefined,
  quotas: KObject[],
  nowMs: number,
): Charge[] {
  if (!ev.handles(op)) return [];
  const name = op === 'create' ? String(obj.metadata?.name || admittedName(obj.metadata)) : String(obj.metadata?.name ?? '');
  const refuse = (why: string) => forbidden(def, name, why);
  const interesting: KObject[] = [];
  for (const q of quotas) {
    const { hard, used, scopes } = viewOf(q);
    if (!quotaMatches(ev, hard, scopes, obj)) continue;
    const restricted = ev.matchingResources(Object.keys(hard));
    const failed = ev.constraints(restricted, obj);
    if (failed) throw refuse(`failed quota: ${q.metadata?.name}: ${failed}`);
    // hasUsageStats: every tracked resource of hard has a used value
    const unknown = restricted.filter((r) => !(r in used));
    if (unknown.length) throw refuse(`status unknown for quota: ${q.metadata?.name}, resources: ${[...new Set(restricted)].sort().join(',')}`);
    interesting.push(q);
  }
  if (!interesting.length) return [];
  let delta = ev.usage(obj, nowMs);
  const negative = negativeNames(delta);
  if (negative.length) throw refuse(`quota usage is negative for resource(s): ${negative.join(',')}`);
  if (op === 'update' && old && old.metadata?.resourceVersion) {
    const prev = ev.usage(old, nowMs);
    // pods may shrink (in-place resize, pods/resize); other kinds never give back on update
    delta = ev.resource === 'pods' && !ev.group ? subtractLists(delta, prev) : subtractNonNegative(delta, prev);
  }
  delta = removeZeros(delta);
  if (!Object.keys(delta).length) return [];
  const charges: Charge[] = [];
  for (const q of interesting) {
    const { hard, used } = viewOf(q);
    const requested = maskList(delta, Object.keys(hard));
    const newUsage = addLists(used, requested);
    const masked = maskList(newUsage, Object.keys(requested));
    const { ok, exceeded } = lessThanOrEqual(masked, hard);
    if (!ok) {
      throw refuse(
        `exceeded quota: ${q.metadata?.name}, requested: ${prettyPrint(maskList(requested, exceeded))}, used: ${prettyPrint(maskList(used, exceeded))}, limited: ${prettyPrint(maskList(hard, exceeded))}`,
      );
    }
    if (Object.keys(requested).length) charges.push({ quota: q, used: newUsage });
  }
  return charges;
}

/** Installs the plugin: a hook on writes of every kind (registry.addAnyKindHook). */
export function installQuotaAdmission(registry: Registry): void {
  const quotaDef = registry.def('', 'resourcequotas');
  if (!quotaDef) return;
  const parsed = new WeakMap<Entry, KObject>();
  const quotasIn = (ns: string): KObject[] =>
    registry.listEntries(quotaDef, ns).entries.map((e) => {
      let q = parsed.get(e);
      if (!q) parsed.set(e, (q = JSON.parse(e.json) as KObject));
      return q;
    });
  registry.addAnyKindHook((def, op, obj, old, opts: WriteOptions) => {
    // subresources are not measured; nor are cluster-scoped kinds (namespaces included)
    if (op === 'delete' || opts.subresource || !def.namespaced) return;
    const ns = obj.metadata?.namespace;
    if (!ns || IGNORED_RESOURCES.has(`${def.group}/${def.plural}`)) return;
    const quotas = quotasIn(ns);
    if (!quotas.length) return;
    const charges = checkRequest(def, evaluatorFor(def.group, def.plural), op, obj, old, quotas, Date.now());
    if (!charges.length || opts.dryRun) return;
    return {
      // the usage is written once the object is (a failed write charges nothing)
      commit: () => {
        for (const c of charges) {
          const q = structuredClone(c.quota);
          q.status = { ...(q.status ?? {}), used: sortedList(c.used) };
          try {
            registry.update(quotaDef, ns, q.metadata.name, q, { subresource: 'status', fieldManager: 'kube-apiserver' });
          } catch (err) {
            // the quota controller's next sync corrects what could not be written
            if (!(err instanceof StatusError)) throw err;
            registry.opts.logger?.warn({ quota: `${ns}/${q.metadata.name}`, err: err.message }, 'could not update quota usage');
          }
        }
      },
    };
  });
}
