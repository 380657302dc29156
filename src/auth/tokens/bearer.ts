// Bearer tokens: the `Authorization: Bearer <token>` request authenticator over a union of token
// authenticators (apiserver pkg/authentication/request/bearertoken/bearertoken.go and
// pkg/authentication/token/union/union.go).
import type { AuthRequest, AuthResult, Authenticator, UserInfo } from '../types.js';

/** What a token authenticator answers: no opinion, a user (with the audiences it is valid for), or an error. */
export type TokenResult = { user: UserInfo; audiences?: string[] } | { error: string } | undefined;

/** authenticator.Token: `audiences` are the ones the request asks for (default: the API server's). */
export interface TokenAuthenticator {
  name: string;
  authenticateToken(token: string, audiences?: string[]): TokenResult | Promise<TokenResult>;
}

/** The token of an `Authorization: Bearer` header, or undefined (bearertoken.go's parsing). */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return undefined;
  const auth = raw.trim();
  if (!auth) return undefined;
  const parts = splitN(auth, ' ', 3);
  if (parts.length < 2 || parts[0].toLowerCase() !== 'bearer') return undefined;
  // empty bearer tokens (`Bearer  x`: the space before the token) are not valid
  return parts[1] || undefined;
}

/** strings.SplitN */
function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}

/** utilerrors.NewAggregate(...).Error() */
export function aggregateMessage(errs: string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

/**
 * tokenunion.New: the first authenticator that accepts the token wins; otherwise the aggregate of
 * their errors, or no opinion when none had one.
 */
export async function authenticateTokenUnion(auths: TokenAuthenticator[], token: string, audiences?: string[]): Promise<TokenResult> {
  const errs: string[] = [];
  for (const a of auths) {
    const r = await a.authenticateToken(token, audiences);
    if (!r) continue;
    if ('error' in r) {
      errs.push(r.error);
      continue;
    }
    return r;
  }
  return errs.length ? { error: aggregateMessage(errs) } : undefined;
}

/** bearertoken.New over the union: a bearer token nobody accepts is `invalid bearer token` unless one said why. */
export function bearerAuthenticator(auths: TokenAuthenticator[]): Authenticator {
  return {
    name: 'bearer-token',
    async authenticate(req: AuthRequest): Promise<AuthResult> {
      const token = bearerToken(req.headers.authorization);
      if (token === undefined) return undefined;
      const r = await authenticateTokenUnion(auths, token);
      if (!r) return { error: 'invalid bearer token' };
      return r;
    },
  };
}

/** authenticator.Audiences.Intersect */
export function intersectAudiences(a: string[], b: string[]): string[] {
  return a.filter((x) => b.includes(x));
}

/**
 * authenticator.WrapAudienceAgnosticToken: an authenticator that knows nothing of audiences (the
 * token file) answers for the API server's audiences only.
 */
export function audienceAgnostic(implicit: string[], a: TokenAuthenticator): TokenAuthenticator {
  return {
    name: a.name,
    async authenticateToken(token, audiences) {
      const want = audiences && audiences.length ? audiences : implicit;
      const auds = intersectAudiences(want, implicit);
      if (implicit.length && !auds.length) return undefined;
      const r = await a.authenticateToken(token);
      if (r && 'user' in r) return { user: r.user, audiences: auds };
      return r;
    },
  };
}
