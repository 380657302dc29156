// authorization.k8s.io/v1 SelfSubjectAccessReview / SelfSubjectRulesReview: create-only virtual
// resources (pkg/registry/authorization/*/rest.go). Nothing is stored; the answer comes from an
// allow-all authorizer for now. Validation: pkg/apis/authorization/validation/validation.go.
import type { Cause, KObject, ResourceDef } from '../types.js';

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** ValidateSelfSubjectAccessReview: exactly one of resourceAttributes / nonResourceAttributes. */
export function validateSelfSubjectAccessReview(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  const spec: KObject = isMap(obj.spec) ? obj.spec : {};
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  const hasRa = ra !== undefined && ra !== null;
  const hasNra = nra !== undefined && nra !== null;
  if (hasRa && hasNra)
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(nra)}: cannot be specified in combination with resourceAttributes`,
      field: 'spec.nonResourceAttributes',
    });
  if (!hasRa && !hasNra)
    causes.push({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      field: 'spec.resourceAttributes',
    });
  return causes;
}

/**
 * The 400 BadRequest message for a SelfSubjectRulesReview without spec.namespace
 * (selfsubjectrulesreview/rest.go), undefined when it is fine.
 */
export function selfSubjectRulesReviewBadRequest(obj: KObject): string | undefined {
  return isMap(obj.spec) && typeof obj.spec.namespace === 'string' && obj.spec.namespace !== '' ? undefined : 'no namespace on request';
}

function answered(obj: KObject): KObject {
  const out: KObject = structuredClone(obj ?? {});
  if (!isMap(out.metadata)) out.metadata = {};
  // the review is never stored: a zero creationTimestamp renders as null
  if (out.metadata.creationTimestamp === undefined) out.metadata.creationTimestamp = null;
  if (!isMap(out.spec)) out.spec = {};
  return out;
}

/** The answered SelfSubjectAccessReview: everything is allowed. */
export function reviewSelfSubjectAccess(obj: KObject): KObject {
  const out = answered(obj);
  out.apiVersion = 'authorization.k8s.io/v1';
  out.kind = 'SelfSubjectAccessReview';
  out.status = { allowed: true };
  return out;
}

/** The answered SelfSubjectRulesReview: one wildcard rule each. */
export function reviewSelfSubjectRules(obj: KObject): KObject {
  const out = answered(obj);
  out.apiVersion = 'authorization.k8s.io/v1';
  out.kind = 'SelfSubjectRulesReview';
  out.status = {
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  };
  return out;
}

export const selfSubjectAccessReviewDef: ResourceDef = {
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  listKind: 'SelfSubjectAccessReviewList',
  plural: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  namespaced: false,
  verbs: ['create'],
  subresources: [],
  definition: 'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  validate: validateSelfSubjectAccessReview,
};

export const selfSubjectRulesReviewDef: ResourceDef = {
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectRulesReview',
  listKind: 'SelfSubjectRulesReviewList',
  plural: 'selfsubjectrulesreviews',
  singular: 'selfsubjectrulesreview',
  namespaced: false,
  verbs: ['create'],
  subresources: [],
  definition: 'io.k8s.api.authorization.v1.SelfSubjectRulesReview',
};
