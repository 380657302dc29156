// serviceaccounts/token: the TokenRequest API (pkg/registry/core/serviceaccount/storage/token.go
// TokenREST.Create, pkg/apis/authentication/validation ValidateTokenRequest, v1 defaults).
import type { Registry } from '../../registry/registry.js';
import { badRequest, conflict, invalidObject } from '../../registry/errors.js';
import type { KObject } from '../types.js';
import { EXPIRATION_EXTENSION_SECONDS, WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS, type BoundObjects, type ServiceAccountTokens } from '../../auth/tokens/serviceaccount.js';

const GK = { group: 'authentication.k8s.io', kind: 'TokenRequest' };
/** ValidateTokenRequest's bounds */
const MIN_EXPIRATION_SECONDS = 10 * 60;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

const isMap = (v: unknown): v is KObject => !!v && typeof v === 'object' && !Array.isArray(v);
const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** schema.GroupVersionKind.String() of an apiVersion and kind */
function gvkString(apiVersion: string, kind: string): string {
  const i = apiVersion.indexOf('/');
  const [g, v] = i >= 0 ? [apiVersion.slice(0, i), apiVersion.slice(i + 1)] : ['', apiVersion];
  return `${g}/${v}, Kind=${kind}`;
}

export interface TokenRequestResult {
  object: KObject;
  warnings: string[];
}

/** TokenREST.Create: the answered TokenRequest for ServiceAccount `name` in `namespace`. */
export function createTokenRequest(registry: Registry, tokens: ServiceAccountTokens, namespace: string, name: string, body: KObject, opts: { maxExpirationSeconds?: number; extendExpiration?: boolean } = {}): TokenRequestResult {
  const req: KObject = structuredClone(isMap(body) ? body : {});
  if (!isMap(req.metadata)) req.metadata = {};
  if (!isMap(req.spec)) req.spec = {};
  if (!namespace) throw badRequest('namespace is required');
  // the name and namespace in the body, when given, are the URL's
  if (req.metadata.name && req.metadata.name !== name)
    throw invalidObject(GK, name, [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(req.metadata.name)}: must match the service account name if specified` }]);
  if (req.metadata.namespace && req.metadata.namespace !== namespace)
    throw invalidObject(GK, name, [{ reason: 'FieldValueInvalid', field: 'metadata.namespace', message: `Invalid value: ${JSON.stringify(req.metadata.namespace)}: must match the service account namespace if specified` }]);
  const sa = registry.get(registry.mustDef('', 'serviceaccounts'), namespace, name);

  // defaults (v1 SetDefaults_TokenRequestSpec) and the API server's audiences
  const spec = req.spec;
  if (typeof spec.expirationSeconds !== 'number') spec.expirationSeconds = 3600;
  if (!Array.isArray(spec.audiences) || !spec.audiences.length) spec.audiences = [...tokens.apiAudiences];
  if (spec.boundObjectRef === undefined) spec.boundObjectRef = null;
  req.metadata.name ||= name;
  req.metadata.namespace ||= namespace;
  const nowMs = Date.now();
  req.metadata.creationTimestamp = rfc3339(nowMs);
  req.status = {};
  req.apiVersion = 'authentication.k8s.io/v1';
  req.kind = 'TokenRequest';

  const exp = spec.expirationSeconds as number;
  const errs = [];
  if (exp < MIN_EXPIRATION_SECONDS) errs.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${exp}: may not specify a duration less than 10 minutes` });
  if (exp > MAX_EXPIRATION_SECONDS) errs.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${exp}: may not specify a duration larger than 2^32 seconds` });
  if (errs.length) throw invalidObject(GK, '', errs);

  const bound: BoundObjects = {};
  const ref = spec.boundObjectRef;
  if (isMap(ref)) {
    const apiVersion = String(ref.apiVersion ?? '');
    const kind = String(ref.kind ?? '');
    const refName = String(ref.name ?? '');
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    let uid: string;
    if (group === '' && kind === 'Pod') {
      const pod = registry.get(registry.mustDef('', 'pods'), namespace, refName);
      if (name !== pod.spec?.serviceAccountName) throw badRequest(`cannot bind token for serviceaccount ${JSON.stringify(name)} to pod running with different serviceaccount name.`);
      uid = pod.metadata.uid;
      bound.pod = { name: pod.metadata.name, uid };
      // ServiceAccountTokenPodNodeInfo: the pod's node goes into the claims (its uid when it exists)
      const nodeName = pod.spec?.nodeName;
      if (nodeName) {
        const node = registry.tryGet(registry.mustDef('', 'nodes'), '', nodeName);
        bound.node = { name: nodeName, uid: node?.metadata?.uid ?? '' };
      }
    } else if (group === '' && kind === 'Node') {
      const node = registry.get(registry.mustDef('', 'nodes'), '', refName);
      uid = node.metadata.uid;
      bound.node = { name: node.metadata.name, uid };
    } else if (group === '' && kind === 'Secret') {
      const secret = registry.get(registry.mustDef('', 'secrets'), namespace, refName);
      uid = secret.metadata.uid;
      bound.secret = { name: secret.metadata.name, uid };
    } else {
      throw badRequest(`cannot bind token to object of type ${gvkString(apiVersion, kind)}`);
    }
    if (ref.uid && ref.uid !== uid)
      throw conflict({ group: '', plural: kind }, refName, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }

  const warnings: string[] = [];
  if (opts.maxExpirationSeconds && spec.expirationSeconds > opts.maxExpirationSeconds) {
    warnings.push(`requested expiration of ${spec.expirationSeconds} seconds shortened to ${opts.maxExpirationSeconds} seconds`);
    spec.expirationSeconds = opts.maxExpirationSeconds;
  }
  // the projected-token transition: warn (not fail) after the requested hour, fail after a year
  let warnAfter = 0;
  let tokenExp = spec.expirationSeconds as number;
  const kubeAudiences = (spec.audiences as string[]).every((a) => tokens.apiAudiences.includes(a));
  if ((opts.extendExpiration ?? true) && bound.pod && tokenExp === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS && kubeAudiences) {
    warnAfter = tokenExp;
    tokenExp = EXPIRATION_EXTENSION_SECONDS;
  }
  const { token } = tokens.issue(sa, { audiences: spec.audiences, expirationSeconds: tokenExp, warnAfter, bound });
  req.status = { token, expirationTimestamp: rfc3339(nowMs + spec.expirationSeconds * 1000) };
  return { object: req, warnings };
}
