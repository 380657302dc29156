// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding:
// pkg/apis/rbac/validation/validation.go, pkg/apis/rbac/v1/defaults.go, the strategies in
// pkg/registry/rbac/*/strategy.go (AllowCreateOnUpdate, unconditional updates), the printers of
// pkg/printers/internalversion/printers.go (bindings; roles use the default Name / Created At).
// Escalation prevention (the policy-based storages) is admission installed by src/auth/rbac.
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { invalid, notSupported, required } from '../../registry/validation.js';
import { isDNS1123Subdomain } from '../../registry/validation.js';
import { validateLabelSelector } from '../labelselector.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from '../../printers/format.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const strs = (v: unknown): string[] => list(v).filter((x) => typeof x === 'string');

/** ValidateRBACName: path.IsValidPathSegmentName */
export function validateRBACName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const out: string[] = [];
  if (name.includes('/')) out.push("may not contain '/'");
  if (name.includes('%')) out.push("may not contain '%'");
  return out;
}

/** ValidatePolicyRule */
export function validatePolicyRule(rule: KObject, namespaced: boolean, p: string): Cause[] {
  const errs: Cause[] = [];
  if (!isObj(rule)) rule = {};
  if (!strs(rule.verbs).length && !list(rule.verbs).length) errs.push(required(`${p}.verbs`, 'verbs must contain at least one value'));
  const urls = list(rule.nonResourceURLs);
  if (urls.length) {
    if (namespaced) errs.push(invalid(`${p}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (list(rule.apiGroups).length || list(rule.resources).length || list(rule.resourceNames).length)
      errs.push(invalid(`${p}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    return errs;
  }
  if (!list(rule.apiGroups).length) errs.push(required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
  if (!list(rule.resources).length) errs.push(required(`${p}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(obj: KObject, namespaced: boolean): Cause[] {
  return list(obj.rules).flatMap((r, i) => validatePolicyRule(r, namespaced, `rules[${i}]`));
}

/** ValidateClusterRole's aggregationRule */
function validateAggregationRule(obj: KObject): Cause[] {
  const ar = obj.aggregationRule;
  if (ar === undefined || ar === null) return [];
  const sels = list(isObj(ar) ? ar.clusterRoleSelectors : undefined);
  if (!sels.length) return [required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil')];
  return sels.flatMap((s, i) => validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`));
}

/** Go's %#v-free rendering of a RoleRef in `Invalid value: ...` (field.Invalid of a struct prints it as JSON-ish) */
function roleRefValue(rr: KObject): unknown {
  return { apiGroup: rr.apiGroup ?? '', kind: rr.kind ?? '', name: rr.name ?? '' };
}

/** ValidateRoleBindingSubject */
function validateSubject(s: KObject, namespaced: boolean, p: string): Cause[] {
  const errs: Cause[] = [];
  if (!isObj(s)) s = {};
  const name = typeof s.name === 'string' ? s.name : '';
  if (!name) errs.push(required(`${p}.name`));
  const apiGroup = s.apiGroup ?? '';
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) for (const m of isDNS1123Subdomain(name)) errs.push(invalid(`${p}.name`, name, m));
      if (apiGroup) errs.push(notSupported(`${p}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(`${p}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(`${p}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${p}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** ValidateRoleBinding / ValidateClusterRoleBinding (without the metadata) */
export function validateBinding(obj: KObject, namespaced: boolean): Cause[] {
  const errs: Cause[] = [];
  const rr: KObject = isObj(obj.roleRef) ? obj.roleRef : {};
  if ((rr.apiGroup ?? '') !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', rr.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(rr.kind)) errs.push(notSupported('roleRef.kind', rr.kind ?? '', kinds));
  if (!rr.name) errs.push(required('roleRef.name'));
  else for (const m of validateRBACName(String(rr.name))) errs.push(invalid('roleRef.name', rr.name, m));
  list(obj.subjects).forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  return errs;
}

/** the roleRef may not change (ValidateRoleBindingUpdate) */
function validateBindingUpdate(obj: KObject, old: KObject): Cause[] {
  const a = roleRefValue(isObj(obj.roleRef) ? obj.roleRef : {}) as KObject;
  const b = roleRefValue(isObj(old.roleRef) ? old.roleRef : {}) as KObject;
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  return [{ reason: 'FieldValueInvalid', message: `Invalid value: ${goStruct(a)}: cannot change roleRef`, field: 'roleRef' }];
}

/** field.Invalid's fallback for a struct value: %#v of the internal rbac.RoleRef */
function goStruct(rr: KObject): string {
  return `rbac.RoleRef{APIGroup:${JSON.stringify(String(rr.apiGroup))}, Kind:${JSON.stringify(String(rr.kind))}, Name:${JSON.stringify(String(rr.name))}}`;
}

/** SetDefaults_RoleBinding / SetDefaults_ClusterRoleBinding / SetDefaults_Subject */
function defaultBinding(obj: KObject): void {
  if (obj.roleRef === undefined || obj.roleRef === null) obj.roleRef = { apiGroup: '', kind: '', name: '' };
  if (isObj(obj.roleRef) && !obj.roleRef.apiGroup) obj.roleRef.apiGroup = RBAC_GROUP;
  for (const s of list(obj.subjects)) {
    if (!isObj(s) || s.apiGroup) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}

/** rules is a non-omitempty list: an empty one renders as null */
function defaultRules(obj: KObject): void {
  if (obj.rules === undefined) obj.rules = null;
}

/** SubjectsStrings: users, groups, service accounts (namespace/name) */
export function subjectsStrings(subjects: unknown): { users: string[]; groups: string[]; sas: string[] } {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of list(subjects)) {
    if (!isObj(s)) continue;
    if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name ?? ''}`);
    else if (s.kind === 'User') users.push(s.name ?? '');
    else if (s.kind === 'Group') groups.push(s.name ?? '');
  }
  return { users, groups, sas };
}

function bindingPrinter(what: string, roleRefDoc: string): TablePrinter {
  return {
    columns: [
      NAME_COLUMN,
      col('Role', roleRefDoc),
      AGE_COLUMN,
      col('Users', `Users in the ${what}`, { priority: 1 }),
      col('Groups', `Groups in the ${what}`, { priority: 1 }),
      col('ServiceAccounts', `ServiceAccounts in the ${what}`, { priority: 1 }),
    ],
    row(b, now) {
      const rr = isObj(b.roleRef) ? b.roleRef : {};
      const s = subjectsStrings(b.subjects);
      return [b.metadata?.name ?? '', `${rr.kind ?? ''}/${rr.name ?? ''}`, age(b, now), s.users.join(', '), s.groups.join(', '), s.sas.join(', ')];
    },
  };
}

export const roleBindingPrinter = bindingPrinter(
  'roleBinding',
  'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
);
export const clusterRoleBindingPrinter = bindingPrinter(
  'clusterRoleBinding',
  'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
);

const base = {
  group: RBAC_GROUP,
  version: 'v1',
  verbs: VERBS,
  subresources: [],
  validateName: validateRBACName,
  // the strategies: AllowCreateOnUpdate true, AllowUnconditionalUpdate true
  allowCreateOnUpdate: true,
};

export const roleDef: ResourceDef = {
  ...base,
  kind: 'Role',
  listKind: 'RoleList',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  definition: 'io.k8s.api.rbac.v1.Role',
  defaults: defaultRules,
  validate: (obj) => validateRules(obj, true),
  valueFields: { 'io.k8s.api.rbac.v1.Role': { nulls: ['rules'] } },
};

export const clusterRoleDef: ResourceDef = {
  ...base,
  kind: 'ClusterRole',
  listKind: 'ClusterRoleList',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  definition: 'io.k8s.api.rbac.v1.ClusterRole',
  defaults: defaultRules,
  validate: (obj) => [...validateRules(obj, false), ...validateAggregationRule(obj)],
  valueFields: { 'io.k8s.api.rbac.v1.ClusterRole': { nulls: ['rules'] } },
};

export const roleBindingDef: ResourceDef = {
  ...base,
  kind: 'RoleBinding',
  listKind: 'RoleBindingList',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  definition: 'io.k8s.api.rbac.v1.RoleBinding',
  table: roleBindingPrinter,
  defaults: defaultBinding,
  validate: (obj) => validateBinding(obj, true),
  validateUpdate: validateBindingUpdate,
  valueFields: { 'io.k8s.api.rbac.v1.RoleBinding': { structs: ['roleRef'] } },
};

export const clusterRoleBindingDef: ResourceDef = {
  ...base,
  kind: 'ClusterRoleBinding',
  listKind: 'ClusterRoleBindingList',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  definition: 'io.k8s.api.rbac.v1.ClusterRoleBinding',
  table: clusterRoleBindingPrinter,
  defaults: defaultBinding,
  validate: (obj) => validateBinding(obj, false),
  validateUpdate: validateBindingUpdate,
  valueFields: { 'io.k8s.api.rbac.v1.ClusterRoleBinding': { structs: ['roleRef'] } },
};

/** In upstream's discovery order (alphabetical by resource). */
export const rbacDefs: ResourceDef[] = [clusterRoleBindingDef, clusterRoleDef, roleBindingDef, roleDef];
