// Service-account tokens: JWTs signed with the cluster's service-account key, as kube-apiserver
// issues and checks them (pkg/serviceaccount/jwt.go, claims.go, legacy.go;
// apiserver pkg/authentication/serviceaccount/util.go). Signing and verification are synchronous
// node:crypto; jose (lazy-loaded) parses a token the first time it is seen, and the verified claims
// are cached so a request pays one map lookup plus the registry checks (the bound objects must
// still exist at every request).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Registry } from '../../registry/registry.js';
import type { KObject } from '../../resources/types.js';
import type { UserInfo } from '../types.js';
import { intersectAudiences, type TokenAuthenticator, type TokenResult } from './bearer.js';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** legacy.go LegacyIssuer: tokens in kubernetes.io/service-account-token Secrets */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

// claims.go
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;
// legacy.go: labels on token secrets
export const LEGACY_TOKEN_LAST_USED = 'kubernetes.io/legacy-token-last-used';
export const LEGACY_TOKEN_INVALID_SINCE = 'kubernetes.io/legacy-token-invalid-since';
/** go-jose jwt.DefaultLeeway */
const LEEWAY_S = 60;

// apiserver pkg/authentication/serviceaccount/util.go
export const SA_USER_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const POD_NAME_KEY = 'authentication.kubernetes.io/pod-name';
export const POD_UID_KEY = 'authentication.kubernetes.io/pod-uid';
export const NODE_NAME_KEY = 'authentication.kubernetes.io/node-name';
export const NODE_UID_KEY = 'authentication.kubernetes.io/node-uid';
export const CREDENTIAL_ID_KEY = 'authentication.kubernetes.io/credential-id';

export function makeUsername(namespace: string, name: string): string {
  return `${SA_USER_PREFIX}${namespace}:${name}`;
}

/** SplitUsername: [namespace, name] of system:serviceaccount:<ns>:<name>, or undefined */
export function splitUsername(username: string): [string, string] | undefined {
  if (!username.startsWith(SA_USER_PREFIX)) return undefined;
  const parts = username.slice(SA_USER_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  // ValidateNamespaceName / ValidateServiceAccountName
  if (!isDNSLabel(parts[0]) || !isDNSSubdomain(parts[1])) return undefined;
  return [parts[0], parts[1]];
}

const isDNSLabel = (s: string) => s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
const isDNSSubdomain = (s: string) => s.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s);

export function makeGroupNames(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS_GROUP, `${ALL_SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

export interface ServiceAccountInfo {
  namespace: string;
  name: string;
  uid: string;
  podName?: string;
  podUID?: string;
  nodeName?: string;
  nodeUID?: string;
  credentialID?: string;
}

/** ServiceAccountInfo.UserInfo() */
export function serviceAccountUser(sa: ServiceAccountInfo): UserInfo {
  const u: UserInfo = { username: makeUsername(sa.namespace, sa.name), uid: sa.uid, groups: makeGroupNames(sa.namespace) };
  const extra: Record<string, string[]> = {};
  if (sa.podName && sa.podUID) {
    extra[POD_NAME_KEY] = [sa.podName];
    extra[POD_UID_KEY] = [sa.podUID];
  }
  if (sa.credentialID) extra[CREDENTIAL_ID_KEY] = [sa.credentialID];
  if (sa.nodeName) {
    extra[NODE_NAME_KEY] = [sa.nodeName];
    if (sa.nodeUID) extra[NODE_UID_KEY] = [sa.nodeUID];
  }
  if (Object.keys(extra).length) u.extra = extra;
  return u;
}

interface Ref {
  name: string;
  uid: string;
}

/** What a token is bound to (TokenRequest's boundObjectRef, resolved). */
export interface BoundObjects {
  pod?: Ref;
  secret?: Ref;
  node?: Ref;
}

/** base64url without padding */
const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** JSON with object keys sorted, as go-jose's claim merging (Go maps) serialises them. */
function sortedJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJSON).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJSON(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Go's %q of a []string: ["a" "b"] */
const goQuoteList = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

let jose: typeof import('jose') | undefined;
async function loadJose(): Promise<typeof import('jose')> {
  jose ??= await import('jose');
  return jose;
}

/** keyIDFromPublicKey (jwt.go): base64url(SHA-256(DER of the public key)) */
export function keyIDOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64url');
}

/** The service-account signing key: `<dataDir>/pki/sa.key` (made at first start), or a fresh one in memory. */
export function loadOrCreateSigningKey(dataDir?: string): KeyObject {
  const file = dataDir ? join(dataDir, 'pki', 'sa.key') : undefined;
  if (file && existsSync(file)) return createPrivateKey(readFileSync(file));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (file) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, privateKey.export({ type: 'sec1', format: 'pem' }), { mode: 0o600 });
  }
  return privateKey;
}

interface Claims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  'kubernetes.io'?: {
    namespace?: string;
    serviceaccount?: Partial<Ref>;
    pod?: Partial<Ref>;
    secret?: Partial<Ref>;
    node?: Partial<Ref>;
    warnafter?: number;
  };
  [k: string]: unknown;
}

interface Verified {
  claims: Claims;
}

const CACHE_MAX = 4096;

export interface ServiceAccountTokensOptions {
  registry: Registry;
  issuer?: string;
  /** the API server's audiences (default: [issuer]) */
  apiAudiences?: string[];
  dataDir?: string;
  key?: KeyObject;
  /** seconds since the epoch (tests) */
  now?: () => number;
}

/** The cluster's service-account token issuer and authenticators. */
export class ServiceAccountTokens {
  readonly issuer: string;
  readonly apiAudiences: string[];
  readonly kid: string;
  readonly alg: 'ES256' | 'RS256';
  /** the cluster CA (PEM) put into legacy token secrets as ca.crt, when TLS is on */
  rootCA?: string;
  private readonly key: KeyObject;
  private readonly pub: KeyObject;
  private readonly registry: Registry;
  private readonly now: () => number;
  private readonly verified = new Map<string, Verified>();
  private readonly metas = new Map<string, { rv: number; meta: { uid: string; deleting?: number } }>();
  private readonly header: string;

  constructor(opts: ServiceAccountTokensOptions) {
    this.registry = opts.registry;
    this.issuer = opts.issuer || DEFAULT_ISSUER;
    this.apiAudiences = opts.apiAudiences ?? [this.issuer];
    this.key = opts.key ?? loadOrCreateSigningKey(opts.dataDir);
    this.pub = createPublicKey(this.key);
    this.kid = keyIDOf(this.pub);
    this.alg = this.key.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256';
    this.header = b64url(JSON.stringify({ alg: this.alg, kid: this.kid }));
    this.now = opts.now ?? (() => Date.now() / 1000);
  }

  private signClaims(claims: Record<string, unknown>): string {
    const input = `${this.header}.${b64url(sortedJSON(claims))}`;
    const sig = sign('sha256', Buffer.from(input), this.alg === 'ES256' ? { key: this.key, dsaEncoding: 'ieee-p1363' } : this.key);
    return `${input}.${sig.toString('base64url')}`;
  }

  /** claims.go Claims + the generator's iss: a bound token (TokenRequest). */
  issue(sa: KObject, opts: { audiences: string[]; expirationSeconds: number; warnAfter?: number; bound?: BoundObjects }): { token: string; jti: string; claims: Record<string, unknown> } {
    const now = Math.floor(this.now());
    const jti = randomUUID();
    const k8s: Record<string, unknown> = {
      namespace: sa.metadata?.namespace,
      serviceaccount: { name: sa.metadata?.name, uid: sa.metadata?.uid },
    };
    const b = opts.bound ?? {};
    if (b.secret && (b.pod || b.node)) throw new Error('internal error, token can only be bound to one object type');
    if (b.pod) {
      k8s.pod = ref(b.pod);
      if (b.node) k8s.node = ref(b.node);
    } else if (b.secret) k8s.secret = ref(b.secret);
    else if (b.node) k8s.node = ref(b.node);
    if (opts.warnAfter) k8s.warnafter = now + opts.warnAfter;
    const claims: Record<string, unknown> = {
      iss: this.issuer,
      sub: makeUsername(sa.metadata?.namespace, sa.metadata?.name),
      aud: opts.audiences,
      exp: now + opts.expirationSeconds,
      iat: now,
      nbf: now,
      jti,
      'kubernetes.io': k8s,
    };
    return { token: this.signClaims(claims), jti, claims };
  }

  /** legacy.go LegacyClaims: the token of a kubernetes.io/service-account-token Secret (no expiry, no audience). */
  issueLegacy(sa: KObject, secretName: string): string {
    return this.signClaims({
      iss: LEGACY_ISSUER,
      sub: makeUsername(sa.metadata?.namespace, sa.metadata?.name),
      'kubernetes.io/serviceaccount/namespace': sa.metadata?.namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': sa.metadata?.name,
      'kubernetes.io/serviceaccount/service-account.uid': sa.metadata?.uid,
    });
  }

  /**
   * The signature check (jwtTokenAuthenticator: hasCorrectIssuer, ParseSigned, tok.Claims(key)):
   * undefined when the token is not one of ours (not a JWT, another issuer, an algorithm we do not
   * sign with), an error string for a bad signature.
   */
  private async verifySignature(token: string, issuers: string[]): Promise<Verified | { error: string } | undefined> {
    const hit = this.verified.get(token);
    if (hit) return issuers.includes(hit.claims.iss ?? '') ? hit : undefined;
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    // hasCorrectIssuer: the unverified payload names one of our issuers
    let claims: Claims;
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!claims || typeof claims !== 'object' || !issuers.includes(String(claims.iss))) return undefined;
    const j = await loadJose();
    let alg: string | undefined;
    try {
      alg = j.decodeProtectedHeader(token).alg;
      claims = j.decodeJwt(token) as Claims;
    } catch {
      return undefined; // jwt.ParseSigned failed: no opinion
    }
    if (alg !== this.alg) return undefined; // not an allowed signature algorithm
    let ok = false;
    try {
      const sig = Buffer.from(parts[2], 'base64url');
      ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), this.alg === 'ES256' ? { key: this.pub, dsaEncoding: 'ieee-p1363' } : this.pub, sig);
    } catch {
      ok = false;
    }
    if (!ok) return { error: 'go-jose/go-jose: error in cryptographic primitive' };
    if (this.verified.size >= CACHE_MAX) this.verified.clear();
    const v = { claims };
    this.verified.set(token, v);
    return v;
  }

  /** Audiences as the token lists them (a string or a list). */
  private static audiencesOf(c: Claims): string[] {
    if (typeof c.aud === 'string') return [c.aud];
    return Array.isArray(c.aud) ? c.aud.map(String) : [];
  }

  /** jwtTokenAuthenticator.AuthenticateToken for the bound (issuer) and legacy validators together. */
  async authenticateToken(token: string, audiences?: string[]): Promise<TokenResult> {
    const v = await this.verifySignature(token, [this.issuer, LEGACY_ISSUER]);
    if (!v || 'error' in v) return v;
    const c = v.claims;
    let tokenAuds = ServiceAccountTokens.audiencesOf(c);
    // only the API server's audiences are allowed for legacy tokens
    if (!tokenAuds.length) tokenAuds = this.apiAudiences;
    const requested = audiences && audiences.length ? audiences : this.apiAudiences;
    const auds = intersectAudiences(tokenAuds, requested);
    if (!auds.length && this.apiAudiences.length)
      return { error: `token audiences ${goQuoteList(tokenAuds)} is invalid for the target audiences ${goQuoteList(requested)}` };
    try {
      const info = c.iss === LEGACY_ISSUER ? this.validateLegacy(token, c) : this.validateBound(c);
      return { user: serviceAccountUser(info), audiences: auds };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  /** as a TokenAuthenticator for the bearer union */
  authenticator(): TokenAuthenticator {
    return { name: 'service-account', authenticateToken: (t, a) => this.authenticateToken(t, a) };
  }

  // ---- the objects a token names ---------------------------------------------------------------

  private meta(plural: string, namespace: string, name: string): { uid: string; deleting?: number } | undefined {
    const def = this.registry.def('', plural);
    if (!def || !name) return undefined;
    const e = this.registry.getEntry(def, namespace, name);
    if (!e) return undefined;
    // parsed once per resourceVersion: a request with a token pays a lookup, not a JSON parse
    const key = `${plural}/${namespace}/${name}`;
    const hit = this.metas.get(key);
    if (hit && hit.rv === e.rv) return hit.meta;
    const m = JSON.parse(e.json).metadata ?? {};
    const meta = { uid: String(m.uid ?? ''), deleting: m.deletionTimestamp ? Date.parse(m.deletionTimestamp) / 1000 : undefined };
    if (this.metas.size >= CACHE_MAX) this.metas.clear();
    this.metas.set(key, { rv: e.rv, meta });
    return meta;
  }

  /** claims.go validator.Validate */
  private validateBound(c: Claims): ServiceAccountInfo {
    const now = this.now();
    // jwt.Claims.ValidateWithLeeway (go-jose), in its order
    if (typeof c.nbf === 'number' && now + LEEWAY_S < c.nbf) throw new Error('service account token is not valid yet');
    if (typeof c.exp === 'number' && now - LEEWAY_S > c.exp) throw new Error('service account token has expired');
    if (typeof c.iat === 'number' && now + LEEWAY_S < c.iat) throw new Error('service account token is issued in the future');
    const deletedBefore = now - LEEWAY_S;
    const k = c['kubernetes.io'] ?? {};
    const ns = String(k.namespace ?? '');
    const saref = k.serviceaccount ?? {};
    const saName = String(saref.name ?? '');
    const sa = this.meta('serviceaccounts', ns, saName);
    if (!sa) throw new Error(`serviceaccounts "${saName}" not found`);
    if (sa.uid !== String(saref.uid ?? '')) throw new Error(`service account UID (${sa.uid}) does not match claim (${saref.uid ?? ''})`);
    if (sa.deleting !== undefined && sa.deleting < deletedBefore) throw new Error(`service account ${ns}/${saName} has been deleted`);
    if (k.secret) {
      const s = this.meta('secrets', ns, String(k.secret.name ?? ''));
      if (!s) throw new Error('service account token has been invalidated');
      if (String(k.secret.uid ?? '') !== s.uid) throw new Error(`secret UID (${s.uid}) does not match service account secret ref claim (${k.secret.uid ?? ''})`);
      if (s.deleting !== undefined && s.deleting < deletedBefore) throw new Error('service account token has been invalidated');
    }
    const info: ServiceAccountInfo = { namespace: ns, name: saName, uid: String(saref.uid ?? '') };
    if (k.pod) {
      const p = this.meta('pods', ns, String(k.pod.name ?? ''));
      if (!p) throw new Error('service account token has been invalidated');
      if (String(k.pod.uid ?? '') !== p.uid) throw new Error(`pod UID (${p.uid}) does not match service account pod ref claim (${k.pod.uid ?? ''})`);
      if (p.deleting !== undefined && p.deleting < deletedBefore) throw new Error('service account token has been invalidated');
      info.podName = String(k.pod.name);
      info.podUID = String(k.pod.uid);
    }
    if (k.node) {
      if (k.pod) {
        // pod-bound tokens carry the node for information only
        info.nodeName = k.node.name;
        info.nodeUID = k.node.uid;
      } else {
        const n = this.meta('nodes', '', String(k.node.name ?? ''));
        if (!n) throw new Error('service account token has been invalidated');
        if (String(k.node.uid ?? '') !== n.uid) throw new Error(`node UID (${n.uid}) does not match service account node ref claim (${k.node.uid ?? ''})`);
        if (n.deleting !== undefined && n.deleting < deletedBefore) throw new Error('service account token has been invalidated');
        info.nodeName = k.node.name;
        info.nodeUID = k.node.uid;
      }
    }
    if (c.jti) info.credentialID = `JTI=${c.jti}`;
    return info;
  }

  /** legacy.go legacyValidator.Validate (with lookup) */
  private validateLegacy(token: string, c: Claims): ServiceAccountInfo {
    const g = (k: string) => (typeof c[`kubernetes.io/serviceaccount/${k}`] === 'string' ? String(c[`kubernetes.io/serviceaccount/${k}`]) : '');
    if (!c.sub) throw new Error('sub claim is missing');
    const ns = g('namespace');
    if (!ns) throw new Error('namespace claim is missing');
    const secretName = g('secret.name');
    if (!secretName) throw new Error('secretName claim is missing');
    const saName = g('service-account.name');
    if (!saName) throw new Error('serviceAccountName claim is missing');
    const saUID = g('service-account.uid');
    if (!saUID) throw new Error('serviceAccountUID claim is missing');
    const split = splitUsername(String(c.sub));
    if (!split || split[0] !== ns || split[1] !== saName) throw new Error('sub claim is invalid');
    const secretDef = this.registry.def('', 'secrets');
    const e = secretDef && this.registry.getEntry(secretDef, ns, secretName);
    if (!e) throw new Error('Token has been invalidated');
    const secret = JSON.parse(e.json);
    if (secret.metadata?.deletionTimestamp) throw new Error('Token has been invalidated');
    const stored = typeof secret.data?.token === 'string' ? Buffer.from(secret.data.token, 'base64').toString('utf8') : '';
    if (stored !== token) throw new Error("Token does not match server's copy");
    const sa = this.meta('serviceaccounts', ns, saName);
    if (!sa) throw new Error(`serviceaccounts "${saName}" not found`);
    if (sa.deleting !== undefined) throw new Error(`ServiceAccount ${ns}/${saName} has been deleted`);
    if (sa.uid !== saUID) throw new Error(`ServiceAccount UID (${sa.uid}) does not match claim (${saUID})`);
    // LegacyServiceAccountTokenTracking / CleanUp: a token marked invalid is refused; use is dated
    const labels = secret.metadata?.labels ?? {};
    if (labels[LEGACY_TOKEN_INVALID_SINCE])
      throw new Error(
        `the token in secret ${ns}/${secretName} for service account ${ns}/${saName} has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the '${LEGACY_TOKEN_INVALID_SINCE}' label from the secret to temporarily allow use of this token`,
      );
    this.markLegacyTokenUsed(secretDef!, secret, labels[LEGACY_TOKEN_LAST_USED]);
    return { namespace: ns, name: saName, uid: saUID };
  }

  /** legacy.go: the secret's kubernetes.io/legacy-token-last-used label is today's date (UTC), written at most once a day */
  private markLegacyTokenUsed(def: import('../../resources/types.js').ResourceDef, secret: KObject, lastUsed: string | undefined): void {
    const now = new Date(this.now() * 1000);
    const today = now.toISOString().slice(0, 10);
    const tomorrow = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
    if (lastUsed === today || lastUsed === tomorrow) return;
    try {
      this.registry.modify(
        def,
        secret.metadata.namespace,
        secret.metadata.name,
        (live) => {
          if (live.metadata.uid !== secret.metadata.uid) return;
          live.metadata.labels = { ...(live.metadata.labels ?? {}), [LEGACY_TOKEN_LAST_USED]: today };
        },
        { fieldManager: 'kube-apiserver' },
      );
    } catch {
      // best effort, as upstream's patch (the token is still valid)
    }
  }

  // ---- discovery (openidmetadata.go) --------------------------------------------------------------

  /** the JSON Web Key Set of the public key(s) */
  jwks(): { keys: Record<string, unknown>[] } {
    const jwk = this.pub.export({ format: 'jwk' }) as Record<string, string>;
    // go-jose JSONWebKey field order: use, kty, kid, crv, alg, then the key material
    const key: Record<string, unknown> =
      this.alg === 'ES256'
        ? { use: 'sig', kty: 'EC', kid: this.kid, crv: jwk.crv, alg: 'ES256', x: jwk.x, y: jwk.y }
        : { use: 'sig', kty: 'RSA', kid: this.kid, alg: 'RS256', n: jwk.n, e: jwk.e };
    return { keys: [key] };
  }

  /**
   * The OIDC discovery document, or undefined when the issuer is not an https URL (upstream then
   * serves no discovery: NewOpenIDMetadata refuses it). Without --service-account-jwks-uri the
   * jwks_uri is the API server's own address (`https://<externalAddress>/openid/v1/jwks`).
   */
  openIDConfiguration(externalAddress: string, scheme = 'https'): Record<string, unknown> | undefined {
    let u: URL;
    try {
      u = new URL(this.issuer);
    } catch {
      return undefined;
    }
    if (u.protocol !== 'https:') return undefined;
    return {
      issuer: this.issuer,
      jwks_uri: `${scheme}://${externalAddress}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [this.alg],
    };
  }
}

function ref(r: Ref): Ref {
  return { name: r.name, uid: r.uid };
}

// ---- one issuer per server (the registry is the server's identity) ---------------------------------

const byRegistry = new WeakMap<Registry, ServiceAccountTokens>();

/** Makes the server's token issuer (buildSecurity). */
export function setupServiceAccountTokens(opts: ServiceAccountTokensOptions): ServiceAccountTokens {
  const t = new ServiceAccountTokens(opts);
  byRegistry.set(opts.registry, t);
  return t;
}

/** The server's token issuer (TokenRequest, the token controller, discovery); in the open mode a fresh in-memory one. */
export function serviceAccountTokens(registry: Registry): ServiceAccountTokens {
  let t = byRegistry.get(registry);
  if (!t) {
    t = new ServiceAccountTokens({ registry });
    byRegistry.set(registry, t);
  }
  return t;
}
