// ValidatingAdmissionPolicy: the admission plugin that evaluates policies through their bindings
// (staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating/{plugin.go,dispatcher.go,
// validator.go}, policy/generic (policy source: bindings by policy), policy/matching/matching.go,
// plugin/cel (filter, composition: variables), apiserver/pkg/cel/library/authz.go).
// Policies and bindings are re-read when one changes and their expressions compiled once per
// policy generation; handles() is a lookup of the resources the policies name.
import type { Logger } from 'pino';
import type { Registry } from '../../registry/registry.js';
import type { KObject, ResourceDef } from '../../resources/types.js';
import { qualifiedResource } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { labelSelectorMatches } from '../../resources/labelselector.js';
import { alwaysAllow, type Authorizer } from '../../auth/types.js';
import type { AdmissionAttributes, AdmissionChain, AdmissionResult, ValidatingAdmitter } from '../types.js';
import type * as Compile from './compile.js';
import { loadPolicySupport } from './load.js';
import type { KindInfo, KindLookup } from './typecheck.js';

let typecheck: Promise<typeof import('./typecheck.js')> | undefined;

type Cheap = Pick<AdmissionAttributes, 'operation' | 'resource' | 'subresource'>;
type Program = Compile.Program;
type Compiled = { program: Program } | { error: string };

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One policy with its expressions compiled (for one generation). */
interface CompiledPolicy {
  name: string;
  generation: number;
  spec: KObject;
  failPolicy: 'Fail' | 'Ignore';
  matchConditions: { name: string; c: Compiled }[];
  variables: { name: string; c: Compiled }[];
  validations: { v: KObject; c: Compiled; msg?: Compiled }[];
  audits: { key: string; src: string; c: Compiled }[];
}

interface Pair {
  policy: CompiledPolicy;
  binding: KObject;
}

/** dispatcher.go: the audit annotation of a failed validation whose binding audits */
export const VALIDATION_FAILURE_KEY = 'validation.policy.admission.k8s.io/validation_failure';
const MAX_AUDIT_VALUE = 10 * 1024;

interface EvalEnv {
  a: AdmissionAttributes;
  request: KObject;
  ns: KObject | undefined;
  authz: unknown;
  budget: Compile.Budget;
  decide(message: string, reason: string, index?: number): void;
  deny(message: string): void;
  collected: Map<string, string[]>;
}

const CODES: Record<string, number> = { Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413, Unauthorized: 401 };

export interface PolicyAdmissionOptions {
  registry: Registry;
  /** the server's authorizer, for the `authorizer` variable (AlwaysAllow when unset) */
  authorizer?: () => Authorizer;
  logger?: Logger;
  /** CEL cost limits (tests): the per-expression limit and each evaluation's budget */
  celCost?: { perCall?: number; budget?: number };
}

// --- matching (policy/matching/matching.go, webhook predicates/rules) --------------------------

const has = (list: unknown, v: string) => Array.isArray(list) && (list.includes('*') || list.includes(v));

function ruleMatches(rule: KObject, op: string, group: string, version: string | undefined, resource: string, sub: string, name: string, namespaced?: boolean): boolean {
  if (!has(rule.operations, op) || !has(rule.apiGroups, group)) return false;
  if (version !== undefined && !has(rule.apiVersions, version)) return false;
  const resOk = Array.isArray(rule.resources) && rule.resources.some((r: unknown) => {
    const s = String(r);
    const i = s.indexOf('/');
    const [res, sr] = i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
    return (res === '*' || res === resource) && (sr === '*' || sr === sub);
  });
  if (!resOk) return false;
  if (Array.isArray(rule.resourceNames) && rule.resourceNames.length && !rule.resourceNames.includes(name)) return false;
  if (namespaced === undefined) return true;
  switch (rule.scope ?? '*') {
    case 'Cluster': return !namespaced;
    case 'Namespaced': return namespaced;
    default: return true;
  }
}

const rulesOf = (m: KObject | undefined, k: 'resourceRules' | 'excludeResourceRules'): KObject[] => (isObj(m) && Array.isArray(m[k]) ? m[k].filter(isObj) : []);

/** IsExemptAdmissionConfigurationResource */
function exempt(group: string, resource: string): boolean {
  return group === 'admissionregistration.k8s.io' && /^(validating|mutating)(webhookconfigurations|admissionpolicies|admissionpolicybindings)$/.test(resource);
}

function selectorMatches(sel: unknown, labels: Record<string, string> | undefined): boolean {
  if (sel === undefined || sel === null || (isObj(sel) && !Object.keys(sel).length)) return true;
  return labelSelectorMatches(sel, labels ?? {});
}

export class PolicyAdmission implements ValidatingAdmitter {
  readonly name = 'ValidatingAdmissionPolicy';
  private pairs: Pair[] | undefined;
  /** group/resource -> whether some policy's rules name it (cheap handles()) */
  private named: Set<string> | undefined;
  private compiled = new Map<string, CompiledPolicy>();
  private policyDef: ResourceDef | undefined;
  private bindingDef: ResourceDef | undefined;
  private mod: typeof Compile | undefined;

  constructor(private opts: PolicyAdmissionOptions) {
    const reg = opts.registry;
    this.policyDef = reg.def('admissionregistration.k8s.io', 'validatingadmissionpolicies');
    this.bindingDef = reg.def('admissionregistration.k8s.io', 'validatingadmissionpolicybindings');
    const reset = () => {
      this.pairs = undefined;
      this.named = undefined;
    };
    if (this.policyDef)
      reg.watch(this.policyDef, undefined, (type, obj) => {
        reset();
        if (type !== 'DELETED') this.syncStatus(obj);
      });
    if (this.bindingDef) reg.watch(this.bindingDef, undefined, reset);
  }

  /**
   * The policy status controller (pkg/controller/validatingadmissionpolicystatus, run asynchronously
   * as upstream's): observedGeneration and typeChecking, the expressions type-checked against the
   * kinds the policy matches (./typecheck.ts).
   */
  private syncStatus(obj: KObject): void {
    const gen = obj.metadata?.generation;
    if (typeof gen !== 'number' || (obj.status?.observedGeneration === gen && isObj(obj.status?.typeChecking))) return;
    const name = String(obj.metadata?.name ?? '');
    setImmediate(() => {
      void this.writeStatus(name, gen);
    });
  }

  private async writeStatus(name: string, gen: number): Promise<void> {
    const def = this.policyDef!;
    try {
      await loadPolicySupport();
      const tc = await (typecheck ??= import('./typecheck.js'));
      const cur = this.opts.registry.tryGet(def, '', name);
      if (!cur || cur.metadata?.generation !== gen) return;
      let warnings: { fieldRef: string; warning: string }[] = [];
      try {
        warnings = tc.checkPolicy(cur, this.kindLookup());
      } catch (e) {
        // type checking never changes what the policy does
        this.opts.logger?.debug({ policy: name, err: (e as Error)?.message }, 'policy type checking failed');
      }
      const again = this.opts.registry.tryGet(def, '', name);
      if (!again || again.metadata?.generation !== gen) return;
      const typeChecking = warnings.length ? { expressionWarnings: warnings } : {};
      const next = { ...again, status: { ...(isObj(again.status) ? again.status : {}), observedGeneration: gen, typeChecking } };
      this.opts.registry.update(def, '', name, next, { subresource: 'status', fieldManager: 'validatingadmissionpolicy-status-controller' });
    } catch (e) {
      this.opts.logger?.debug({ policy: name, err: (e as Error)?.message }, 'policy status not updated');
    }
  }

  /** The kind registry as the type checker reads it (RESTMapper KindsFor, the schema resolver). */
  private kindLookup(): KindLookup {
    const reg = this.opts.registry;
    const info = (d: ResourceDef): KindInfo => ({ group: d.group, version: d.version, kind: d.kind, definition: d.definition });
    return {
      kindsFor: (group, version, resource) => reg.allDefs().filter((d) => d.group === group && d.version === version && d.plural === resource).map(info),
      kindInfo: (group, version, kind) => {
        const d = reg.allDefs().find((x) => x.group === group && x.version === version && x.kind === kind);
        return d ? info(d) : undefined;
      },
    };
  }

  private list(def: ResourceDef | undefined): KObject[] {
    if (!def) return [];
    const items = this.opts.registry.listEntries(def, undefined).entries.map((e) => JSON.parse(e.json) as KObject);
    return items.sort((a, b) => (a.metadata?.name < b.metadata?.name ? -1 : a.metadata?.name > b.metadata?.name ? 1 : 0));
  }

  /** Which resources any bound policy names (policies without bindings do nothing). */
  private namedResources(): Set<string> {
    if (this.named) return this.named;
    const out = new Set<string>();
    const bound = new Set(this.list(this.bindingDef).map((b) => String(b.spec?.policyName ?? '')));
    for (const p of this.list(this.policyDef)) {
      if (!bound.has(String(p.metadata?.name ?? ''))) continue;
      for (const r of rulesOf(p.spec?.matchConstraints, 'resourceRules')) {
        const groups: string[] = Array.isArray(r.apiGroups) ? r.apiGroups.map(String) : [];
        const resources: string[] = Array.isArray(r.resources) ? r.resources.map((x: unknown) => String(x).split('/')[0]) : [];
        for (const g of groups) for (const res of resources) out.add(`${g}/${res}`);
      }
    }
    return (this.named = out);
  }

  handles(a: Cheap): boolean {
    if (!this.policyDef || exempt(a.resource.group, a.resource.resource)) return false;
    const n = this.namedResources();
    if (!n.size) return false;
    const g = a.resource.group;
    const r = a.resource.resource;
    return n.has(`${g}/${r}`) || n.has(`*/${r}`) || n.has(`${g}/*`) || n.has('*/*');
  }

  private compile(p: KObject, m: typeof Compile): CompiledPolicy {
    const name = String(p.metadata?.name ?? '');
    const generation = Number(p.metadata?.generation ?? 0);
    const hit = this.compiled.get(name);
    if (hit && hit.generation === generation && hit.spec === p.spec) return hit;
    if (hit && hit.generation === generation && JSON.stringify(hit.spec) === JSON.stringify(p.spec)) return hit;
    const spec: KObject = isObj(p.spec) ? p.spec : {};
    const c = (src: unknown): Compiled => m.compile(String(src ?? ''));
    const cp: CompiledPolicy = {
      name,
      generation,
      spec,
      failPolicy: spec.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
      matchConditions: (Array.isArray(spec.matchConditions) ? spec.matchConditions : []).filter(isObj).map((mc: KObject) => ({ name: String(mc.name ?? ''), c: c(mc.expression) })),
      variables: (Array.isArray(spec.variables) ? spec.variables : []).filter(isObj).map((v: KObject) => ({ name: String(v.name ?? ''), c: c(v.expression) })),
      validations: (Array.isArray(spec.validations) ? spec.validations : []).filter(isObj).map((v: KObject) => ({
        v,
        c: c(v.expression),
        msg: typeof v.messageExpression === 'string' && v.messageExpression ? c(v.messageExpression) : undefined,
      })),
      audits: (Array.isArray(spec.auditAnnotations) ? spec.auditAnnotations : []).filter(isObj).map((a: KObject) => ({ key: String(a.key ?? ''), src: String(a.valueExpression ?? ''), c: c(a.valueExpression) })),
    };
    this.compiled.set(name, cp);
    return cp;
  }

  private allPairs(m: typeof Compile): Pair[] {
    if (this.pairs) return this.pairs;
    const policies = new Map<string, CompiledPolicy>();
    const live = new Set<string>();
    for (const p of this.list(this.policyDef)) {
      const cp = this.compile(p, m);
      policies.set(cp.name, cp);
      live.add(cp.name);
    }
    for (const k of [...this.compiled.keys()]) if (!live.has(k)) this.compiled.delete(k);
    const out: Pair[] = [];
    for (const b of this.list(this.bindingDef)) {
      const p = policies.get(String(b.spec?.policyName ?? ''));
      if (p) out.push({ policy: p, binding: b });
    }
    return (this.pairs = out);
  }

  private namespaceLabels(a: AdmissionAttributes): { labels?: Record<string, string>; ns?: KObject } {
    if (a.resource.group === '' && a.resource.resource === 'namespaces') {
      const o = a.object ?? a.oldObject;
      return { labels: o?.metadata?.labels ?? {}, ns: o };
    }
    if (!a.def.namespaced || !a.namespace) return {};
    const nsDef = this.opts.registry.def('', 'namespaces');
    const ns = nsDef ? this.opts.registry.tryGet(nsDef, '', a.namespace) : undefined;
    return { labels: ns?.metadata?.labels ?? {}, ns };
  }

  /** matching.go MatchesResource: selectors, then rules (exact, or an equivalent version), minus exclusions. */
  private matchesResources(m: KObject | undefined, a: AdmissionAttributes, nsLabels: Record<string, string> | undefined, requireRules: boolean): boolean {
    if (!isObj(m)) return !requireRules;
    if (nsLabels !== undefined && !selectorMatches(m.namespaceSelector, nsLabels)) return false;
    const objOk = selectorMatches(m.objectSelector, a.object?.metadata?.labels) || (!!a.oldObject && selectorMatches(m.objectSelector, a.oldObject.metadata?.labels));
    if (!objOk) return false;
    const namespaced = a.def.namespaced && !(a.resource.group === '' && a.resource.resource === 'namespaces');
    const name = a.name;
    const match = (rules: KObject[]) => {
      if (rules.some((r) => ruleMatches(r, a.operation, a.resource.group, a.resource.version, a.resource.resource, a.subresource, name, namespaced))) return true;
      if ((m.matchPolicy ?? 'Equivalent') !== 'Equivalent') return false;
      for (const d of this.opts.registry.allDefs()) {
        if (d.group !== a.resource.group || d.plural !== a.resource.resource || d.version === a.resource.version) continue;
        if (rules.some((r) => ruleMatches(r, a.operation, d.group, d.version, d.plural, a.subresource, name, namespaced))) return true;
      }
      return false;
    };
    const rules = rulesOf(m, 'resourceRules');
    if (rules.length ? !match(rules) : requireRules) return false;
    const ex = rulesOf(m, 'excludeResourceRules');
    if (ex.length && match(ex)) return false;
    return true;
  }

  /** The params of a binding: [] when none found; [null] when the policy has no paramKind. Throws Error(message) for configuration errors. */
  private params(p: CompiledPolicy, b: KObject, a: AdmissionAttributes): (KObject | null)[] | 'allow' {
    const pk = p.spec.paramKind;
    if (!isObj(pk)) return [null];
    const pr = b.spec?.paramRef;
    if (!isObj(pr)) throw new Error(`paramKind ${JSON.stringify(`${pk.apiVersion}, Kind=${pk.kind}`)} is set but binding has no paramRef`);
    const av = String(pk.apiVersion ?? '');
    const [group, version] = av.includes('/') ? av.split('/') : ['', av];
    const def = this.opts.registry.allDefs().find((d) => d.group === group && d.version === version && d.kind === pk.kind);
    if (!def) throw new Error(`failed to find resource referenced by paramKind: '${group ? `${group}/${version}` : version}, Kind=${pk.kind}'`);
    let ns = '';
    if (def.namespaced) {
      ns = typeof pr.namespace === 'string' && pr.namespace ? pr.namespace : a.namespace;
      if (!ns) throw new Error('cannot use namespaced paramRef in policy binding that matches cluster-scoped resources');
    }
    let found: KObject[];
    if (pr.name) {
      const o = this.opts.registry.tryGet(def, ns, String(pr.name));
      found = o ? [o] : [];
    } else {
      found = this.opts.registry.listEntries(def, def.namespaced ? ns : undefined).entries.map((e) => JSON.parse(e.json) as KObject).filter((o) => labelSelectorMatches(pr.selector, o.metadata?.labels ?? {}));
    }
    if (!found.length) {
      if (pr.parameterNotFoundAction === 'Deny') throw new Error('no params found for policy binding with `Deny` parameterNotFoundAction');
      return 'allow';
    }
    return found;
  }

  async validate(a: AdmissionAttributes): Promise<AdmissionResult> {
    const m = (this.mod ??= await loadPolicySupport());
    const pairs = this.allPairs(m);
    const warnings: string[] = [];
    const auditAnnotations: Record<string, string> = {};
    const { labels: nsLabels, ns } = this.namespaceLabels(a);
    const request = requestVar(a);
    const authz = new m.AuthzAuthorizer(this.opts.authorizer?.() ?? alwaysAllow, a.user);
    let denied: { p: string; b: string; message: string; reason: string } | undefined;
    let validationFailure: string | undefined;

    for (const { policy: p, binding: b } of pairs) {
      if (denied) break;
      if (!this.matchesResources(p.spec.matchConstraints, a, nsLabels, true)) continue;
      if (isObj(b.spec?.matchResources) && !this.matchesResources(b.spec.matchResources, a, nsLabels, false)) continue;
      const bname = String(b.metadata?.name ?? '');
      const actions: string[] = Array.isArray(b.spec?.validationActions) ? b.spec.validationActions.map(String) : [];
      const decide = (message: string, reason: string, index = 0) => {
        for (const act of actions) {
          if (act === 'Deny') denied ??= { p: p.name, b: bname, message, reason };
          else if (act === 'Warn') warnings.push(`Validation failed for ValidatingAdmissionPolicy '${p.name}' with binding '${bname}': ${message}`);
          // dispatcher.go publishValidationFailureAnnotation: a one-element list per failure; the
          // request's annotations are never overwritten, so the first failure is the one kept
          else if (act === 'Audit')
            validationFailure ??= JSON.stringify([{ message, policy: p.name, binding: bname, expressionIndex: index, validationActions: actions }]);
        }
      };
      const configError = (msg: string) => {
        if (p.failPolicy === 'Ignore') return;
        denied ??= { p: p.name, b: bname, message: `failed to configure binding: ${msg}`, reason: '' };
      };
      let paramsList: (KObject | null)[] | 'allow';
      try {
        paramsList = this.params(p, b, a);
      } catch (e) {
        configError((e as Error).message);
        continue;
      }
      if (paramsList === 'allow') continue;
      // auditAnnotationCollector: per policy, distinct values of a key joined with ", "
      const collected = new Map<string, string[]>();
      for (const params of paramsList) {
        // validator.go: each evaluation has its own runtime cost budget; running out stops it with
        // one error decision (failurePolicy decides)
        const budget = m.newBudget(this.opts.celCost);
        try {
          this.evaluatePolicy(m, p, params, { a, request, ns, authz, budget, decide, collected, deny: (message) => (denied ??= { p: p.name, b: bname, message, reason: '' }) });
        } catch (e) {
          if (!(e instanceof m.OutOfBudgetError)) throw e;
          if (p.failPolicy === 'Fail') decide(m.OUT_OF_BUDGET, '');
        }
      }
      for (const [k, vals] of collected) auditAnnotations[`${p.name}/${k}`] ??= vals.join(', ');
    }
    if (validationFailure !== undefined) auditAnnotations[VALIDATION_FAILURE_KEY] = validationFailure;
    for (const [k, v] of Object.entries(auditAnnotations))
      this.opts.logger?.info({ key: k, value: v, resource: qualifiedResource({ group: a.resource.group, plural: a.resource.resource }), name: a.name, namespace: a.namespace || undefined }, 'admission audit annotation');
    if (denied) throw deniedError(a, denied);
    return { warnings, auditAnnotations };
  }

  /** One evaluation of a policy (validator.go Validate): match conditions, validations, audit annotations. */
  private evaluatePolicy(m: typeof Compile, p: CompiledPolicy, params: KObject | null, e: EvalEnv): void {
    const vars = this.activation(m, e.a, e.request, params, e.ns, e.authz, p, e.budget);
    const mc = this.matchConditions(m, p, vars, e.budget);
    if (mc.error) {
      if (p.failPolicy === 'Fail') e.decide(mc.error, '');
      return;
    }
    if (!mc.match) return;
    p.validations.forEach((val, i) => {
      const expr = String(val.v.expression ?? '');
      const r = this.run(m, val.c, vars, expr, e.budget);
      if ('error' in r) {
        if (p.failPolicy === 'Fail') e.decide(r.error, '', i);
        return;
      }
      if (r.value === true) return;
      let message = typeof val.v.message === 'string' && val.v.message ? val.v.message : `failed expression: ${expr.trim()}`;
      if (val.msg) {
        const mr = this.run(m, val.msg, vars, String(val.v.messageExpression), e.budget);
        if (!('error' in mr) && typeof mr.value === 'string' && mr.value.trim() !== '' && !mr.value.includes('\n')) message = mr.value.trim();
      }
      e.decide(message, typeof val.v.reason === 'string' && val.v.reason ? val.v.reason : 'Invalid', i);
    });
    for (const au of p.audits) {
      const r = this.run(m, au.c, vars, String(au.src), e.budget);
      if ('error' in r) {
        // dispatcher.go AuditAnnotationActionError: a denial whatever the binding's actions
        if (p.failPolicy === 'Fail') e.deny(r.error);
        continue;
      }
      // null: excluded; a value is cut at maxAuditAnnotationValueLength
      if (typeof r.value !== 'string') continue;
      const v = r.value.length > MAX_AUDIT_VALUE ? r.value.slice(0, MAX_AUDIT_VALUE) : r.value;
      const list = e.collected.get(au.key) ?? [];
      if (!list.includes(v)) list.push(v);
      e.collected.set(au.key, list);
    }
  }

  private activation(m: typeof Compile, a: AdmissionAttributes, request: KObject, params: KObject | null, ns: KObject | undefined, authz: unknown, p: CompiledPolicy, budget: Compile.Budget): Record<string, unknown> {
    const act: Record<string, unknown> = {
      object: m.celValue(a.operation === 'DELETE' ? null : a.object),
      oldObject: m.celValue(a.operation === 'CREATE' ? null : a.oldObject),
      request: m.celValue(request),
      params: m.celValue(params),
      namespaceObject: m.celValue(ns ? { apiVersion: 'v1', kind: 'Namespace', metadata: ns.metadata, spec: ns.spec, status: ns.status } : null),
      authorizer: authz,
      // authz.go: the request's own resource, to check with .check(verb)
      authorizerRequestResource: new m.AuthzResourceCheck(authz as Compile.AuthzAuthorizer, a.resource.group, a.resource.resource, a.subresource, a.namespace, a.name),
    };
    // composition.go: variables in declaration order, each seeing the earlier ones (upstream evaluates
    // them lazily; here eagerly, an erroring one left out and its error reported where it is read)
    const values = new Map<string, unknown>();
    const errors = new Map<string, string>();
    act.variables = values;
    for (const v of p.variables) {
      const r = this.run(m, v.c, act, v.name, budget);
      if ('error' in r) errors.set(v.name, r.error);
      else values.set(v.name, r.value);
    }
    if (errors.size) (act as any)[VAR_ERRORS] = errors;
    return act;
  }

  private matchConditions(m: typeof Compile, p: CompiledPolicy, vars: Record<string, unknown>, budget: Compile.Budget): { match: boolean; error?: string } {
    const errors: string[] = [];
    for (const mc of p.matchConditions) {
      const r = this.run(m, mc.c, vars, mc.name, budget);
      if ('error' in r) {
        errors.push(r.error);
        continue;
      }
      if (r.value === false) return { match: false };
      if (r.value !== true) errors.push(`expression '${mc.name}' resulted in error: no such overload`);
    }
    return errors.length ? { match: false, error: errors.join('; ') } : { match: true };
  }

  /** Runs one expression; running out of the budget throws OutOfBudgetError (the evaluation stops). */
  private run(m: typeof Compile, c: Compiled, vars: Record<string, unknown>, expr: string, budget?: Compile.Budget): { value: unknown } | { error: string } {
    if ('error' in c) return { error: `compilation error: ${c.error}` };
    try {
      return { value: m.evaluate(c.program, vars, budget) };
    } catch (e) {
      if (e instanceof m.OutOfBudgetError) throw e;
      const text = m.runtimeError(e);
      const ve = (vars as any)[VAR_ERRORS] as Map<string, string> | undefined;
      const k = /^no such key: (.*)$/.exec(text)?.[1];
      if (ve && k !== undefined && ve.has(k)) return { error: ve.get(k)! };
      return { error: `expression '${expr}' resulted in error: ${text}` };
    }
  }
}

const VAR_ERRORS = Symbol('variableErrors');

/** The `request` variable: admission.k8s.io AdmissionRequest fields (plugin/cel/filter.go CreateAdmissionRequest). */
function requestVar(a: AdmissionAttributes): KObject {
  const user: KObject = { username: a.user.username };
  if (a.user.uid) user.uid = a.user.uid;
  if (a.user.groups?.length) user.groups = a.user.groups;
  if (a.user.extra && Object.keys(a.user.extra).length) user.extra = a.user.extra;
  const r: KObject = { kind: a.kind, resource: a.resource, requestKind: a.kind, requestResource: a.resource, operation: a.operation, userInfo: user, dryRun: a.dryRun };
  if (a.subresource) {
    r.subResource = a.subresource;
    r.requestSubResource = a.subresource;
  }
  if (a.name) r.name = a.name;
  if (a.namespace) r.namespace = a.namespace;
  if (a.options) r.options = a.options;
  return r;
}

/**
 * validating/dispatcher.go: the first denial, as admission.NewForbidden words it (the resource and
 * name, or generateName, of the object), with the reason's code and the message as a cause.
 */
function deniedError(a: AdmissionAttributes, d: { p: string; b: string; message: string; reason: string }): StatusError {
  const message = `ValidatingAdmissionPolicy '${d.p}' with binding '${d.b}' denied request: ${d.message}`;
  const o = a.operation === 'DELETE' ? undefined : a.object;
  const name = o?.metadata?.name || o?.metadata?.generateName || 'Unknown';
  const reason = d.reason || 'Invalid';
  const res = { group: a.resource.group, plural: a.resource.resource };
  return new StatusError(CODES[reason] ?? 422, reason, `${qualifiedResource(res)} "${name}" is forbidden: ${message}`, {
    name,
    ...(a.resource.group ? { group: a.resource.group } : {}),
    kind: a.resource.resource,
    causes: [{ message }],
  } as any);
}

/** Adds the plugin to the chain (after the webhooks: upstream's plugin order puts ValidatingAdmissionPolicy before ValidatingAdmissionWebhook). */
export function installPolicyAdmission(chain: AdmissionChain, opts: PolicyAdmissionOptions): PolicyAdmission {
  const p = new PolicyAdmission(opts);
  chain.validating.unshift(p);
  return p;
}
