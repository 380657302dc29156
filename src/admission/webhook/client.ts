// POSTing an AdmissionReview / ConversionReview to a webhook: clientConfig.url or a Service
// reference, over HTTPS with caBundle (staging/src/k8s.io/apiserver/pkg/util/webhook/client.go,
// authentication.go, serviceresolver.go). Errors are worded as client-go's would be
// (`Post "https://...?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused`).
//
// Services: pod IPs are simulated here, so a service reference resolves to a host address given
// on the Service:
//   - the annotation `kube-emulator.io/webhook-address: host:port` (the port there is used as is), or
//   - a Service of type ExternalName (spec.externalName, with the reference's port).
// The server certificate must be valid for `<service>.<namespace>.svc` (the name upstream verifies).
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

// Connections to a webhook are kept alive and reused, as the apiserver's cached transports do
// (webhook/client_manager.go): a controller's burst of 500 pod creates is not 500 TLS handshakes.
const agents = new Map<string, HttpsAgent>();
function agentFor(key: string): HttpsAgent {
  let a = agents.get(key);
  if (!a) {
    if (agents.size >= 64) {
      for (const old of agents.values()) old.destroy();
      agents.clear();
    }
    // an idle connection is closed before a Go or Node server would drop it (their idle timeouts: 5 s and more)
    a = new HttpsAgent({ keepAlive: true, maxSockets: 32, timeout: 4_000 });
    agents.set(key, a);
  }
  return a;
}
import { checkServerIdentity } from 'node:tls';
import type { Registry } from '../../registry/registry.js';
import type { KObject } from '../../resources/types.js';

export const WEBHOOK_ADDRESS_ANNOTATION = 'kube-emulator.io/webhook-address';

export interface ClientConfig {
  url?: string;
  service?: { namespace?: string; name?: string; path?: string; port?: number };
  caBundle?: string;
}

/** A failure calling the webhook (webhookutil.ErrCallingWebhook's reason). */
export class CallError extends Error {}

export interface Target {
  /** the URL as upstream prints it in errors */
  url: string;
  host: string;
  port: number;
  path: string;
  servername: string;
}

export function resolveTarget(cc: ClientConfig, registry: Registry | undefined): Target {
  if (cc.url) {
    const u = new URL(cc.url);
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    return { url: cc.url, host, port: u.port ? Number(u.port) : 443, path: (u.pathname || '/') + u.search, servername: host };
  }
  const s = cc.service ?? {};
  const port = s.port ?? 443;
  const dns = `${s.name}.${s.namespace}.svc`;
  const url = `https://${dns}:${port}${s.path ?? ''}`;
  const svcDef = registry?.def('', 'services');
  const svc = svcDef && registry ? registry.tryGet(svcDef, String(s.namespace ?? ''), String(s.name ?? '')) : undefined;
  if (!svc) throw new CallError(`service "${s.name}" not found`);
  const addr = svc.metadata?.annotations?.[WEBHOOK_ADDRESS_ANNOTATION];
  if (typeof addr === 'string' && addr) {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(addr.trim());
    if (!m) throw new CallError(`invalid ${WEBHOOK_ADDRESS_ANNOTATION} annotation ${JSON.stringify(addr)} on service "${s.name}": want host:port`);
    return { url, host: m[1], port: Number(m[2]), path: s.path || '/', servername: dns };
  }
  if (svc.spec?.type === 'ExternalName' && svc.spec.externalName) return { url, host: String(svc.spec.externalName), port, path: s.path || '/', servername: dns };
  // serviceresolver: a Service with no ready endpoints reachable from here
  throw new CallError(`no endpoints available for service "${s.name}"`);
}

/** Go's rendering of a dial or TLS error, from Node's. */
export function goNetError(e: NodeJS.ErrnoException & { address?: string; port?: number }, t: Target): string {
  const addr = `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
  switch (e.code) {
    case 'ECONNREFUSED': return `dial tcp ${addr}: connect: connection refused`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `dial tcp: lookup ${t.host}: no such host`;
    case 'ECONNRESET': return 'read: connection reset by peer';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': case 'SELF_SIGNED_CERT_IN_CHAIN': case 'DEPTH_ZERO_SELF_SIGNED_CERT': case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return `tls: failed to verify certificate: x509: certificate is not valid for ${t.servername}`;
    case 'CERT_HAS_EXPIRED': return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    default: return e.message;
  }
}

/**
 * POSTs `body` (JSON) and answers the parsed JSON response. Throws CallError with upstream's reason
 * (`failed to call webhook: ...` is the caller's prefix).
 */
export function postJSON(cc: ClientConfig, registry: Registry, body: unknown, timeoutSeconds: number): Promise<any> {
  let t: Target;
  try {
    t = resolveTarget(cc, registry);
  } catch (e) {
    return Promise.reject(e instanceof CallError ? e : new CallError(String((e as Error)?.message ?? e)));
  }
  const sep = t.path.includes('?') ? '&' : '?';
  const shown = `${t.url}${sep}timeout=${timeoutSeconds}s`;
  const payload = Buffer.from(JSON.stringify(body));
  const ca = cc.caBundle ? Buffer.from(cc.caBundle, 'base64') : undefined;
  return new Promise((resolvePromise, reject) => {
    let done = false;
    const fail = (msg: string) => {
      if (done) return;
      done = true;
      reject(new CallError(`Post ${JSON.stringify(shown)}: ${msg}`));
    };
    const req = httpsRequest({
      host: t.host,
      port: t.port,
      path: `${t.path}${sep}timeout=${timeoutSeconds}s`,
      method: 'POST',
      servername: /^[\d.]+$|:/.test(t.servername) ? undefined : t.servername,
      // the name verified is the URL's host or <service>.<namespace>.svc, not the address dialled
      checkServerIdentity: (_host, cert) => checkServerIdentity(t.servername, cert),
      ca,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, */*', 'Content-Length': payload.length },
      agent: agentFor(`${t.host}:${t.port}|${t.servername}|${cc.caBundle ?? ''}`),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => fail(goNetError(e, t)));
      res.on('end', () => {
        if (done) return;
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        const code = res.statusCode ?? 0;
        if (code < 200 || code > 299) {
          done = true;
          reject(new CallError(`an error on the server (${JSON.stringify(text.slice(0, 1024))}) has prevented the request from succeeding`));
          return;
        }
        try {
          done = true;
          resolvePromise(JSON.parse(text));
        } catch (e) {
          reject(new CallError(`couldn't get version/kind; json parse error: ${(e as Error).message}`));
        }
      });
    });
    const timer = setTimeout(() => {
      fail('context deadline exceeded');
      req.destroy();
    }, timeoutSeconds * 1000);
    req.on('error', (e) => {
      clearTimeout(timer);
      fail(goNetError(e, t));
    });
    req.end(payload);
  });
}

export type { KObject };
