// The ValidatingAdmissionPolicy CEL environment: the CRD rules' library plus the admission variables
// (staging/src/k8s.io/apiserver/pkg/admission/plugin/cel/compile.go: object, oldObject, request,
// params, namespaceObject, authorizer, authorizerRequestResource, variables) and the authorizer
// library (staging/src/k8s.io/apiserver/pkg/cel/library/authz.go). Loaded lazily (./load.ts).
import type { Environment } from '@marcbachmann/cel-js';
import { libraryEnv } from '../../apiextensions/cel/index.js';
import { toCel } from '../../apiextensions/cel/model.js';
import { compileErrorString, runtimeErrorString } from '../../apiextensions/cel/errors.js';
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

let env: Environment | undefined;
function policyEnv(): Environment {
  if (!env) {
    const e = libraryEnv().clone({ enableOptionalTypes: true, homogeneousAggregateLiterals: false });
    registerAuthz(e);
    for (const v of VARIABLES) e.registerVariable(v, v === 'authorizer' ? 'kubernetes.authorization.Authorizer' : 'dyn');
    env = e;
  }
  return env;
}

export type Program = (act: Record<string, unknown>) => unknown;

/** Compiles an expression; the error is cel-go's compile text (`compilation failed: ERROR: ...` is added by callers). */
export function compile(src: string): { program: Program } | { error: string } {
  try {
    const p = policyEnv().parse(src) as unknown as Program & { check(): { valid: boolean; error?: any } };
    const checked = p.check();
    if (!checked.valid) return { error: compileErrorString(src, checked.error) };
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
  return runtimeErrorString(e);
}

/** A CEL result as JSON-ish (strings, numbers, booleans). */
export function isTrue(v: unknown): boolean {
  return v === true;
}
