// Impersonation: Impersonate-User, Impersonate-Group, Impersonate-Uid and Impersonate-Extra-<key>,
// each checked with the authorizer (verb impersonate) before the request acts as that user
// (apiserver pkg/endpoints/filters/impersonation.go WithImpersonation, buildImpersonationRequests).
import type { FastifyRequest } from 'fastify';
import { internalError } from '../registry/errors.js';
import { forbiddenError } from './filters.js';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, type Authorizer, type AuthzAttributes, type UserInfo } from './types.js';
import { makeGroupNames, makeUsername, splitUsername } from './tokens/serviceaccount.js';

const USER_HEADER = 'impersonate-user';
const GROUP_HEADER = 'impersonate-group';
const UID_HEADER = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';

/** v1.ObjectReference as buildImpersonationRequests makes them */
interface ImpersonationRequest {
  kind: 'ServiceAccount' | 'User' | 'Group' | 'UserExtra' | 'UID';
  namespace?: string;
  name: string;
  apiVersion?: string;
  fieldPath?: string;
}

/** The headers' values one by one (node joins repeated headers with ", ", Go keeps each). */
function headerValues(rawHeaders: string[] | undefined, headers: Record<string, unknown>, name: string): string[] {
  if (rawHeaders) {
    const out: string[] = [];
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === name) out.push(rawHeaders[i + 1]);
    return out;
  }
  const v = headers[name];
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}

/** Go's %v of a v1.ObjectReference: {Kind Namespace Name UID APIVersion ResourceVersion FieldPath} */
function goRef(r: ImpersonationRequest): string {
  return `{${[r.kind, r.namespace ?? '', r.name, '', r.apiVersion ?? '', '', r.fieldPath ?? ''].join(' ')}}`;
}

/** unescapeExtraKey: url.PathUnescape, or the key as it is */
function unescapeExtraKey(k: string): string {
  try {
    return decodeURIComponent(k);
  } catch {
    return k;
  }
}

/** buildImpersonationRequests; throws the 500 upstream answers for groups/extra/uid without a user. */
export function impersonationRequests(headers: Record<string, unknown>, rawHeaders?: string[]): ImpersonationRequest[] {
  const out: ImpersonationRequest[] = [];
  const user = headerValues(rawHeaders, headers, USER_HEADER)[0] ?? '';
  const hasUser = user.length > 0;
  if (hasUser) {
    const sa = splitUsername(user);
    out.push(sa ? { kind: 'ServiceAccount', namespace: sa[0], name: sa[1] } : { kind: 'User', name: user });
  }
  const groups = headerValues(rawHeaders, headers, GROUP_HEADER);
  for (const g of groups) out.push({ kind: 'Group', name: g });
  let hasExtra = false;
  const extraNames: string[] = [];
  if (rawHeaders) {
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const n = rawHeaders[i].toLowerCase();
      if (n.startsWith(EXTRA_PREFIX) && !extraNames.includes(n)) extraNames.push(n);
    }
  } else for (const n of Object.keys(headers)) if (n.toLowerCase().startsWith(EXTRA_PREFIX)) extraNames.push(n.toLowerCase());
  for (const n of extraNames) {
    hasExtra = true;
    const key = unescapeExtraKey(n.slice(EXTRA_PREFIX.length));
    for (const v of headerValues(rawHeaders, headers, n)) out.push({ kind: 'UserExtra', apiVersion: 'authentication.k8s.io/v1', name: v, fieldPath: key });
  }
  const uid = headerValues(rawHeaders, headers, UID_HEADER)[0] ?? '';
  if (uid) out.push({ kind: 'UID', name: uid, apiVersion: 'authentication.k8s.io/v1' });
  if ((groups.length || hasExtra || uid) && !hasUser) throw internalError(new Error(`requested [${out.map(goRef).join(' ')}] without impersonating a user`));
  return out;
}

/**
 * The user a request acts as: the authenticated user when it asks for no impersonation, else the
 * impersonated one once every part of it is allowed. Throws upstream's 403 (or 500).
 */
export function impersonateUser(headers: Record<string, unknown>, rawHeaders: string[] | undefined, requestor: UserInfo, authorizer: Authorizer): UserInfo {
  const reqs = impersonationRequests(headers, rawHeaders);
  if (!reqs.length) return requestor;
  // groups given are the authority; a service account without them gets its fixed groups
  const groupsSpecified = reqs.some((r) => r.kind === 'Group');
  let username = '';
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  let uid = '';
  for (const r of reqs) {
    const [group, version] = r.apiVersion ? r.apiVersion.split('/') : ['', ''];
    const attrs: AuthzAttributes = {
      user: requestor,
      verb: 'impersonate',
      isResourceRequest: true,
      path: '',
      namespace: r.namespace ?? '',
      apiGroup: group,
      apiVersion: version ?? '',
      resource: '',
      subresource: '',
      name: r.name,
    };
    switch (r.kind) {
      case 'ServiceAccount':
        attrs.resource = 'serviceaccounts';
        username = makeUsername(r.namespace!, r.name);
        if (!groupsSpecified) groups = makeGroupNames(r.namespace!);
        break;
      case 'User':
        attrs.resource = 'users';
        username = r.name;
        break;
      case 'Group':
        attrs.resource = 'groups';
        groups.push(r.name);
        break;
      case 'UserExtra':
        attrs.resource = 'userextras';
        attrs.subresource = r.fieldPath!;
        (extra[r.fieldPath!] ??= []).push(r.name);
        break;
      case 'UID':
        attrs.resource = 'uids';
        uid = r.name;
        break;
    }
    const d = authorizer.authorize(attrs);
    if (d.decision !== 'allow') throw forbiddenError(attrs, d.reason);
  }
  if (username !== ANONYMOUS) {
    // a non-anonymous user is in system:authenticated unless the groups say unauthenticated
    if (!groups.some((g) => g === ALL_AUTHENTICATED || g === ALL_UNAUTHENTICATED)) groups.push(ALL_AUTHENTICATED);
  } else if (!groups.includes(ALL_UNAUTHENTICATED)) groups.push(ALL_UNAUTHENTICATED);
  const out: UserInfo = { username, groups };
  if (uid) out.uid = uid;
  if (Object.keys(extra).length) out.extra = extra;
  return out;
}

/** SecurityRuntime.impersonate */
export function impersonate(req: FastifyRequest, user: UserInfo, authorizer: Authorizer): UserInfo {
  return impersonateUser(req.headers as Record<string, unknown>, req.raw?.rawHeaders, user, authorizer);
}
