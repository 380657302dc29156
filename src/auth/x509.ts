// Client-certificate authentication (apiserver pkg/authentication/request/x509/x509.go): a
// certificate the TLS layer verified against the cluster CA names the user (CN) and the groups
// (O). A certificate presented but not verified (another CA, expired, not for client auth) fails
// the request with 401; no certificate: no opinion.
import type { TLSSocket } from 'node:tls';
import type { Authenticator } from './types.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';

export function x509Authenticator(): Authenticator {
  return {
    name: 'x509',
    authenticate(req) {
      const sock = req.socket as TLSSocket | undefined;
      if (!sock || typeof sock.getPeerCertificate !== 'function') return undefined;
      const cert = sock.getPeerCertificate();
      if (!cert || !cert.raw) return undefined;
      if (!sock.authorized) return { error: `verifying certificate: ${String(sock.authorizationError ?? 'unknown authority')}` };
      // x509.go verifies with KeyUsages: [ExtKeyUsageClientAuth]
      const eku = (cert as { ext_key_usage?: string[] }).ext_key_usage;
      if (eku && eku.length && !eku.includes(CLIENT_AUTH) && !eku.includes(ANY_EKU)) return { error: 'x509: certificate specifies an incompatible key usage' };
      const cn = asList(cert.subject?.CN)[0];
      // CommonNameUserConversion: a certificate without a CN is refused
      if (!cn) return { error: 'x509: certificate has no common name' };
      return { user: { username: cn, groups: asList(cert.subject?.O) } };
    },
  };
}

function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
