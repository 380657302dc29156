// Escalation prevention on writes of Roles, ClusterRoles and their bindings, as upstream's
// policy-based storages do (pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/
// policybased/storage.go, pkg/registry/rbac/escalation_check.go, validation/rule.go
// ConfirmNoEscalation). A writer may grant only what they hold, unless they may `escalate` the role
// (or `bind` the role a binding refers to). Writes without a user (the in-process controllers) and
// members of system:masters are trusted (EscalationAllowed).
import type { Registry, WriteOptions } from '../../registry/registry.js';
import type { KObject, ResourceDef } from '../../resources/types.js';
import { forbidden, notFound } from '../../registry/errors.js';
import { deepEqual } from '../../registry/validation.js';
import { SYSTEM_MASTERS, type Authorizer, type UserInfo } from '../types.js';
import type { PolicyRule } from './types.js';
import { aggregateMessage, compactRules, compactString, covers, goQuoteList, goSort } from './rules.js';
import { listerErrorMessage, RBAC_GROUP, type RBACResolver, type RoleRef } from './resolver.js';

/** EscalationAllowed: no user (a trusted in-process caller) or system:masters */
export function escalationAllowed(user: UserInfo | undefined): boolean {
  return !user || (user.groups ?? []).includes(SYSTEM_MASTERS);
}

/** ConfirmNoEscalation: the error message, or undefined when the user holds every rule. */
export function confirmNoEscalation(resolver: RBACResolver, user: UserInfo, namespace: string, rules: PolicyRule[]): string | undefined {
  const owner = resolver.resolve(user, namespace);
  const { covered, missing } = covers(owner.rules, rules);
  if (covered) return undefined;
  const descriptions = goSort([...new Set(compactRules(missing).map(compactString))]);
  let msg = `user ${JSON.stringify(user.username)} (groups=${goQuoteList(user.groups ?? [])}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  // the resolution errors: a []error holding one aggregate, printed with %v; the registry's
  // resolver (storage_rbac.go AuthorizerAdapter) words a missing role as the store's NotFound
  if (owner.errors.length) msg += `; resolution errors: [${aggregateMessage(owner.errors.map(registryErrorMessage))}]`;
  return msg;
}

function registryErrorMessage(e: { kind: string; name: string }): string {
  if (e.kind === 'Role') return `roles.${RBAC_GROUP} ${JSON.stringify(e.name)} not found`;
  if (e.kind === 'ClusterRole') return `clusterroles.${RBAC_GROUP} ${JSON.stringify(e.name)} not found`;
  return listerErrorMessage(e as any);
}

/** RoleEscalationAuthorized: the `escalate` verb on the role being written */
function roleEscalationAuthorized(authorizer: Authorizer, user: UserInfo, plural: string, namespace: string, name: string): boolean {
  const d = authorizer.authorize({ user, verb: 'escalate', isResourceRequest: true, path: '', namespace, apiGroup: RBAC_GROUP, apiVersion: '*', resource: plural, subresource: '', name });
  return d.decision === 'allow';
}

/** BindingAuthorized: the `bind` verb on the role a binding refers to, in the binding's namespace */
function bindingAuthorized(authorizer: Authorizer, user: UserInfo, ref: RoleRef, namespace: string): boolean {
  const resource = ref.kind === 'ClusterRole' ? 'clusterroles' : ref.kind === 'Role' ? 'roles' : '';
  if (!resource) return false;
  const d = authorizer.authorize({ user, verb: 'bind', isResourceRequest: true, path: '', namespace, apiGroup: ref.apiGroup ?? '', apiVersion: '', resource, subresource: '', name: ref.name });
  return d.decision === 'allow';
}

/** IsOnlyMutatingGCFields: only ownerReferences and finalizers change */
function onlyGCFields(obj: KObject, old: KObject): boolean {
  const strip = (o: KObject) => {
    const { ownerReferences: _o, finalizers: _f, managedFields: _m, resourceVersion: _r, ...meta } = o.metadata ?? {};
    return { ...o, metadata: meta };
  };
  return deepEqual(strip(obj), strip(old));
}

const hasAggregationRule = (o: KObject | undefined): boolean => Array.isArray(o?.aggregationRule?.clusterRoleSelectors) && o!.aggregationRule.clusterRoleSelectors.length > 0;

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

const rulesOf = (o: KObject): PolicyRule[] => (Array.isArray(o.rules) ? o.rules.filter((r: unknown) => r && typeof r === 'object') : []);

/** Installs the checks as admission on the four kinds (after defaulting, before validation, as the policy-based storages wrap the store). */
export function installEscalationChecks(registry: Registry, resolver: RBACResolver, authorizer: Authorizer): void {
  const def = (plural: string): ResourceDef | undefined => registry.def(RBAC_GROUP, plural);
  const roles = def('roles');
  const clusterRoles = def('clusterroles');
  const roleBindings = def('rolebindings');
  const clusterRoleBindings = def('clusterrolebindings');

  const checkRole = (d: ResourceDef, clusterScoped: boolean) => (op: 'create' | 'update', obj: KObject, old: KObject | undefined, opts: WriteOptions) => {
    const user = opts.user;
    if (escalationAllowed(user)) return;
    const ns = clusterScoped ? '' : (obj.metadata?.namespace ?? '');
    const name = obj.metadata?.name ?? '';
    if (roleEscalationAuthorized(authorizer, user!, d.plural, ns, name)) return;
    if (op === 'update' && old && onlyGCFields(obj, old)) return;
    const err = confirmNoEscalation(resolver, user!, ns, rulesOf(obj));
    if (err) throw forbidden(d, name, err);
    // to set or change the aggregationRule, since it can gather anything, requires * on *.*
    if (clusterScoped && (hasAggregationRule(obj) || hasAggregationRule(old))) {
      if (confirmNoEscalation(resolver, user!, '', FULL_AUTHORITY)) throw forbidden(d, name, 'must have cluster-admin privileges to use the aggregationRule');
    }
  };

  const checkBinding = (d: ResourceDef, clusterScoped: boolean) => (op: 'create' | 'update', obj: KObject, old: KObject | undefined, opts: WriteOptions) => {
    const user = opts.user;
    if (escalationAllowed(user)) return;
    const ns = clusterScoped ? '' : (obj.metadata?.namespace ?? '');
    const name = obj.metadata?.name ?? '';
    if (op === 'update' && old && onlyGCFields(obj, old)) return;
    const rr = obj.roleRef && typeof obj.roleRef === 'object' ? obj.roleRef : {};
    const ref: RoleRef = { apiGroup: rr.apiGroup, kind: String(rr.kind ?? ''), name: String(rr.name ?? '') };
    if (bindingAuthorized(authorizer, user!, ref, ns)) return;
    // GetRoleReferenceRules through the registry: a missing role is its NotFound
    const rules = resolver.roleRefRules(ref, ns);
    if (!Array.isArray(rules)) {
      const target = rules.kind === 'Role' ? roles : rules.kind === 'ClusterRole' ? clusterRoles : undefined;
      if (target) throw notFound(target, rules.name);
      throw forbidden(d, name, `unsupported role reference kind: ${JSON.stringify(rules.kind)}`);
    }
    const err = confirmNoEscalation(resolver, user!, ns, rules);
    if (err) throw forbidden(d, name, err);
  };

  if (roles) registry.addAdmission(roles, checkRole(roles, false));
  if (clusterRoles) registry.addAdmission(clusterRoles, checkRole(clusterRoles, true));
  if (roleBindings) registry.addAdmission(roleBindings, checkBinding(roleBindings, false));
  if (clusterRoleBindings) registry.addAdmission(clusterRoleBindings, checkBinding(clusterRoleBindings, true));
}
