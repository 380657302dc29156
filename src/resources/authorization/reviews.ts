// authorization.k8s.io/v1 access reviews: create-only virtual resources, nothing is stored
// (pkg/registry/authorization/{subjectaccessreview,localsubjectaccessreview,selfsubjectaccessreview,
// selfsubjectrulesreview}/rest.go). The answer comes from the server's authorizer and rule resolver
// (ctx.security): allow-all in the open mode / AlwaysAllow. Validation:
// pkg/apis/authorization/validation/validation.go; the attributes: pkg/registry/authorization/util.
import type { Cause, KObject, ResourceDef, VirtualCreateContext } from '../types.js';
import type { AuthzAttributes, UserInfo } from '../../auth/types.js';
import { OPEN_MODE_USER } from '../../auth/filters.js';
import { alwaysAllow } from '../../auth/types.js';
import type { PolicyRule } from '../../auth/rbac/types.js';
import { badRequest, invalidObject } from '../../registry/errors.js';

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

const present = (v: unknown) => v !== undefined && v !== null;

/** ValidateSelfSubjectAccessReviewSpec: exactly one of resourceAttributes / nonResourceAttributes. */
function validateAttributesChoice(spec: KObject): Cause[] {
  const causes: Cause[] = [];
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  if (present(ra) && present(nra))
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(nra)}: cannot be specified in combination with resourceAttributes`,
      field: 'spec.nonResourceAttributes',
    });
  if (!present(ra) && !present(nra))
    causes.push({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      field: 'spec.resourceAttributes',
    });
  return causes;
}

const specOf = (obj: KObject): KObject => (isMap(obj?.spec) ? obj.spec : {});

/** ValidateSelfSubjectAccessReview */
export function validateSelfSubjectAccessReview(obj: KObject): Cause[] {
  return validateAttributesChoice(specOf(obj));
}

/** metadata must be empty (but for the namespace of a LocalSubjectAccessReview, and managedFields) */
function metadataMustBeEmpty(obj: KObject, allowNamespace: boolean): Cause[] {
  const m = isMap(obj?.metadata) ? obj.metadata : {};
  const rest = Object.entries(m).filter(([k, v]) => {
    if (v === null || v === undefined || v === '') return false;
    if (k === 'managedFields' || (allowNamespace && k === 'namespace')) return false;
    if ((Array.isArray(v) && v.length === 0) || (isMap(v) && Object.keys(v).length === 0)) return false;
    return true;
  });
  if (!rest.length) return [];
  return [{ reason: 'FieldValueInvalid', field: 'metadata', message: `Invalid value: ${JSON.stringify(Object.fromEntries(rest))}: must be empty` }];
}

/** ValidateSubjectAccessReviewSpec + the empty metadata (ValidateSubjectAccessReview) */
export function validateSubjectAccessReview(obj: KObject): Cause[] {
  const spec = specOf(obj);
  const causes = validateAttributesChoice(spec);
  const user = typeof spec.user === 'string' ? spec.user : '';
  if (!user && !(Array.isArray(spec.groups) && spec.groups.length))
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.user', message: `Invalid value: ${JSON.stringify(user)}: at least one of user or group must be specified` });
  return [...causes, ...metadataMustBeEmpty(obj, false)];
}

/** ValidateLocalSubjectAccessReview */
export function validateLocalSubjectAccessReview(obj: KObject): Cause[] {
  const spec = specOf(obj);
  const causes = validateAttributesChoice(spec);
  const user = typeof spec.user === 'string' ? spec.user : '';
  if (!user && !(Array.isArray(spec.groups) && spec.groups.length))
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.user', message: `Invalid value: ${JSON.stringify(user)}: at least one of user or group must be specified` });
  causes.push(...metadataMustBeEmpty(obj, true));
  if (present(spec.nonResourceAttributes))
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: `Invalid value: ${JSON.stringify(spec.nonResourceAttributes)}: disallowed on this kind of request` });
  return causes;
}

/**
 * The 400 BadRequest message for a SelfSubjectRulesReview without spec.namespace
 * (selfsubjectrulesreview/rest.go), undefined when it is fine.
 */
export function selfSubjectRulesReviewBadRequest(obj: KObject): string | undefined {
  return isMap(obj?.spec) && typeof obj.spec.namespace === 'string' && obj.spec.namespace !== '' ? undefined : 'no namespace on request';
}

function answered(obj: KObject, kind: string): KObject {
  const out: KObject = structuredClone(isMap(obj) ? obj : {});
  out.apiVersion = 'authorization.k8s.io/v1';
  out.kind = kind;
  if (!isMap(out.metadata)) out.metadata = {};
  // the review is never stored: a zero creationTimestamp renders as null
  if (out.metadata.creationTimestamp === undefined) out.metadata.creationTimestamp = null;
  if (!isMap(out.spec)) out.spec = {};
  return out;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** authorizationutil.ResourceAttributesFrom / NonResourceAttributesFrom */
export function attributesFrom(user: UserInfo, spec: KObject): AuthzAttributes {
  if (isMap(spec.resourceAttributes)) {
    const ra = spec.resourceAttributes;
    return {
      user,
      verb: str(ra.verb),
      isResourceRequest: true,
      path: '',
      namespace: str(ra.namespace),
      apiGroup: str(ra.group),
      apiVersion: str(ra.version),
      resource: str(ra.resource),
      subresource: str(ra.subresource),
      name: str(ra.name),
    };
  }
  const nra = isMap(spec.nonResourceAttributes) ? spec.nonResourceAttributes : {};
  return { user, verb: str(nra.verb), isResourceRequest: false, path: str(nra.path), namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
}

/** The user a (Local)SubjectAccessReview asks about (authorizationutil.AuthorizationAttributesFrom). */
function specUser(spec: KObject): UserInfo {
  const u: UserInfo = { username: str(spec.user), groups: Array.isArray(spec.groups) ? spec.groups.filter((g: unknown) => typeof g === 'string') : [] };
  if (str(spec.uid)) u.uid = spec.uid;
  if (isMap(spec.extra)) u.extra = spec.extra as Record<string, string[]>;
  return u;
}

/** SubjectAccessReviewStatus from the authorizer's decision (subjectaccessreview/rest.go) */
function statusFor(ctx: VirtualCreateContext | undefined, attrs: AuthzAttributes): KObject {
  const authorizer = ctx?.security?.authorizer ?? alwaysAllow;
  const d = authorizer.authorize(attrs) as { decision: string; reason: string; evaluationError?: string };
  const status: KObject = { allowed: d.decision === 'allow' };
  if (d.decision === 'deny') status.denied = true;
  if (d.reason) status.reason = d.reason;
  if (d.evaluationError) status.evaluationError = d.evaluationError;
  return status;
}

/** The answered SelfSubjectAccessReview: may the requesting user do it? */
export function reviewSelfSubjectAccess(obj: KObject, ctx?: VirtualCreateContext): KObject {
  const causes = validateSelfSubjectAccessReview(obj);
  if (causes.length) throw invalidObject(selfSubjectAccessReviewDef, '', causes);
  const out = answered(obj, 'SelfSubjectAccessReview');
  out.status = statusFor(ctx, attributesFrom(ctx?.user ?? OPEN_MODE_USER, out.spec));
  return out;
}

/** The answered SubjectAccessReview: may spec.user / spec.groups do it? */
export function reviewSubjectAccess(obj: KObject, ctx?: VirtualCreateContext): KObject {
  const causes = validateSubjectAccessReview(obj);
  if (causes.length) throw invalidObject(subjectAccessReviewDef, '', causes);
  const out = answered(obj, 'SubjectAccessReview');
  out.status = statusFor(ctx, attributesFrom(specUser(out.spec), out.spec));
  return out;
}

/** The answered LocalSubjectAccessReview: a SubjectAccessReview inside the request's namespace. */
export function reviewLocalSubjectAccess(obj: KObject, ctx?: VirtualCreateContext): KObject {
  const namespace = ctx?.namespace ?? '';
  const causes = validateLocalSubjectAccessReview(obj);
  if (causes.length) throw invalidObject(localSubjectAccessReviewDef, str(obj?.metadata?.name), causes);
  if (!namespace) throw badRequest(`namespace is required on this type: ${namespace}`);
  const metaNs = str(obj?.metadata?.namespace);
  if (metaNs && metaNs !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  const out = answered(obj, 'LocalSubjectAccessReview');
  out.metadata.namespace = namespace;
  const ra = out.spec.resourceAttributes;
  if (isMap(ra) && str(ra.namespace) !== namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
  out.status = statusFor(ctx, attributesFrom(specUser(out.spec), out.spec));
  return out;
}

const WILDCARD_RULES: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

const nonEmpty = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0;

/** The answered SelfSubjectRulesReview: the requesting user's rules in spec.namespace (rbac.go RulesFor). */
export function reviewSelfSubjectRules(obj: KObject, ctx?: VirtualCreateContext): KObject {
  const bad = selfSubjectRulesReviewBadRequest(obj);
  if (bad) throw badRequest(bad);
  const out = answered(obj, 'SelfSubjectRulesReview');
  const resolver = ctx?.security?.rules;
  const { rules, errors } = resolver ? resolver.rulesFor(ctx!.user, out.spec.namespace) : { rules: WILDCARD_RULES, errors: [] as string[] };
  const resourceRules: KObject[] = [];
  const nonResourceRules: KObject[] = [];
  for (const r of rules) {
    if (nonEmpty(r.resources)) {
      const rr: KObject = { verbs: r.verbs ?? [] };
      if (nonEmpty(r.apiGroups)) rr.apiGroups = r.apiGroups;
      rr.resources = r.resources;
      if (nonEmpty(r.resourceNames)) rr.resourceNames = r.resourceNames;
      resourceRules.push(rr);
    }
    if (nonEmpty(r.nonResourceURLs)) nonResourceRules.push({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs });
  }
  out.status = { resourceRules, nonResourceRules, incomplete: errors.length > 0 };
  // utilerrors.NewAggregate: one error as itself, several as [a, b]
  if (errors.length) out.status.evaluationError = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
  return out;
}

const common = {
  group: 'authorization.k8s.io',
  version: 'v1',
  verbs: ['create'],
  subresources: [],
};

export const selfSubjectAccessReviewDef: ResourceDef = {
  ...common,
  kind: 'SelfSubjectAccessReview',
  listKind: 'SelfSubjectAccessReviewList',
  plural: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  namespaced: false,
  definition: 'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  validate: validateSelfSubjectAccessReview,
};

export const selfSubjectRulesReviewDef: ResourceDef = {
  ...common,
  kind: 'SelfSubjectRulesReview',
  listKind: 'SelfSubjectRulesReviewList',
  plural: 'selfsubjectrulesreviews',
  singular: 'selfsubjectrulesreview',
  namespaced: false,
  definition: 'io.k8s.api.authorization.v1.SelfSubjectRulesReview',
};

export const subjectAccessReviewDef: ResourceDef = {
  ...common,
  kind: 'SubjectAccessReview',
  listKind: 'SubjectAccessReviewList',
  plural: 'subjectaccessreviews',
  singular: 'subjectaccessreview',
  namespaced: false,
  definition: 'io.k8s.api.authorization.v1.SubjectAccessReview',
  validate: validateSubjectAccessReview,
};

export const localSubjectAccessReviewDef: ResourceDef = {
  ...common,
  kind: 'LocalSubjectAccessReview',
  listKind: 'LocalSubjectAccessReviewList',
  plural: 'localsubjectaccessreviews',
  singular: 'localsubjectaccessreview',
  namespaced: true,
  definition: 'io.k8s.api.authorization.v1.LocalSubjectAccessReview',
  validate: validateLocalSubjectAccessReview,
};
