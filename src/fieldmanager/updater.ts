// The ownership engine, after structured-merge-diff merge/update.go (Updater.Update, Updater.Apply,
// prune) with k8s' reset fields as IgnoredFields. One API version per kind, so no conversions.
import { FieldSet, type Path } from './fieldpath.js';
import type { VersionedSet } from './managed.js';
import type { Node } from './schema.js';
import { compare, deepEqual, ensureNamedFieldsAreMembers, merge, removeItems, toFieldSet, type Comparison } from './typed.js';

export type Managers = Map<string, VersionedSet>;

export interface UpdaterContext {
  node: Node;
  apiVersion: string;
  /** reset fields of the strategy: never owned, never conflicting */
  ignored: FieldSet;
}

/** One conflicting field: the other manager's identifier and the path. */
export interface RawConflict {
  manager: string;
  path: Path;
}

function excludeIgnored(c: Comparison, ignored: FieldSet): Comparison {
  if (ignored.empty()) return c;
  return {
    added: c.added.recursiveDifference(ignored),
    modified: c.modified.recursiveDifference(ignored),
    removed: c.removed.recursiveDifference(ignored),
  };
}

/**
 * Take the changed fields away from every manager but `workflow` (Updater.update). Without force,
 * fields another manager owns that change are conflicts.
 */
function takeOwnership(
  ctx: UpdaterContext,
  oldObj: unknown,
  newObj: unknown,
  managers: Managers,
  workflow: string,
  force: boolean,
): { managers: Managers; compare: Comparison } | { conflicts: RawConflict[] } {
  const full = compare(oldObj, newObj, ctx.node);
  let others = false;
  for (const id of managers.keys()) if (id !== workflow) others = true;
  // nobody else owns anything: no conflicts, nothing to take away
  if (!others) {
    const own = managers.get(workflow);
    if (own && own.set.empty()) managers.delete(workflow);
    return { managers, compare: full };
  }
  const cmp = excludeIgnored(full, ctx.ignored);
  const changed = cmp.modified.union(cmp.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [id, vs] of managers) {
    if (id === workflow) continue;
    const c = vs.set.intersection(changed);
    if (!c.empty()) conflicts.set(id, c);
  }
  if (!force && conflicts.size) {
    const out: RawConflict[] = [];
    for (const id of [...conflicts.keys()].sort()) conflicts.get(id)!.iterate((path) => out.push({ manager: id, path }));
    return { conflicts: out };
  }
  for (const [id, c] of conflicts) {
    const vs = managers.get(id)!;
    managers.set(id, { ...vs, set: vs.set.difference(c) });
  }
  if (!cmp.removed.empty()) {
    for (const [id, vs] of managers) {
      if (id === workflow) continue;
      managers.set(id, { ...vs, set: vs.set.difference(cmp.removed) });
    }
  }
  for (const [id, vs] of [...managers]) if (vs.set.empty()) managers.delete(id);
  return { managers, compare: full };
}

/** Updater.Update: the manager gains what it added or changed; removed fields leave every set. */
export function updaterUpdate(ctx: UpdaterContext, live: unknown, next: unknown, managers: Managers, manager: string): Managers {
  const r = takeOwnership(ctx, live, next, new Map(managers), manager, true);
  if ('conflicts' in r) throw new Error('unexpected conflicts on update');
  const ms = r.managers;
  const prev = ms.get(manager)?.set ?? new FieldSet();
  let set = prev.union(r.compare.modified).union(r.compare.added);
  if (!r.compare.removed.empty()) set = set.difference(r.compare.removed);
  if (!ctx.ignored.empty()) set = set.recursiveDifference(ctx.ignored);
  if (set.empty()) ms.delete(manager);
  else ms.set(manager, { set, apiVersion: ctx.apiVersion, applied: false });
  return ms;
}

export type ApplyOutcome = { object: unknown | null; managers: Managers } | { conflicts: RawConflict[] };

/**
 * Updater.Apply: merge the configuration, make its field set the manager's applied set, prune what
 * it applied before and nobody owns now, then take ownership (conflicts unless forced).
 * `object` is null when the result equals the live object.
 */
export function updaterApply(
  ctx: UpdaterContext,
  live: unknown,
  config: unknown,
  managers: Managers,
  manager: string,
  force: boolean,
): ApplyOutcome {
  const ms: Managers = new Map(managers);
  let merged = merge(live, config, ctx.node);
  const last = ms.get(manager);
  const set = toFieldSet(config, ctx.node).recursiveDifference(ctx.ignored);
  ms.set(manager, { set, apiVersion: ctx.apiVersion, applied: true });
  merged = prune(ctx, merged, ms, last);
  const r = takeOwnership(ctx, live, merged, ms, manager, force);
  if ('conflicts' in r) return r;
  return { object: deepEqual(live, merged) ? null : merged, managers: r.managers };
}

/**
 * Remove the fields, list items and map entries the manager applied last time, no longer applies,
 * and that no manager (including its new configuration) claims. Equivalent to smd's prune with
 * addBackOwnedItems and addBackDanglingItems: members of last ∖ owned, removed with their subtrees.
 */
function prune(ctx: UpdaterContext, merged: unknown, managers: Managers, last: VersionedSet | undefined): unknown {
  if (!last || last.set.empty()) return merged;
  let owned = new FieldSet();
  for (const vs of managers.values()) owned = owned.union(vs.set);
  const lastSet = ensureNamedFieldsAreMembers(last.set, ctx.node);
  const toRemove = lastSet.difference(ensureNamedFieldsAreMembers(owned, ctx.node));
  if (toRemove.empty()) return merged;
  return removeItems(merged, toRemove, ctx.node) ?? {};
}
