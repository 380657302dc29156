// Security options (CLI flags and createServer's `security`) and the runtime built from them at
// start: the TLS material, the authenticators, the authorizer and impersonation. Each part lives in
// its own module; this file only composes them.
import type { Logger } from 'pino';
import type { Registry } from '../registry/registry.js';
import type { SecurityRuntime } from './filters.js';
import { alwaysAllow } from './types.js';
import { buildTLS } from './tls.js';
import type { ClusterPKI } from './pki.js';
import { installTokenAuthentication } from './tokens/index.js';
import { impersonate } from './impersonation.js';

export interface SecurityOptions {
  /** the old open mode: plain HTTP, no authentication, every request allowed (CLI `--insecure`) */
  open?: boolean;
  /** serve plain HTTP instead of HTTPS; authentication and authorization stay on */
  insecureHTTP?: boolean;
  /** upstream --authorization-mode: RBAC (default) or AlwaysAllow */
  authorizationMode?: 'RBAC' | 'AlwaysAllow';
  /** upstream --anonymous-auth (default true) */
  anonymousAuth?: boolean;
  /** upstream --token-auth-file: CSV of token,user,uid[,"group1,group2"] */
  tokenAuthFile?: string;
  /** upstream --tls-cert-file / --tls-private-key-file: the serving certificate (else one signed by the cluster CA) */
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** extra subject alternative names for the generated serving certificate */
  tlsSANs?: string[];
  /** upstream --service-account-issuer (default https://kubernetes.default.svc.cluster.local) */
  serviceAccountIssuer?: string;
}

export interface SecurityContext {
  registry: Registry;
  logger: Logger;
  /** where keys and certificates are kept; undefined in memory (fresh ones each start) */
  dataDir?: string;
  host: string;
  /** the first ClusterIP of the service range (a SAN of the serving certificate) */
  serviceIP?: string;
}

/** TLS material for the HTTPS listener. */
export interface TLSMaterial {
  key: string;
  cert: string;
  /** the cluster CA (PEM): client certificates are verified against it */
  ca: string;
}

export interface BuiltSecurity {
  runtime: SecurityRuntime;
  /** undefined: plain HTTP */
  tls?: TLSMaterial;
  /** the cluster CA and the admin credentials (also in the open mode: kube-root-ca.crt is published) */
  pki?: ClusterPKI;
}

export async function buildSecurity(opts: SecurityOptions, ctx: SecurityContext): Promise<BuiltSecurity> {
  // TLS: the cluster CA, the serving pair, client certificates (first of the authenticators)
  const tls = buildTLS(opts, ctx);
  if (opts.open) return { runtime: { open: true, authenticators: [], anonymous: true, authorizer: alwaysAllow }, pki: tls.pki };
  const runtime: SecurityRuntime = { open: false, authenticators: [...tls.authenticators], anonymous: opts.anonymousAuth ?? true, authorizer: alwaysAllow };
  // bearer tokens (token file, service-account tokens) and impersonation: tokens/, impersonation.ts
  installTokenAuthentication(runtime, opts, ctx);
  runtime.impersonate = impersonate;
  return { runtime, tls: tls.tls, pki: tls.pki };
}
