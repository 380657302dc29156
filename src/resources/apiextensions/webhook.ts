// The conversion webhook's clientConfig rules (staging/src/k8s.io/apiserver/pkg/util/webhook/validation.go:
// ValidateWebhookURL, ValidateWebhookService, ValidateCABundle), worded as upstream's.
import { X509Certificate } from 'node:crypto';
import type { Cause, KObject } from '../types.js';
import { invalid, isDNS1123Subdomain, required } from '../../registry/validation.js';
import { isMap } from './internal.js';
import { BYTES, renderGo } from './gofmt.js';
import { goInvalid } from './schema-validation.js';

const FORM = '; desired format: https://host[/path]';

/** The parts of a URL as Go's url.Parse splits them (enough for the webhook rules). */
function parseURL(raw: string): { scheme: string; host: string; user?: string; query: string; fragment: string } | string {
  let rest = raw;
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  if (/[\x00-\x1f\x7f]/.test(rest)) return `parse ${JSON.stringify(raw)}: net/url: invalid control character in URL`;
  let scheme = '';
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (m) {
    scheme = m[1]!.toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (rest.startsWith(':')) return `parse ${JSON.stringify(raw)}: missing protocol scheme`;
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let host = '';
  let user: string | undefined;
  if (rest.startsWith('//')) {
    const auth = rest.slice(2).split('/')[0]!;
    const at = auth.lastIndexOf('@');
    if (at >= 0) {
      user = auth.slice(0, at);
      host = auth.slice(at + 1);
    } else host = auth;
  }
  return { scheme, host, user, query, fragment };
}

/** ValidateWebhookURL (forceHttps). */
export function validateWebhookURL(p: string, url: string): Cause[] {
  const u = parseURL(url);
  if (typeof u === 'string') return [required(p, 'url must be a valid URL: ' + u + FORM)];
  const errs: Cause[] = [];
  if (u.scheme !== 'https') errs.push(invalid(p, u.scheme, "'https' is the only allowed URL scheme" + FORM));
  if (!u.host) errs.push(invalid(p, u.host, 'host must be specified' + FORM));
  if (u.user !== undefined) errs.push(invalid(p, u.user, 'user information is not permitted in the URL'));
  if (u.fragment) errs.push(invalid(p, u.fragment, 'fragments are not permitted in the URL'));
  if (u.query) errs.push(invalid(p, u.query, 'query parameters are not permitted in the URL'));
  return errs;
}

/** ValidateWebhookService. */
export function validateWebhookService(p: string, svc: KObject, minor = 33): Cause[] {
  const errs: Cause[] = [];
  // 1.34 dropped the details of these two
  if (!svc.name) errs.push(required(`${p}.name`, minor >= 34 ? '' : 'service name is required'));
  if (!svc.namespace) errs.push(required(`${p}.namespace`, minor >= 34 ? '' : 'service namespace is required'));
  const port = typeof svc.port === 'number' ? svc.port : 443;
  if (!(port >= 1 && port <= 65535)) errs.push(invalid(`${p}.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'));
  if (typeof svc.path !== 'string') return errs;
  const path = svc.path;
  if (path === '/' || path.length === 0) return errs;
  if (path === '//') return [...errs, invalid(`${p}.path`, path, 'segment[0] may not be empty')];
  if (!path.startsWith('/')) errs.push(invalid(`${p}.path`, path, "must start with a '/'"));
  let check = path.slice(1);
  if (check.endsWith('/')) check = check.slice(0, -1);
  check.split('/').forEach((step, i) => {
    if (!step) return void errs.push(invalid(`${p}.path`, path, `segment[${i}] may not be empty`));
    for (const f of isDNS1123Subdomain(step)) errs.push(invalid(`${p}.path`, path, `segment[${i}]: ${f}`));
  });
  return errs;
}

/** Whether a base64 caBundle holds at least one PEM certificate (what transport.TLSConfigFor needs). */
export function caBundleValid(caBundle: unknown): boolean {
  const pem = Buffer.from(String(caBundle ?? ''), 'base64').toString('latin1');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  let ok = false;
  for (const b of blocks) {
    try {
      new X509Certificate(b);
      ok = true;
    } catch {
      // not a certificate: skipped, as x509.CertPool.AppendCertsFromPEM skips it
    }
  }
  return ok;
}

/** ValidateCABundle. */
export function validateCABundle(p: string, caBundle: unknown, minor = 33): Cause[] {
  if (caBundleValid(caBundle)) return [];
  return [goInvalid(p, renderGo(BYTES, caBundle, minor), 'unable to load root certificates: unable to parse bytes as PEM block')];
}

/** The Webhook strategy's clientConfig (validateCustomResourceConversion). */
export function validateWebhookConversion(cc: KObject, p: string, allowInvalidCABundle: boolean, minor = 33): Cause[] {
  const errs: Cause[] = [];
  const hasURL = typeof cc.url === 'string';
  const hasService = isMap(cc.service);
  if (hasURL === hasService) errs.push(required(p, 'exactly one of url or service is required'));
  else if (hasURL) errs.push(...validateWebhookURL(`${p}.url`, cc.url));
  else errs.push(...validateWebhookService(`${p}.service`, cc.service, minor));
  if (typeof cc.caBundle === 'string' && cc.caBundle.length > 0 && !allowInvalidCABundle) errs.push(...validateCABundle(`${p}.caBundle`, cc.caBundle, minor));
  return errs;
}
