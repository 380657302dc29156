// The compact form the bootstrap policy is written in, and its expansion into rbac/v1 objects.
import type { PolicyRule } from '../types.js';

export interface RoleSpec {
  name: string;
  /** Roles only */
  namespace?: string;
  /** `verbs|apiGroups|resources[|resourceNames]` or `verbs|@nonResourceURLs` */
  rules: string[];
  labels?: Record<string, string>;
  /** an aggregated ClusterRole: the label its aggregationRule selects (value "true") */
  aggregate?: string;
}

export interface BindingSpec {
  name: string;
  namespace?: string;
  /** the ClusterRole (for ClusterRoleBindings) or Role (for RoleBindings) bound */
  role: string;
  /** `User:name`, `Group:name`, `ServiceAccount:namespace/name` */
  subjects: string[];
}

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
export const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

const list = (s: string) => s.split(',');

export function parseRule(s: string): PolicyRule {
  const [verbs, groups, resources, names] = s.split('|');
  if (groups.startsWith('@')) return { nonResourceURLs: list(groups.slice(1)), verbs: list(verbs) };
  const r: PolicyRule = { apiGroups: list(groups), resources: list(resources), verbs: list(verbs) };
  if (names) return { apiGroups: r.apiGroups, resourceNames: list(names), resources: r.resources, verbs: r.verbs };
  return r;
}

export function parseSubject(s: string): Record<string, string> {
  const i = s.indexOf(':');
  const kind = s.slice(0, i);
  const rest = s.slice(i + 1);
  if (kind === 'ServiceAccount') {
    const [namespace, name] = rest.split('/');
    return { kind, name, namespace };
  }
  return { apiGroup: RBAC_GROUP, kind, name: rest };
}

function meta(spec: { name: string; namespace?: string; labels?: Record<string, string> }): Record<string, any> {
  const m: Record<string, any> = { name: spec.name };
  if (spec.namespace) m.namespace = spec.namespace;
  m.labels = { ...BOOTSTRAP_LABELS, ...spec.labels };
  m.annotations = { [AUTOUPDATE]: 'true' };
  return m;
}

export function roleObject(spec: RoleSpec): Record<string, any> {
  const kind = spec.namespace ? 'Role' : 'ClusterRole';
  const o: Record<string, any> = { apiVersion: `${RBAC_GROUP}/v1`, kind, metadata: meta(spec) };
  if (spec.aggregate) o.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [spec.aggregate]: 'true' } }] };
  o.rules = spec.rules.map(parseRule);
  return o;
}

export function bindingObject(spec: BindingSpec): Record<string, any> {
  const kind = spec.namespace ? 'RoleBinding' : 'ClusterRoleBinding';
  const o: Record<string, any> = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind,
    metadata: meta(spec),
    roleRef: { apiGroup: RBAC_GROUP, kind: spec.namespace ? 'Role' : 'ClusterRole', name: spec.role },
  };
  if (spec.subjects.length) o.subjects = spec.subjects.map(parseSubject);
  return o;
}
