// The RBAC rule resolver (pkg/registry/rbac/validation/rule.go DefaultRuleResolver): the rules a
// user holds in a namespace, from the ClusterRoleBindings and the namespace's RoleBindings whose
// subjects name the user, one of their groups or their service account. Runs on every request, so
// it answers from an in-memory index kept current by registry watches (as upstream answers from
// informer listers): bindings by subject, roles by name. Work per request is O(bindings of the user).
import type { Registry } from '../../registry/registry.js';
import type { KObject } from '../../resources/types.js';
import type { UserInfo } from '../types.js';
import type { PolicyRule, RuleResolver } from './types.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
const SA_PREFIX = 'system:serviceaccount:';

export interface RoleRef {
  apiGroup?: string;
  kind: string;
  name: string;
}

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

interface Binding {
  /** '' for ClusterRoleBindings */
  namespace: string;
  name: string;
  roleRef: RoleRef;
  subjects: Subject[];
}

/** A missing role met while resolving (formatted by the caller: lister or registry wording). */
export interface ResolveError {
  kind: string;
  name: string;
  namespace: string;
}

/** The index of one binding set (the cluster's, or one namespace's). */
class BindingIndex {
  readonly byName = new Map<string, Binding>();
  private readonly byUser = new Map<string, Set<Binding>>();
  private readonly byGroup = new Map<string, Set<Binding>>();
  /** service accounts: "namespace/name" */
  private readonly bySA = new Map<string, Set<Binding>>();

  private keys(b: Binding): [Map<string, Set<Binding>>, string][] {
    const out: [Map<string, Set<Binding>>, string][] = [];
    for (const s of b.subjects) {
      if (s.kind === 'User') out.push([this.byUser, s.name]);
      else if (s.kind === 'Group') out.push([this.byGroup, s.name]);
      else if (s.kind === 'ServiceAccount') {
        const ns = s.namespace || b.namespace;
        if (ns) out.push([this.bySA, `${ns}/${s.name}`]);
      }
    }
    return out;
  }

  put(b: Binding): void {
    this.remove(b.name);
    this.byName.set(b.name, b);
    for (const [m, k] of this.keys(b)) {
      let set = m.get(k);
      if (!set) m.set(k, (set = new Set()));
      set.add(b);
    }
  }

  remove(name: string): void {
    const old = this.byName.get(name);
    if (!old) return;
    this.byName.delete(name);
    for (const [m, k] of this.keys(old)) {
      const set = m.get(k);
      if (!set) continue;
      set.delete(old);
      if (!set.size) m.delete(k);
    }
  }

  get size(): number {
    return this.byName.size;
  }

  /** The bindings whose subjects apply to the user, each once (no allocation when one subject index matches). */
  candidates(user: UserInfo, saKey: string | undefined): Iterable<Binding> {
    let first: Set<Binding> | undefined;
    let merged: Set<Binding> | undefined;
    const add = (set: Set<Binding> | undefined) => {
      if (!set) return;
      if (!first) first = set;
      else {
        merged ??= new Set(first);
        for (const b of set) merged.add(b);
      }
    };
    if (this.byUser.size) add(this.byUser.get(user.username));
    if (this.byGroup.size) for (const g of user.groups ?? []) add(this.byGroup.get(g));
    if (saKey && this.bySA.size) add(this.bySA.get(saKey));
    return merged ?? first ?? NONE;
  }
}

const NONE: Binding[] = [];

/** appliesToUser (rule.go) */
function appliesToUser(user: UserInfo, s: Subject, namespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.username === s.name;
    case 'Group':
      return (user.groups ?? []).includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || namespace;
      return !!ns && user.username === `${SA_PREFIX}${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

/** The describer of a rule's source (clusterRoleBindingDescriber / roleBindingDescriber), for "RBAC: allowed by ..." */
export function describeSource(b: Binding, user: UserInfo): string {
  const s = b.subjects.find((x) => appliesToUser(user, x, b.namespace)) ?? b.subjects[0];
  if (!b.namespace) return `ClusterRoleBinding ${JSON.stringify(b.name)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(s, '')}`;
  return `RoleBinding ${JSON.stringify(`${b.name}/${b.namespace}`)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(s, b.namespace)}`;
}

/** The lister's NotFound (client-go listers: `clusterrole.rbac.authorization.k8s.io "x" not found`), as the authorizer words it. */
export function listerErrorMessage(e: ResolveError): string {
  if (e.kind === 'Role') return `role.${RBAC_GROUP} ${JSON.stringify(e.name)} not found`;
  if (e.kind === 'ClusterRole') return `clusterrole.${RBAC_GROUP} ${JSON.stringify(e.name)} not found`;
  return `unsupported role reference kind: ${JSON.stringify(e.kind)}`;
}

function toRules(v: unknown): PolicyRule[] {
  return Array.isArray(v) ? (v.filter((r) => r && typeof r === 'object') as PolicyRule[]) : [];
}

function toBinding(obj: KObject): Binding {
  const rr = obj.roleRef && typeof obj.roleRef === 'object' ? obj.roleRef : {};
  return {
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    roleRef: { apiGroup: rr.apiGroup, kind: String(rr.kind ?? ''), name: String(rr.name ?? '') },
    subjects: Array.isArray(obj.subjects) ? obj.subjects.filter((s: unknown) => s && typeof s === 'object') : [],
  };
}

export type RuleVisitor = (source: Binding | undefined, rule: PolicyRule | undefined, err: ResolveError | undefined) => boolean;

export class RBACResolver implements RuleResolver {
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  /** "namespace/name" */
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterBindings = new BindingIndex();
  private readonly roleBindings = new Map<string, BindingIndex>();

  /** The role's rules, or undefined when it does not exist (GetRoleReferenceRules). */
  roleRefRules(ref: RoleRef, bindingNamespace: string): PolicyRule[] | ResolveError {
    if (ref.kind === 'Role') {
      const r = bindingNamespace ? this.roles.get(`${bindingNamespace}/${ref.name}`) : undefined;
      return r ?? { kind: 'Role', name: ref.name, namespace: bindingNamespace };
    }
    if (ref.kind === 'ClusterRole') return this.clusterRoles.get(ref.name) ?? { kind: 'ClusterRole', name: ref.name, namespace: '' };
    return { kind: ref.kind, name: ref.name, namespace: bindingNamespace };
  }

  /** VisitRulesFor: cluster bindings first, then the namespace's; the visitor returns false to stop. */
  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void {
    const saKey = saKeyOf(user.username);
    for (const b of this.clusterBindings.candidates(user, saKey)) {
      if (!b.subjects.some((s) => appliesToUser(user, s, ''))) continue;
      const rules = this.roleRefRules(b.roleRef, '');
      if (!Array.isArray(rules)) {
        if (!visit(undefined, undefined, rules)) return;
        continue;
      }
      for (const r of rules) if (!visit(b, r, undefined)) return;
    }
    if (!namespace) return;
    const idx = this.roleBindings.get(namespace);
    if (!idx) return;
    for (const b of idx.candidates(user, saKey)) {
      if (!b.subjects.some((s) => appliesToUser(user, s, namespace))) continue;
      const rules = this.roleRefRules(b.roleRef, namespace);
      if (!Array.isArray(rules)) {
        if (!visit(undefined, undefined, rules)) return;
        continue;
      }
      for (const r of rules) if (!visit(b, r, undefined)) return;
    }
  }

  /** Every rule and every resolution error, structured. */
  resolve(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: ResolveError[] } {
    const rules: PolicyRule[] = [];
    const errors: ResolveError[] = [];
    this.visitRulesFor(user, namespace, (_s, r, e) => {
      if (r) rules.push(r);
      if (e) errors.push(e);
      return true;
    });
    return { rules, errors };
  }

  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const r = this.resolve(user, namespace);
    return { rules: r.rules, errors: r.errors.map(listerErrorMessage) };
  }

  // ---- the index, kept from watch events ----

  putClusterRole(obj: KObject): void {
    this.clusterRoles.set(obj.metadata.name, toRules(obj.rules));
  }
  deleteClusterRole(name: string): void {
    this.clusterRoles.delete(name);
  }
  putRole(obj: KObject): void {
    this.roles.set(`${obj.metadata.namespace}/${obj.metadata.name}`, toRules(obj.rules));
  }
  deleteRole(namespace: string, name: string): void {
    this.roles.delete(`${namespace}/${name}`);
  }
  putClusterRoleBinding(obj: KObject): void {
    this.clusterBindings.put({ ...toBinding(obj), namespace: '' });
  }
  deleteClusterRoleBinding(name: string): void {
    this.clusterBindings.remove(name);
  }
  putRoleBinding(obj: KObject): void {
    const ns = obj.metadata.namespace;
    let idx = this.roleBindings.get(ns);
    if (!idx) this.roleBindings.set(ns, (idx = new BindingIndex()));
    idx.put(toBinding(obj));
  }
  deleteRoleBinding(namespace: string, name: string): void {
    const idx = this.roleBindings.get(namespace);
    if (!idx) return;
    idx.remove(name);
    if (!idx.size) this.roleBindings.delete(namespace);
  }

  /**
   * Fills the index from the registry and keeps it current with watches (synchronous delivery: a
   * write is in the index when it returns). Returns the stop function.
   */
  static fromRegistry(registry: Registry): { resolver: RBACResolver; stop: () => void } {
    const r = new RBACResolver();
    const stops: (() => void)[] = [];
    const kinds: [string, (o: KObject) => void, (o: KObject) => void][] = [
      ['clusterroles', (o) => r.putClusterRole(o), (o) => r.deleteClusterRole(o.metadata.name)],
      ['roles', (o) => r.putRole(o), (o) => r.deleteRole(o.metadata.namespace, o.metadata.name)],
      ['clusterrolebindings', (o) => r.putClusterRoleBinding(o), (o) => r.deleteClusterRoleBinding(o.metadata.name)],
      ['rolebindings', (o) => r.putRoleBinding(o), (o) => r.deleteRoleBinding(o.metadata.namespace, o.metadata.name)],
    ];
    for (const [plural, put, del] of kinds) {
      const def = registry.def(RBAC_GROUP, plural);
      if (!def) continue;
      for (const o of registry.list(def, undefined).items as KObject[]) put(o);
      stops.push(registry.watch(def, undefined, (type, o) => (type === 'DELETED' ? del(o) : put(o))));
    }
    return { resolver: r, stop: () => stops.forEach((s) => s()) };
  }
}

/** "namespace/name" of a service-account user name (serviceaccount.MatchesUsername), else undefined */
function saKeyOf(username: string): string | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const rest = username.slice(SA_PREFIX.length);
  const i = rest.indexOf(':');
  if (i <= 0 || i === rest.length - 1 || rest.indexOf(':', i + 1) >= 0) return undefined;
  return `${rest.slice(0, i)}/${rest.slice(i + 1)}`;
}
