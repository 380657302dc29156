// Service-account issuer discovery: /.well-known/openid-configuration and /openid/v1/jwks
// (pkg/serviceaccount/openidmetadata.go; routed in server/app.ts, readable as upstream's
// system:service-account-issuer-discovery role allows).
import type { Registry } from '../../registry/registry.js';
import { serviceAccountTokens } from './serviceaccount.js';

export const OIDC_DISCOVERY_PATH = '/.well-known/openid-configuration';
export const OIDC_JWKS_PATH = '/openid/v1/jwks';

/** openidmetadata.go: the responses may be cached for an hour */
const CACHE_CONTROL = 'public, max-age=3600';

export interface IssuerDocument {
  contentType: string;
  cacheControl: string;
  body: Buffer;
}

/**
 * The document served at `path` (json.Marshal's bytes, no newline), or undefined when discovery is
 * off (an issuer that is not an https URL).
 */
export function serviceAccountIssuerDocument(registry: Registry, path: string, externalAddress: string, scheme: string): IssuerDocument | undefined {
  const t = serviceAccountTokens(registry);
  const config = t.openIDConfiguration(externalAddress, scheme);
  if (!config) return undefined;
  if (path === OIDC_DISCOVERY_PATH) return { contentType: 'application/json', cacheControl: CACHE_CONTROL, body: Buffer.from(JSON.stringify(config)) };
  return { contentType: 'application/jwk-set+json', cacheControl: CACHE_CONTROL, body: Buffer.from(JSON.stringify(t.jwks())) };
}
