// MutatingWebhookConfiguration and ValidatingWebhookConfiguration (admissionregistration.k8s.io/v1,
// cluster-scoped): staging/src/k8s.io/api/admissionregistration/v1/types.go,
// pkg/apis/admissionregistration/v1/defaults.go, pkg/apis/admissionregistration/validation/validation.go
// and pkg/printers/internalversion/printers.go (NAME WEBHOOKS AGE).
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { duplicate, invalid, notSupported, required } from '../../registry/validation.js';
import { isDNS1123Subdomain } from '../../registry/validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from '../../printers/format.js';
import { validateLabelSelector } from '../labelselector.js';
import { compileExpressionSync, MATCH_CONDITION_VARIABLES } from '../../admission/cel.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const webhooksPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Webhooks', 'Webhooks indicates the number of webhooks registered in this configuration.', { type: 'integer' }), AGE_COLUMN],
  row(o, now) {
    return [o.metadata?.name ?? '', Array.isArray(o.webhooks) ? o.webhooks.length : 0, age(o, now)];
  },
};

/** SetDefaults_Rule: scope "*". */
function defaultRules(rules: unknown): void {
  if (!Array.isArray(rules)) return;
  for (const r of rules) if (isObj(r) && (r.scope === undefined || r.scope === null)) r.scope = '*';
}

/** SetDefaults_ServiceReference: port 443. */
function defaultClientConfig(cc: unknown): void {
  if (isObj(cc) && isObj(cc.service) && (cc.service.port === undefined || cc.service.port === null)) cc.service.port = 443;
}

/** SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook (v1). */
function defaultWebhook(w: KObject, mutating: boolean): void {
  w.failurePolicy ??= 'Fail';
  w.matchPolicy ??= 'Equivalent';
  w.namespaceSelector ??= {};
  w.objectSelector ??= {};
  w.timeoutSeconds ??= 10;
  if (mutating) w.reinvocationPolicy ??= 'Never';
  defaultRules(w.rules);
  defaultClientConfig(w.clientConfig);
}

const defaults = (mutating: boolean) => (obj: KObject): void => {
  if (Array.isArray(obj.webhooks)) for (const w of obj.webhooks) if (isObj(w)) defaultWebhook(w, mutating);
};

const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
const REVIEW_VERSIONS = ['v1', 'v1beta1'];

/** IsFullyQualifiedName: a DNS-1123 subdomain with at least three segments. */
function validateQualifiedName(path: string, name: unknown): Cause[] {
  if (typeof name !== 'string' || name === '') return [required(path)];
  const errs = isDNS1123Subdomain(name);
  if (errs.length) return errs.map((e) => invalid(path, name, e));
  if (name.split('.').length < 3) return [invalid(path, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

/** validateResources: "*" and "x/*" forms, no overlaps. */
function validateResources(resources: unknown[], path: string): Cause[] {
  const causes: Cause[] = [];
  if (!resources.length) causes.push(required(path));
  const resourcesWithWildcardSubresources = new Set<string>();
  const subResourcesWithWildcardResource = new Set<string>();
  const seen = new Set<string>();
  let hasWildcard = false;
  resources.forEach((r, i) => {
    if (r === '') { causes.push(required(`${path}[${i}]`)); return; }
    if (r === '*') hasWildcard = true;
    const s = String(r);
    const [res, sub] = s.includes('/') ? [s.slice(0, s.indexOf('/')), s.slice(s.indexOf('/') + 1)] : [s, ''];
    if (sub === '*') resourcesWithWildcardSubresources.add(res);
    if (res === '*' && sub) subResourcesWithWildcardResource.add(sub);
    seen.add(s);
  });
  if (hasWildcard && resources.length > 1) causes.push(invalid(path, resources, "if '*' is present, must not specify other resources"));
  resources.forEach((r, i) => {
    const s = String(r);
    if (!s.includes('/')) return;
    const res = s.slice(0, s.indexOf('/'));
    const sub = s.slice(s.indexOf('/') + 1);
    if (sub !== '*' && resourcesWithWildcardSubresources.has(res)) causes.push(invalid(`${path}[${i}]`, s, `if '${res}/*' is present, must not specify ${s}`));
    if (res !== '*' && subResourcesWithWildcardResource.has(sub)) causes.push(invalid(`${path}[${i}]`, s, `if '*/${sub}' is present, must not specify ${s}`));
  });
  return causes;
}

function validateRule(r: unknown, path: string): Cause[] {
  if (!isObj(r)) return [required(path)];
  const causes: Cause[] = [];
  const ops = Array.isArray(r.operations) ? r.operations : [];
  if (!ops.length) causes.push(required(`${path}.operations`));
  if (ops.length > 1 && ops.includes('*')) causes.push(invalid(`${path}.operations`, ops, "if '*' is present, must not specify other operations"));
  ops.forEach((o: unknown, i: number) => { if (!OPERATIONS.includes(String(o))) causes.push(notSupported(`${path}.operations[${i}]`, o, OPERATIONS)); });
  const groups = Array.isArray(r.apiGroups) ? r.apiGroups : [];
  if (!groups.length) causes.push(required(`${path}.apiGroups`));
  if (groups.length > 1 && groups.includes('*')) causes.push(invalid(`${path}.apiGroups`, groups, "if '*' is present, must not specify other API groups"));
  const versions = Array.isArray(r.apiVersions) ? r.apiVersions : [];
  if (!versions.length) causes.push(required(`${path}.apiVersions`));
  if (versions.length > 1 && versions.includes('*')) causes.push(invalid(`${path}.apiVersions`, versions, "if '*' is present, must not specify other API versions"));
  versions.forEach((v: unknown, i: number) => { if (v === '') causes.push(required(`${path}.apiVersions[${i}]`)); });
  causes.push(...validateResources(Array.isArray(r.resources) ? r.resources : [], `${path}.resources`));
  if (r.scope !== undefined && r.scope !== null && !SCOPES.includes(String(r.scope))) causes.push(notSupported(`${path}.scope`, r.scope, SCOPES));
  return causes;
}

/** ValidateWebhookClientConfig / ValidateWebhookURL / ValidateWebhookService. */
function validateClientConfig(cc: unknown, path: string): Cause[] {
  if (!isObj(cc) || (!cc.url && !cc.service) || (cc.url && cc.service)) return [required(path, 'exactly one of url or service is required')];
  const causes: Cause[] = [];
  if (cc.url) {
    const p = `${path}.url`;
    let u: URL | undefined;
    try { u = new URL(String(cc.url)); } catch { causes.push(invalid(p, cc.url, 'host must be specified')); }
    if (u) {
      if (u.protocol !== 'https:') causes.push(invalid(p, cc.url, "'https' is the only allowed URL scheme"));
      if (!u.hostname) causes.push(invalid(p, cc.url, 'host must be specified'));
      if (u.username || u.password) causes.push(invalid(p, cc.url, 'user information is not permitted in the URL'));
      if (u.hash) causes.push(invalid(p, cc.url, 'fragments are not permitted in the URL'));
      if (u.search) causes.push(invalid(p, cc.url, 'query parameters are not permitted in the URL'));
    }
  } else {
    const s = cc.service as KObject;
    const p = `${path}.service`;
    if (!s.name) causes.push(required(`${p}.name`, 'service name is required'));
    if (!s.namespace) causes.push(required(`${p}.namespace`, 'service namespace is required'));
    if (typeof s.port === 'number' && (s.port < 1 || s.port > 65535)) causes.push(invalid(`${p}.port`, s.port, 'port is not valid: must be between 1 and 65535, inclusive'));
    if (s.path !== undefined && s.path !== null && s.path !== '') {
      const sp = String(s.path);
      if (!sp.startsWith('/')) causes.push(invalid(`${p}.path`, sp, "must start with a '/'"));
      else if (sp !== '/' && sp.split('/').slice(1).some((seg) => seg === '')) causes.push(invalid(`${p}.path`, sp, 'segment[0] may not be empty'));
    }
  }
  return causes;
}

/** validateMatchConditions: names unique qualified names, expressions compile (checked at dispatch). */
function validateMatchConditions(mcs: unknown, path: string): Cause[] {
  if (!Array.isArray(mcs)) return [];
  const causes: Cause[] = [];
  if (mcs.length > 64) causes.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${mcs.length}: must have at most 64 items` });
  const names = new Set<string>();
  mcs.forEach((mc: unknown, i: number) => {
    const p = `${path}[${i}]`;
    if (!isObj(mc)) return;
    if (!mc.name) causes.push(required(`${p}.name`));
    else if (names.has(String(mc.name))) causes.push(duplicate(`${p}.name`, mc.name));
    else names.add(String(mc.name));
    if (!mc.expression) causes.push(required(`${p}.expression`));
    else {
      // (compiled when the CEL library is loaded: the server loads it before these writes)
      const c = compileExpressionSync(String(mc.expression), MATCH_CONDITION_VARIABLES);
      if (c && 'error' in c) causes.push(invalid(`${p}.expression`, mc.expression, `compilation failed: ${c.error}`));
    }
  });
  return causes;
}

function validateWebhook(w: unknown, path: string, mutating: boolean): Cause[] {
  if (!isObj(w)) return [required(path)];
  const causes: Cause[] = [...validateQualifiedName(`${path}.name`, w.name)];
  (Array.isArray(w.rules) ? w.rules : []).forEach((r: unknown, i: number) => causes.push(...validateRule(r, `${path}.rules[${i}]`)));
  if (w.failurePolicy !== undefined && !['Fail', 'Ignore'].includes(String(w.failurePolicy))) causes.push(notSupported(`${path}.failurePolicy`, w.failurePolicy, ['Fail', 'Ignore']));
  if (w.matchPolicy !== undefined && !['Equivalent', 'Exact'].includes(String(w.matchPolicy))) causes.push(notSupported(`${path}.matchPolicy`, w.matchPolicy, ['Equivalent', 'Exact']));
  if (w.sideEffects === undefined || w.sideEffects === null || w.sideEffects === '') causes.push(required(`${path}.sideEffects`, 'must specify one of None, NoneOnDryRun'));
  else if (!['None', 'NoneOnDryRun'].includes(String(w.sideEffects))) causes.push(notSupported(`${path}.sideEffects`, w.sideEffects, ['None', 'NoneOnDryRun']));
  if (typeof w.timeoutSeconds === 'number' && (w.timeoutSeconds > 30 || w.timeoutSeconds < 1))
    causes.push(invalid(`${path}.timeoutSeconds`, w.timeoutSeconds, 'the timeout value must be between 1 and 30 seconds'));
  if (isObj(w.namespaceSelector)) causes.push(...validateLabelSelector(w.namespaceSelector, `${path}.namespaceSelector`));
  if (isObj(w.objectSelector)) causes.push(...validateLabelSelector(w.objectSelector, `${path}.objectSelector`));
  if (mutating && w.reinvocationPolicy !== undefined && !['IfNeeded', 'Never'].includes(String(w.reinvocationPolicy)))
    causes.push(notSupported(`${path}.reinvocationPolicy`, w.reinvocationPolicy, ['IfNeeded', 'Never']));
  const arv = Array.isArray(w.admissionReviewVersions) ? w.admissionReviewVersions : [];
  if (!arv.length) causes.push(required(`${path}.admissionReviewVersions`, `must specify one of ${REVIEW_VERSIONS.join(', ')}`));
  else {
    const seen = new Set<string>();
    arv.forEach((v: unknown, i: number) => {
      if (seen.has(String(v))) causes.push(duplicate(`${path}.admissionReviewVersions[${i}]`, v));
      seen.add(String(v));
    });
    if (!arv.some((v: unknown) => REVIEW_VERSIONS.includes(String(v))))
      causes.push(invalid(`${path}.admissionReviewVersions`, arv, `must include at least one of ${REVIEW_VERSIONS.join(', ')}`));
  }
  causes.push(...validateClientConfig(w.clientConfig, `${path}.clientConfig`));
  causes.push(...validateMatchConditions(w.matchConditions, `${path}.matchConditions`));
  return causes;
}

const validate = (mutating: boolean) => (obj: KObject): Cause[] => {
  const causes: Cause[] = [];
  const names = new Set<string>();
  (Array.isArray(obj.webhooks) ? obj.webhooks : []).forEach((w: unknown, i: number) => {
    if (isObj(w) && typeof w.name === 'string' && w.name) {
      if (names.has(w.name)) causes.push(duplicate(`webhooks[${i}].name`, w.name));
      names.add(w.name);
    }
    causes.push(...validateWebhook(w, `webhooks[${i}]`, mutating));
  });
  return causes;
};

function webhookConfigurationDef(mutating: boolean): ResourceDef {
  const kind = mutating ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration';
  return {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    plural: kind.toLowerCase() + 's',
    singular: kind.toLowerCase(),
    namespaced: false,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    categories: ['api-extensions'],
    subresources: [],
    definition: `io.k8s.api.admissionregistration.v1.${kind}`,
    table: webhooksPrinter,
    defaults: defaults(mutating),
    validate: validate(mutating),
  };
}

export const mutatingWebhookConfigurationDef = webhookConfigurationDef(true);
export const validatingWebhookConfigurationDef = webhookConfigurationDef(false);
