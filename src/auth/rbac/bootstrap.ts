// The bootstrap RBAC policy, reconciled at every start as kube-apiserver's PostStartHook
// `rbac/bootstrap-roles` does (pkg/registry/rbac/rest/storage_rbac.go, with
// component-helpers/auth/rbac/reconciliation): missing objects are created; existing ones get the
// missing labels/annotations, rules, aggregation selectors and subjects added (extra permissions
// are kept); a changed roleRef is recreated; objects annotated
// rbac.authorization.kubernetes.io/autoupdate=false are left alone. Unchanged objects are not
// written, so a start with an existing data dir costs only the lookups.
import type { Logger } from 'pino';
import type { Registry } from '../../registry/registry.js';
import type { KObject, ResourceDef } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { canonicalRule, covers } from './rules.js';
import type { PolicyRule } from './types.js';
import { AUTOUPDATE, RBAC_GROUP, bindingObject, roleObject, type BindingSpec, type RoleSpec } from './bootstrap/spec.js';
import { CLUSTER_ROLES, CLUSTER_ROLE_BINDINGS } from './bootstrap/clusterroles.js';
import { CONTROLLER_ROLES, CONTROLLER_ROLE_BINDINGS } from './bootstrap/controllerroles.js';
import { NAMESPACE_ROLES, NAMESPACE_ROLE_BINDINGS } from './bootstrap/namespaced.js';

const FIELD_MANAGER = 'kube-apiserver';

/** Every bootstrap ClusterRole (policy.go ClusterRoles + controller_policy.go ControllerRoles). */
export function bootstrapClusterRoles(): KObject[] {
  return [...CLUSTER_ROLES, ...CONTROLLER_ROLES].map(roleObject);
}
export function bootstrapClusterRoleBindings(): KObject[] {
  return [...CLUSTER_ROLE_BINDINGS, ...CONTROLLER_ROLE_BINDINGS].map(bindingObject);
}
export function bootstrapRoles(): KObject[] {
  return NAMESPACE_ROLES.map(roleObject);
}
export function bootstrapRoleBindings(): KObject[] {
  return NAMESPACE_ROLE_BINDINGS.map(bindingObject);
}

type Merge = { changed: boolean };

/** merge(expected, existing): the existing values win, missing keys are added */
function mergeMap(obj: KObject, field: 'labels' | 'annotations', expected: Record<string, string> | undefined, m: Merge): void {
  if (!expected) return;
  const cur: Record<string, string> = obj.metadata[field] ?? {};
  for (const [k, v] of Object.entries(expected)) {
    if (k in cur) continue;
    cur[k] = v;
    m.changed = true;
  }
  if (Object.keys(cur).length) obj.metadata[field] = cur;
}

const isProtected = (o: KObject) => o.metadata?.annotations?.[AUTOUPDATE] === 'false';
const canon = (v: unknown) => JSON.stringify(v);

/** computeReconciledRole (removeExtraPermissions=false): the object to write, or undefined when nothing changes */
export function reconcileRole(existing: KObject, expected: KObject): KObject | undefined {
  if (isProtected(existing)) return undefined;
  if (roleUnchanged(existing, expected)) return undefined;
  const out: KObject = structuredClone(existing);
  out.metadata ??= {};
  const m: Merge = { changed: false };
  mergeMap(out, 'labels', expected.metadata.labels, m);
  mergeMap(out, 'annotations', expected.metadata.annotations, m);
  const { missing } = covers((out.rules ?? []) as PolicyRule[], (expected.rules ?? []) as PolicyRule[]);
  if (missing.length) {
    out.rules = [...(out.rules ?? []), ...missing];
    m.changed = true;
  }
  const want = expected.aggregationRule?.clusterRoleSelectors as unknown[] | undefined;
  if (want?.length) {
    const have: unknown[] = out.aggregationRule?.clusterRoleSelectors ?? [];
    const known = new Set(have.map(canon));
    const add = want.filter((s) => !known.has(canon(s)));
    if (add.length) {
      out.aggregationRule = { ...(out.aggregationRule ?? {}), clusterRoleSelectors: [...have, ...add] };
      m.changed = true;
    }
  }
  return m.changed ? out : undefined;
}

function hasAll(cur: Record<string, string> | undefined, want: Record<string, string> | undefined): boolean {
  if (!want) return true;
  for (const k in want) if (!cur || !(k in cur)) return false;
  return true;
}

/** the fast path of a start with an existing data dir: the stored object still holds the expected one as written */
function metaUnchanged(existing: KObject, expected: KObject): boolean {
  return hasAll(existing.metadata?.labels, expected.metadata.labels) && hasAll(existing.metadata?.annotations, expected.metadata.annotations);
}

function roleUnchanged(existing: KObject, expected: KObject): boolean {
  if (!metaUnchanged(existing, expected)) return false;
  if (expected.aggregationRule && canon(existing.aggregationRule) !== canon(expected.aggregationRule)) return false;
  const want: KObject[] = expected.rules ?? [];
  if (!want.length) return true;
  const have: KObject[] = existing.rules ?? [];
  // the expected rules, in order, at the start of the stored ones (a user's rules come after)
  if (have.length < want.length) return false;
  for (let i = 0; i < want.length; i++) if (canonicalRule(have[i]) !== canonicalRule(want[i])) return false;
  return true;
}

const subjectKey = (s: KObject) => `${s.kind}\u0000${s.apiGroup ?? ''}\u0000${s.name}\u0000${s.namespace ?? ''}`;

/**
 * computeReconciledRoleBinding (removeExtraSubjects=false): 'recreate' when the roleRef differs,
 * the object to write, or undefined when nothing changes.
 */
export function reconcileBinding(existing: KObject, expected: KObject): KObject | 'recreate' | undefined {
  if (isProtected(existing)) return undefined;
  const ref = existing.roleRef ?? {};
  if (ref.name !== expected.roleRef.name || ref.kind !== expected.roleRef.kind || (ref.apiGroup ?? '') !== expected.roleRef.apiGroup) return 'recreate';
  const want: KObject[] = expected.subjects ?? [];
  const cur: KObject[] = existing.subjects ?? [];
  if (metaUnchanged(existing, expected) && cur.length >= want.length && want.every((s, i) => subjectKey(s) === subjectKey(cur[i]))) return undefined;
  const out: KObject = structuredClone(existing);
  out.metadata ??= {};
  const m: Merge = { changed: false };
  mergeMap(out, 'labels', expected.metadata.labels, m);
  mergeMap(out, 'annotations', expected.metadata.annotations, m);
  const have: KObject[] = out.subjects ?? [];
  const keys = new Set(have.map(subjectKey));
  const add = ((expected.subjects ?? []) as KObject[]).filter((s) => !keys.has(subjectKey(s)));
  if (add.length) {
    out.subjects = [...have, ...add];
    m.changed = true;
  }
  return m.changed ? out : undefined;
}

function ignoreConflict(err: unknown): void {
  if (!(err instanceof StatusError && (err.code === 409 || err.code === 404))) throw err;
}

function reconcileAll(registry: Registry, def: ResourceDef, expected: KObject[], binding: boolean, logger?: Logger): void {
  for (const want of expected) {
    const ns = want.metadata.namespace ?? '';
    const name = want.metadata.name;
    try {
      const have = registry.tryGet(def, ns, name);
      if (!have) {
        registry.create(def, ns, want, { fieldManager: FIELD_MANAGER });
        continue;
      }
      const r = binding ? reconcileBinding(have, want) : reconcileRole(have, want);
      if (!r) continue;
      if (r === 'recreate') {
        registry.delete(def, ns, name);
        registry.create(def, ns, want, { fieldManager: FIELD_MANAGER });
      } else registry.update(def, ns, name, r, { fieldManager: FIELD_MANAGER });
      logger?.info({ kind: want.kind, namespace: ns || undefined, name }, 'updated bootstrap RBAC object');
    } catch (err) {
      ignoreConflict(err);
    }
  }
}

/**
 * Ensures the bootstrap policy (storage_rbac.go PolicyData.EnsureRBACPolicy). A no-op until the
 * RBAC kinds are served.
 */
export function ensureBootstrapPolicy(registry: Registry, logger?: Logger): void {
  const cr = registry.def(RBAC_GROUP, 'clusterroles');
  const crb = registry.def(RBAC_GROUP, 'clusterrolebindings');
  const role = registry.def(RBAC_GROUP, 'roles');
  const rb = registry.def(RBAC_GROUP, 'rolebindings');
  if (cr) reconcileAll(registry, cr, bootstrapClusterRoles(), false, logger);
  if (crb) reconcileAll(registry, crb, bootstrapClusterRoleBindings(), true, logger);
  if (role) reconcileAll(registry, role, bootstrapRoles(), false, logger);
  if (rb) reconcileAll(registry, rb, bootstrapRoleBindings(), true, logger);
}

export type { RoleSpec, BindingSpec };
