// authentication.k8s.io TokenReview and SelfSubjectReview: create-only virtual kinds
// (pkg/registry/authentication/tokenreview/storage.go, selfsubjectreview/rest.go). Nothing is stored.
import { badRequest, internalError } from '../../registry/errors.js';
import type { KObject, ResourceDef, VirtualCreateContext } from '../types.js';
import { reviewToken } from '../../auth/tokens/index.js';
import { intersectAudiences } from '../../auth/tokens/bearer.js';
import { serviceAccountTokens } from '../../auth/tokens/serviceaccount.js';
import { ALL_AUTHENTICATED, ANONYMOUS, type UserInfo } from '../../auth/types.js';

const isMap = (v: unknown): v is KObject => !!v && typeof v === 'object' && !Array.isArray(v);

/** authentication.UserInfo as JSON (uid, groups, extra omitted when empty) */
function userInfoJSON(u: UserInfo): KObject {
  const out: KObject = { username: u.username };
  if (u.uid) out.uid = u.uid;
  if (u.groups.length) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length) out.extra = structuredClone(u.extra);
  return out;
}

/** TokenReview: is spec.token valid for spec.audiences (default: the API server's)? */
export async function reviewTokenReview(obj: KObject, ctx: VirtualCreateContext): Promise<KObject> {
  const out: KObject = structuredClone(isMap(obj) ? obj : {});
  if (ctx.namespace) throw badRequest(`namespace is not allowed on this type: ${ctx.namespace}`);
  if (!isMap(out.spec)) out.spec = {};
  const token = typeof out.spec.token === 'string' ? out.spec.token : '';
  if (!token) throw badRequest('token is required for TokenReview in authentication');
  out.apiVersion = 'authentication.k8s.io/v1';
  out.kind = 'TokenReview';
  if (!isMap(out.metadata)) out.metadata = {};
  if (out.metadata.creationTimestamp === undefined) out.metadata.creationTimestamp = null;
  const sa = serviceAccountTokens(ctx.registry);
  const requested: string[] = Array.isArray(out.spec.audiences) && out.spec.audiences.length ? out.spec.audiences.map(String) : sa.apiAudiences;
  let r = await reviewToken(ctx.security, token, requested);
  // the open mode has no token authenticators: service-account tokens are still checked
  if (r === 'none') r = (await sa.authenticateToken(token, requested)) ?? { error: 'invalid bearer token' };
  const status: KObject = {};
  if (r && 'user' in r) {
    if (requested.length && !intersectAudiences(requested, r.audiences ?? []).length) throw internalError(new Error('error validating audiences'));
    status.authenticated = true;
    // the authenticated group adder runs in the request authenticator TokenReview uses
    const u = r.user.username === ANONYMOUS || r.user.groups.includes(ALL_AUTHENTICATED) ? r.user : { ...r.user, groups: [...r.user.groups, ALL_AUTHENTICATED] };
    status.user = userInfoJSON(u);
    if (r.audiences?.length) status.audiences = r.audiences;
  } else {
    status.user = {};
    if (r && 'error' in r) status.error = r.error;
  }
  out.status = status;
  return out;
}

/** SelfSubjectReview: the request's own user (after impersonation). */
export function reviewSelfSubject(apiVersion: string) {
  return (_obj: KObject, ctx: VirtualCreateContext): KObject => ({
    kind: 'SelfSubjectReview',
    apiVersion,
    metadata: { creationTimestamp: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z') },
    status: { userInfo: userInfoJSON(ctx.user) },
  });
}

export const tokenReviewDef: ResourceDef = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'TokenReview',
  listKind: 'TokenReviewList',
  plural: 'tokenreviews',
  singular: 'tokenreview',
  namespaced: false,
  verbs: ['create'],
  subresources: [],
  definition: 'io.k8s.api.authentication.v1.TokenReview',
  create: reviewTokenReview,
};

export const selfSubjectReviewDef: ResourceDef = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectReview',
  listKind: 'SelfSubjectReviewList',
  plural: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  namespaced: false,
  verbs: ['create'],
  subresources: [],
  definition: 'io.k8s.api.authentication.v1.SelfSubjectReview',
  create: reviewSelfSubject('authentication.k8s.io/v1'),
};

/** authentication.k8s.io/v1beta1 SelfSubjectReview: beta (on by default) in 1.27, GA as v1 in 1.28 */
export const selfSubjectReviewV1beta1Def: ResourceDef = {
  ...selfSubjectReviewDef,
  version: 'v1beta1',
  // the same shape as v1 (v1beta1 is not in the published OpenAPI any more)
  definition: 'io.k8s.api.authentication.v1.SelfSubjectReview',
  create: reviewSelfSubject('authentication.k8s.io/v1beta1'),
};

/** The authentication.k8s.io kinds an emulated minor version serves. */
export function authenticationDefs(emulatedMinor: number): ResourceDef[] {
  return [
    ...(emulatedMinor >= 28 ? [selfSubjectReviewDef] : []),
    tokenReviewDef,
    ...(emulatedMinor === 27 ? [selfSubjectReviewV1beta1Def] : []),
  ];
}
