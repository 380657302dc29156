// The request filters in front of every handler, in upstream's order
// (apiserver pkg/server/config.go DefaultBuildHandlerChain): authentication, impersonation,
// authorization. Each request ends with its user attached (requestUser).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StatusError } from '../registry/errors.js';
import { parseRequestInfo, type RequestInfo } from '../server/requestinfo.js';
import { sendStatusError } from '../server/handlers.js';
import {
  ALL_AUTHENTICATED,
  ALL_UNAUTHENTICATED,
  ANONYMOUS,
  SYSTEM_MASTERS,
  type AuthRequest,
  type Authenticator,
  type Authorizer,
  type AuthzAttributes,
  type UserInfo,
} from './types.js';

/** What the filters need; built at start from SecurityOptions (see security.ts). */
export interface SecurityRuntime {
  /** the old open mode: no authentication, no authorization; every request acts as OPEN_MODE_USER */
  open: boolean;
  /** tried in order; the first that returns a user wins */
  authenticators: Authenticator[];
  /** requests without credentials are system:anonymous (upstream --anonymous-auth, default true) */
  anonymous: boolean;
  authorizer: Authorizer;
  /** the rules behind the authorizer (RBAC), for SelfSubjectRulesReview and escalation checks; unset with AlwaysAllow */
  rules?: import('./rbac/types.js').RuleResolver;
  /**
   * Impersonation (`Impersonate-User` and friends): returns the user to act as, or throws the
   * StatusError upstream answers (filters/impersonation.go). Unset: the headers are ignored.
   */
  impersonate?(req: FastifyRequest, user: UserInfo, authorizer: Authorizer): UserInfo;
}

/** The user of every request in the open mode: a cluster administrator. */
export const OPEN_MODE_USER: UserInfo = { username: 'system:admin', groups: [SYSTEM_MASTERS, ALL_AUTHENTICATED] };

const USER = Symbol('user');
const INFO = Symbol('authzInfo');
type Req = FastifyRequest & { [USER]?: UserInfo; [INFO]?: RequestInfo };

/** The user a request acts as (after impersonation). */
export function requestUser(req: FastifyRequest): UserInfo {
  return (req as Req)[USER] ?? OPEN_MODE_USER;
}

/** The RequestInfo the filters parsed for authorization (undefined in the open mode): the handler reuses it. */
export function filteredRequestInfo(req: FastifyRequest): RequestInfo | undefined {
  return (req as Req)[INFO];
}

/** The user an authenticated request came in as, before impersonation (for SelfSubjectReview etc.). */
export function setRequestUser(req: FastifyRequest, user: UserInfo): void {
  (req as Req)[USER] = user;
}

/** apiserver endpoints/handlers/responsewriters/errors.go forbiddenMessage */
export function forbiddenMessage(a: AuthzAttributes): string {
  const u = a.user.username;
  if (!a.isResourceRequest) return `User ${JSON.stringify(u)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (a.namespace) return `User ${JSON.stringify(u)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} in the namespace ${JSON.stringify(a.namespace)}`;
  return `User ${JSON.stringify(u)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} at the cluster scope`;
}

/** responsewriters.Forbidden: apierrors.NewForbidden(resource.group, name, msg[: reason]) */
export function forbiddenError(a: AuthzAttributes, reason: string): StatusError {
  const msg = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  const qualified = a.resource ? (a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource) : '';
  const message = !qualified ? `forbidden: ${msg}` : a.name ? `${qualified} ${JSON.stringify(a.name)} is forbidden: ${msg}` : `${qualified} is forbidden: ${msg}`;
  const details: Record<string, unknown> = {};
  if (a.name) details.name = a.name;
  if (a.apiGroup) details.group = a.apiGroup;
  if (a.resource) details.kind = a.resource;
  return new StatusError(403, 'Forbidden', message, details as any);
}

/** filters/authentication.go Unauthorized: the same body whatever failed */
export function unauthorizedError(): StatusError {
  return new StatusError(401, 'Unauthorized', 'Unauthorized');
}

/** The attributes the authorizer sees for a request (filters/authorization.go GetAuthorizerAttributes). */
export function authzAttributes(user: UserInfo, info: RequestInfo, method: string): AuthzAttributes {
  return {
    user,
    verb: info.isResourceRequest ? info.verb : method.toLowerCase(),
    isResourceRequest: info.isResourceRequest,
    path: info.path,
    namespace: info.namespace,
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
  };
}

/** Runs the authenticators in order (union authenticator: the first user wins; errors only when none does). */
export async function authenticate(authenticators: Authenticator[], req: AuthRequest): Promise<{ user?: UserInfo; failed: boolean }> {
  let failed = false;
  for (const a of authenticators) {
    const r = await a.authenticate(req);
    if (!r) continue;
    if ('error' in r) {
      failed = true;
      continue;
    }
    return { user: withAuthenticatedGroup(r.user), failed: false };
  }
  return { failed };
}

/** AuthenticatedGroupAdder: every authenticated user is in system:authenticated */
function withAuthenticatedGroup(u: UserInfo): UserInfo {
  if (u.username === ANONYMOUS || u.groups.includes(ALL_AUTHENTICATED)) return u;
  return { ...u, groups: [...u.groups, ALL_AUTHENTICATED] };
}

export const ANONYMOUS_USER: UserInfo = { username: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] };

/** Installs the filters on the server (not in the open mode). */
export function installSecurity(app: FastifyInstance<any, any, any, any>, sec: SecurityRuntime): void {
  if (sec.open) return;
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const r = req as Req;
    let user: UserInfo | undefined;
    const hasCredentials = !!req.headers.authorization;
    const res = await authenticate(sec.authenticators, { headers: req.headers, socket: req.raw.socket });
    user = res.user;
    if (!user) {
      // credentials that no authenticator accepts are refused, not treated as anonymous
      // (filters/authentication.go; the anonymous authenticator only applies to requests without any)
      if (res.failed || hasCredentials || !sec.anonymous) return sendStatusError(reply, unauthorizedError());
      user = ANONYMOUS_USER;
    }
    try {
      if (sec.impersonate) user = sec.impersonate(req, user, sec.authorizer);
    } catch (err) {
      if (err instanceof StatusError) return sendStatusError(reply, err);
      throw err;
    }
    r[USER] = user;
    const url = req.url;
    const qi = url.indexOf('?');
    const path = qi >= 0 ? url.slice(0, qi) : url;
    const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
    const info = parseRequestInfo(req.method, clean, req.query as Record<string, unknown>);
    r[INFO] = info;
    const attrs = authzAttributes(user, info, req.method);
    const d = sec.authorizer.authorize(attrs);
    if (d.decision !== 'allow') return sendStatusError(reply, forbiddenError(attrs, d.reason));
  });
}
