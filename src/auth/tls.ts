// The TLS part of the security options: the cluster PKI (generated or loaded), the serving pair
// (the user's own with --tls-cert-file/--tls-private-key-file) and the client-certificate
// authenticator. Called by buildSecurity.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Authenticator } from './types.js';
import { ensurePKI, type ClusterPKI } from './pki.js';
import { x509Authenticator } from './x509.js';
import type { SecurityContext, SecurityOptions, TLSMaterial } from './security.js';

export interface TLSParts {
  pki: ClusterPKI;
  /** undefined: plain HTTP (--insecure-http, the open mode) */
  tls?: TLSMaterial;
  authenticators: Authenticator[];
}

export function buildTLS(opts: SecurityOptions, ctx: SecurityContext): TLSParts {
  if (!!opts.tlsCertFile !== !!opts.tlsPrivateKeyFile) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  const pki = ensurePKI({ dataDir: ctx.dataDir, host: ctx.host, serviceIP: ctx.serviceIP, sans: opts.tlsSANs });
  if (ctx.dataDir && pki.made.length) ctx.logger.info({ dir: join(ctx.dataDir, 'pki'), made: pki.made }, 'cluster certificates written');
  if (opts.open) return { pki, authenticators: [] };
  const authenticators = [x509Authenticator()];
  if (opts.insecureHTTP) return { pki, authenticators };
  const own = opts.tlsCertFile && opts.tlsPrivateKeyFile ? { cert: readFileSync(opts.tlsCertFile, 'utf8'), key: readFileSync(opts.tlsPrivateKeyFile, 'utf8') } : undefined;
  return { pki, authenticators, tls: { cert: own?.cert ?? pki.serverCert, key: own?.key ?? pki.serverKey, ca: pki.caCert } };
}
