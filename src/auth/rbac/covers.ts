// Whether a set of rules covers another (pkg/registry/rbac/validation/policy_comparator.go Covers,
// rule.go BreakdownRule): the uncovered rules are the servant's rules broken into atoms (one verb,
// one group, one resource, one name or URL each) that no owner rule grants.
import type { PolicyRule } from './types.js';

const has = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

/** BreakdownRule */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  const verbs = rule.verbs ?? [];
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? [])
      for (const verb of verbs) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], resourceNames: [name], verbs: [verb] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function resourceCovers(owner: string[], r: string): boolean {
  if (owner.includes('*') || owner.includes(r)) return true;
  const slash = r.indexOf('/');
  if (slash < 0) return false;
  // "*/scale" covers "deployments/scale"; "deployments/*" covers "deployments/scale"
  return owner.includes(`*${r.slice(slash)}`) || owner.includes(`${r.slice(0, slash)}/*`);
}

function urlCovers(owner: string[], url: string): boolean {
  return owner.some((o) => o === '*' || o === url || (o.endsWith('*') && url.startsWith(o.slice(0, -1))));
}

/** ruleCovers: does owner grant every atom of servant (an atom from breakdownRule)? */
export function ruleCovers(owner: PolicyRule, servant: PolicyRule): boolean {
  if (!(servant.verbs ?? []).every((v) => has(owner.verbs, v))) return false;
  if (servant.nonResourceURLs?.length) return !!owner.nonResourceURLs?.length && servant.nonResourceURLs.every((u) => urlCovers(owner.nonResourceURLs!, u));
  if (!owner.resources?.length) return false;
  if (!(servant.apiGroups ?? []).every((g) => has(owner.apiGroups, g))) return false;
  if (!(servant.resources ?? []).every((r) => resourceCovers(owner.resources!, r))) return false;
  if (!owner.resourceNames?.length) return true;
  return !!servant.resourceNames?.length && servant.resourceNames.every((n) => owner.resourceNames!.includes(n));
}

/** Covers: [covered, the uncovered atoms] */
export function covers(owner: PolicyRule[], servant: PolicyRule[]): [boolean, PolicyRule[]] {
  const missing: PolicyRule[] = [];
  for (const rule of servant) for (const atom of breakdownRule(rule)) if (!owner.some((o) => ruleCovers(o, atom))) missing.push(atom);
  return [missing.length === 0, missing];
}

/** A rule's identity: empty lists dropped, keys in one order (equality.Semantic.DeepEqual, where nil == empty). */
export function canonicalRule(r: PolicyRule | Record<string, any>): string {
  const o = r as Record<string, unknown>;
  let s = '';
  for (const k of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs']) {
    const v = o?.[k];
    if (Array.isArray(v) && v.length) s += `${k}=${JSON.stringify(v)};`;
  }
  return s;
}
