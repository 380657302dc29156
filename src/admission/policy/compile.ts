// The ValidatingAdmissionPolicy CEL environment: the CRD rules' library plus the admission variables
// (staging/src/k8s.io/apiserver/pkg/admission/plugin/cel/compile.go: object, oldObject, request,
// params, namespaceObject, authorizer, authorizerRequestResource, variables) and the authorizer
// library (staging/src/k8s.io/apiserver/pkg/cel/library/authz.go). Loaded lazily (./load.ts).
import type { Environment } from '@marcbachmann/cel-js';
import { libraryEnv } from '../../apiextensions/cel/index.js';
import { toCel } from '../../apiextensions/cel/model.js';
import { compileErrorString, displayError, runtimeErrorString } from '../../apiextensions/cel/errors.js';
import { COST_LIMIT_EXCEEDED, CostLimitError, meterEvaluations, withCostLimit } from '../../apiextensions/cel/cost.js';
import type { Authorizer, UserInfo } from '../../auth/types.js';

export const VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'authorizer', 'authorizerRequestResource', 'variables'];

// --- authorizer library (authz.go) ---------------------------------------------------------------

export class AuthzAuthorizer {
  constructor(readonly authorizer: Authorizer, readonly user: UserInfo) {}
}
export class AuthzPathCheck {
  constructor(readonly a: AuthzAuthorizer, readonly path: string) {}
}
export class AuthzGroupCheck {
  constructor(readonly a: AuthzAuthorizer, readonly group: string) {}
}
export class AuthzResourceCheck {
  constructor(
    readonly a: AuthzAuthorizer,
    readonly group: string,
    readonly resource: string,
    readonly subresource = '',
    readonly namespace = '',
    readonly name = '',
  ) {}
  with(f: Partial<Pick<AuthzResourceCheck, 'subresource' | 'namespace' | 'name'>>): AuthzResourceCheck {
    return new AuthzResourceCheck(this.a, this.group, this.resource, f.subresource ?? this.subresource, f.namespace ?? this.namespace, f.name ?? this.name);
  }
}
export class AuthzDecision {
  constructor(readonly decision: string, readonly reason: string, readonly error = '') {}
}

function decide(a: AuthzAuthorizer, attrs: Omit<Parameters<Authorizer['authorize']>[0], 'user'>): AuthzDecision {
  try {
    const d = a.authorizer.authorize({ ...attrs, user: a.user });
    return new AuthzDecision(d.decision, d.reason);
  } catch (e) {
    return new AuthzDecision('noopinion', '', (e as Error)?.message ?? String(e));
  }
}

function registerAuthz(env: Environment): void {
  const A = 'kubernetes.authorization.Authorizer';
  const P = 'kubernetes.authorization.PathCheck';
  const G = 'kubernetes.authorization.GroupCheck';
  const R = 'kubernetes.authorization.ResourceCheck';
  const D = 'kubernetes.authorization.Decision';
  env.registerType(A, AuthzAuthorizer);
  env.registerType(P, AuthzPathCheck);
  env.registerType(G, AuthzGroupCheck);
  env.registerType(R, AuthzResourceCheck);
  env.registerType(D, AuthzDecision);
  const f = (sig: string, h: (...a: any[]) => unknown) => env.registerFunction(sig, h);
  f(`${A}.path(string): ${P}`, (a: AuthzAuthorizer, p: string) => new AuthzPathCheck(a, p));
  f(`${A}.group(string): ${G}`, (a: AuthzAuthorizer, g: string) => new AuthzGroupCheck(a, g));
  f(`${A}.serviceAccount(string, string): ${A}`, (a: AuthzAuthorizer, ns: string, name: string) =>
    new AuthzAuthorizer(a.authorizer, { username: `system:serviceaccount:${ns}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] } as UserInfo));
  f(`${G}.resource(string): ${R}`, (g: AuthzGroupCheck, r: string) => new AuthzResourceCheck(g.a, g.group, r));
  f(`${R}.subresource(string): ${R}`, (r: AuthzResourceCheck, s: string) => r.with({ subresource: s }));
  f(`${R}.namespace(string): ${R}`, (r: AuthzResourceCheck, s: string) => r.with({ namespace: s }));
  f(`${R}.name(string): ${R}`, (r: AuthzResourceCheck, s: string) => r.with({ name: s }));
  f(`${R}.check(string): ${D}`, (r: AuthzResourceCheck, verb: string) =>
    decide(r.a, { verb, isResourceRequest: true, path: '', namespace: r.namespace, apiGroup: r.group, apiVersion: '*', resource: r.resource, subresource: r.subresource, name: r.name }));
  f(`${P}.check(string): ${D}`, (p: AuthzPathCheck, verb: string) =>
    decide(p.a, { verb, isResourceRequest: false, path: p.path, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' }));
  f(`${D}.allowed(): bool`, (d: AuthzDecision) => d.decision === 'allow');
  f(`${D}.reason(): string`, (d: AuthzDecision) => d.reason);
  f(`${D}.errored(): bool`, (d: AuthzDecision) => d.error !== '');
  f(`${D}.error(): string`, (d: AuthzDecision) => d.error);
}

// plugin/cel/compile.go BuildRequestType / BuildNamespaceType: the hand-made types of `request`
// and `namespaceObject` (the type checker declares them; evaluation sees them as dyn)
function registerRequestTypes(env: Environment): void {
  const t = (name: string, fields: Record<string, string>) => {
    env.registerType(name, { ctor: class extends Map {}, fields } as any);
    env.registerOperator(`${name} == ${name}`, () => false);
    env.registerOperator(`${name} == null`, () => false);
  };
  t('kubernetes.GroupVersionKind', { group: 'string', version: 'string', kind: 'string' });
  t('kubernetes.GroupVersionResource', { group: 'string', version: 'string', resource: 'string' });
  t('kubernetes.UserInfo', { username: 'string', uid: 'string', groups: 'list<string>', extra: 'map<string, list<string>>' });
  t('kubernetes.AdmissionRequest', {
    kind: 'kubernetes.GroupVersionKind', resource: 'kubernetes.GroupVersionResource', subResource: 'string',
    requestKind: 'kubernetes.GroupVersionKind', requestResource: 'kubernetes.GroupVersionResource', requestSubResource: 'string',
    name: 'string', namespace: 'string', operation: 'string', userInfo: 'kubernetes.UserInfo', dryRun: 'bool', options: 'dyn',
  });
  t('kubernetes.NamespaceSpec', { finalizers: 'list<string>' });
  t('kubernetes.NamespaceCondition', { status: 'string', type: 'string', lastTransitionTime: 'google.protobuf.Timestamp', message: 'string', reason: 'string' });
  t('kubernetes.NamespaceStatus', { conditions: 'list<kubernetes.NamespaceCondition>', phase: 'string' });
  t('kubernetes.NamespaceMetadata', {
    name: 'string', generateName: 'string', namespace: 'string', labels: 'map<string, string>', annotations: 'map<string, string>', UID: 'string',
    creationTimestamp: 'google.protobuf.Timestamp', deletionGracePeriodSeconds: 'int', deletionTimestamp: 'google.protobuf.Timestamp',
    generation: 'int', resourceVersion: 'string', finalizers: 'list<string>',
  });
  t('kubernetes.Namespace', { metadata: 'kubernetes.NamespaceMetadata', spec: 'kubernetes.NamespaceSpec', status: 'kubernetes.NamespaceStatus' });
}

let base: Environment | undefined;
/** The library, the authorizer types and the request types, without variables (clone it to declare them). */
export function baseEnv(): Environment {
  if (!base) {
    const e = libraryEnv().clone({ enableOptionalTypes: true, homogeneousAggregateLiterals: false });
    registerAuthz(e);
    registerRequestTypes(e);
    base = e;
  }
  return base;
}

let env: Environment | undefined;
function policyEnv(): Environment {
  if (!env) {
    const e = baseEnv().clone({ enableOptionalTypes: true, homogeneousAggregateLiterals: false });
    const typed: Record<string, string> = { authorizer: 'kubernetes.authorization.Authorizer', authorizerRequestResource: 'kubernetes.authorization.ResourceCheck' };
    for (const v of VARIABLES) e.registerVariable(v, typed[v] ?? 'dyn');
    meterEvaluations(e);
    env = e;
  }
  return env;
}

// --- cost (staging/src/k8s.io/apiserver/pkg/apis/cel/config.go, plugin/cel/filter.go) ------------
// cel-go counts an actual cost as a program runs and cancels it past PerCallLimit; each policy
// evaluation (a policy, binding and param) has RuntimeCELCostBudget for all its expressions.
// The cost is counted as ../../apiextensions/cel/cost.ts does.

export const PER_CALL_LIMIT = 1_000_000;
export const RUNTIME_COST_BUDGET = 10_000_000;
export const OUT_OF_BUDGET = 'validation failed due to running out of cost budget, no further validation rules will be run';
export { COST_LIMIT_EXCEEDED, CostLimitError };

/** A policy evaluation's remaining budget (one per policy, binding and param). */
export interface Budget {
  remaining: number;
  /** the per-call limit (PER_CALL_LIMIT) */
  perCall: number;
}

export function newBudget(limits?: { perCall?: number; budget?: number }): Budget {
  return { remaining: limits?.budget ?? RUNTIME_COST_BUDGET, perCall: limits?.perCall ?? PER_CALL_LIMIT };
}

/**
 * Runs a program under the per-call limit and takes its cost from the budget. Throws
 * CostLimitError past the per-call limit, OutOfBudgetError when the budget runs out.
 */
export function evaluate(program: Program, act: Record<string, unknown>, budget?: Budget): unknown {
  if (!budget) return program(act);
  if (budget.remaining < 0) throw new OutOfBudgetError();
  const { value, cost } = withCostLimit(budget.perCall, () => program(act));
  budget.remaining -= cost;
  if (budget.remaining < 0) throw new OutOfBudgetError();
  return value;
}

export class OutOfBudgetError extends Error {
  constructor() {
    super(OUT_OF_BUDGET);
  }
}

export type Program = (act: Record<string, unknown>) => unknown;

/** The first `variables.x` whose x is not declared (upstream's `variables` is an object type of the declared names). */
function undeclaredVariable(node: any, declared: Set<string>, src: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  if ((node.op === '.' || node.op === '.?') && node.args?.[0]?.op === 'id' && node.args[0].args === 'variables' && typeof node.args[1] === 'string' && !declared.has(node.args[1])) {
    const dot = src.indexOf('.', node.args[0].end ?? 0);
    return displayError(src, dot < 0 ? 0 : dot, `undefined field '${node.args[1]}'`);
  }
  const args = node.args;
  if (Array.isArray(args))
    for (const a of args) {
      const r = Array.isArray(a) ? a.map((x) => undeclaredVariable(x, declared, src)).find(Boolean) : undeclaredVariable(a, declared, src);
      if (r) return r;
    }
  else if (args && typeof args === 'object' && 'op' in args) return undeclaredVariable(args, declared, src);
  return undefined;
}

/**
 * Compiles an expression; the error is cel-go's compile text (`compilation failed: ERROR: ...` is
 * added by callers). `declared`: the variable names it may read (undefined: any).
 */
export function compile(src: string, declared?: Set<string>): { program: Program } | { error: string } {
  try {
    const p = policyEnv().parse(src) as unknown as Program & { check(): { valid: boolean; error?: any }; ast: any };
    const checked = p.check();
    if (!checked.valid) return { error: compileErrorString(src, checked.error) };
    const undeclared = declared ? undeclaredVariable(p.ast, declared, src) : undefined;
    if (undeclared) return { error: undeclared };
    return { program: p };
  } catch (e) {
    return { error: compileErrorString(src, e as any) };
  }
}

/** A JSON value as a CEL value (dyn). */
export function celValue(v: unknown): unknown {
  return v === undefined || v === null ? null : toCel(v, { kind: 'dyn' }, { n: 0 } as any);
}

export function runtimeError(e: unknown): string {
  if (e instanceof CostLimitError) return COST_LIMIT_EXCEEDED;
  return runtimeErrorString(e);
}

/** A CEL result as JSON-ish (strings, numbers, booleans). */
export function isTrue(v: unknown): boolean {
  return v === true;
}
