// Token authentication as buildSecurity installs it: the static token file and service-account
// tokens behind one bearer-token authenticator (pkg/kubeapiserver/authenticator/config.go
// BuildAuthenticator: token authenticators in a union, wrapped by bearertoken).
import type { SecurityRuntime } from '../filters.js';
import type { SecurityContext, SecurityOptions } from '../security.js';
import { audienceAgnostic, authenticateTokenUnion, bearerAuthenticator, type TokenAuthenticator, type TokenResult } from './bearer.js';
import { setupServiceAccountTokens, type ServiceAccountTokens } from './serviceaccount.js';
import { loadTokenFile } from './tokenfile.js';

const unions = new WeakMap<SecurityRuntime, TokenAuthenticator[]>();

/** Adds the bearer-token authenticator (token file, service-account tokens) to the runtime. */
export function installTokenAuthentication(runtime: SecurityRuntime, opts: SecurityOptions, ctx: SecurityContext): ServiceAccountTokens {
  const sa = setupServiceAccountTokens({ registry: ctx.registry, issuer: opts.serviceAccountIssuer, dataDir: ctx.dataDir });
  const auths: TokenAuthenticator[] = [];
  if (opts.tokenAuthFile) auths.push(audienceAgnostic(sa.apiAudiences, loadTokenFile(opts.tokenAuthFile, ctx.logger)));
  auths.push(sa.authenticator());
  unions.set(runtime, auths);
  runtime.authenticators.push(bearerAuthenticator(auths));
  return sa;
}

/**
 * A token as TokenReview checks it (the server's token authenticators, for the given audiences):
 * undefined when the server has none (the open mode).
 */
export async function reviewToken(runtime: SecurityRuntime, token: string, audiences?: string[]): Promise<TokenResult | 'none'> {
  const auths = unions.get(runtime);
  if (!auths) return 'none';
  const r = await authenticateTokenUnion(auths, token, audiences);
  return r ?? { error: 'invalid bearer token' };
}
