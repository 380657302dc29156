// Who a request is and what it may do: the shapes shared by authentication, impersonation and
// authorization (apiserver pkg/authentication/user/user.go, pkg/authorization/authorizer/interfaces.go).
import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** user.Info */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

// pkg/authentication/user/user.go
export const SYSTEM_MASTERS = 'system:masters';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS = 'system:anonymous';

/** What an authenticator sees of a request: its headers and, over TLS, the socket (peer certificate). */
export interface AuthRequest {
  headers: IncomingHttpHeaders;
  socket?: TLSSocket | import('node:net').Socket;
}

/**
 * authenticator.Request: `undefined` when it has no opinion (no credentials of its kind), a user
 * when they authenticate, or an error when credentials of its kind are present but invalid (the
 * chain answers 401 if no other authenticator accepts the request).
 */
export type AuthResult = { user: UserInfo; audiences?: string[] } | { error: string } | undefined;

export interface Authenticator {
  name: string;
  authenticate(req: AuthRequest): AuthResult | Promise<AuthResult>;
}

/** authorizer.Attributes */
export interface AuthzAttributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  /** non-resource requests: the URL path */
  path: string;
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
}

export type Decision = 'allow' | 'deny' | 'noopinion';

export interface Authorizer {
  authorize(a: AuthzAttributes): { decision: Decision; reason: string };
}

export const alwaysAllow: Authorizer = { authorize: () => ({ decision: 'allow', reason: '' }) };
