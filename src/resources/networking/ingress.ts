// Ingress (networking.k8s.io/v1): pkg/apis/networking/validation/validation.go (ValidateIngressCreate,
// ValidateIngressUpdate, ValidateIngressStatusUpdate; 1.33: service names are DNS-1035 labels),
// pkg/registry/networking/ingress/strategy.go (status reset, generation on spec change).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, isDNS1035Label, isDNS1123Subdomain, notSupported, required } from '../../registry/validation.js';
import { portNameErrors, portNumErrors } from '../podspec-validation.js';
import { INVALID_IP_MESSAGE, ipFamily } from '../ip.js';
import { ingressPrinter } from '../../printers/networking.js';
import { installNetworkingAdmission } from './ingress-admission.js';

export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const WILDCARD_DNS1123 = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const WILDCARD_MSG =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** validation.IsWildcardDNS1123Subdomain */
export function isWildcardDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!WILDCARD_DNS1123.test(v)) errs.push(WILDCARD_MSG);
  return errs;
}

/** content.IsPathSegmentName (apimachinery/pkg/api/validation/path). */
export function isPathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const c of ['/', '%']) if (name.includes(c)) errs.push(`may not contain '${c}'`);
  return errs;
}

/** validateIngressTypedLocalObjectReference (a resource backend). */
function validateResourceRef(ref: KObject, path: string): Cause[] {
  const causes: Cause[] = [];
  if (typeof ref.apiGroup === 'string') for (const m of isDNS1123Subdomain(ref.apiGroup)) causes.push(invalid(`${path}.apiGroup`, ref.apiGroup, m));
  for (const k of ['kind', 'name']) {
    const v = str(ref[k]);
    if (v === '') causes.push(required(`${path}.${k}`));
    else for (const m of isPathSegmentName(v)) causes.push(invalid(`${path}.${k}`, v, m));
  }
  return causes;
}

function validateBackend(b: KObject, path: string): Cause[] {
  const hasResource = isMap(b.resource);
  const hasService = isMap(b.service);
  if (hasResource && hasService) return [invalid(path, '', 'cannot set both resource and service backends')];
  if (hasResource) return validateResourceRef(b.resource, `${path}.resource`);
  if (!hasService) return [invalid(path, '', 'resource or service backend is required')];
  const causes: Cause[] = [];
  const svc = b.service;
  const name = str(svc.name);
  if (name === '') causes.push(required(`${path}.service.name`));
  else for (const m of isDNS1035Label(name)) causes.push(invalid(`${path}.service.name`, name, m));
  const port: KObject = isMap(svc.port) ? svc.port : {};
  const pName = str(port.name);
  const pNum = typeof port.number === 'number' ? port.number : 0;
  if (pName && pNum) causes.push(invalid(path, '', 'cannot set both port name & port number'));
  else if (pName) for (const m of portNameErrors(pName)) causes.push(invalid(`${path}.service.port.name`, pName, m));
  else if (pNum) for (const m of portNumErrors(pNum)) causes.push(invalid(`${path}.service.port.number`, pNum, m));
  else causes.push(required(path, 'port name or number is required'));
  return causes;
}

function validatePath(p: KObject, path: string): Cause[] {
  const causes: Cause[] = [];
  if (p.pathType === undefined || p.pathType === null) return [required(`${path}.pathType`, 'pathType must be specified')];
  const value = str(p.path);
  switch (p.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) causes.push(invalid(`${path}.path`, value, 'must be an absolute path'));
      if (value.length > 0) {
        for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) causes.push(invalid(`${path}.path`, value, `must not contain '${seq}'`));
        for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) causes.push(invalid(`${path}.path`, value, `cannot end with '${suf}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (value.length > 0 && !value.startsWith('/')) causes.push(invalid(`${path}.path`, value, 'must be an absolute path'));
      break;
    default:
      causes.push(notSupported(`${path}.pathType`, p.pathType, PATH_TYPES));
  }
  causes.push(...validateBackend(isMap(p.backend) ? p.backend : {}, `${path}.backend`));
  return causes;
}

function validateRuleValue(rule: KObject, path: string): Cause[] {
  if (!isMap(rule.http)) return [];
  const causes: Cause[] = [];
  const paths = arr(rule.http.paths);
  if (paths.length === 0) causes.push(required(`${path}.http.paths`));
  paths.forEach((p, i) => causes.push(...validatePath(isMap(p) ? p : {}, `${path}.http.paths[${i}]`)));
  return causes;
}

interface IngressOptions {
  allowInvalidSecretName: boolean;
  allowInvalidWildcardHostRule: boolean;
}

function validateRules(rules: any[], opts: IngressOptions): Cause[] {
  const causes: Cause[] = [];
  rules.forEach((r, i) => {
    const rule: KObject = isMap(r) ? r : {};
    const path = `spec.rules[${i}]`;
    const host = str(rule.host);
    let wildcard = false;
    if (host.length > 0) {
      if (ipFamily(host) !== 0) causes.push(invalid(`${path}.host`, host, 'must be a DNS name, not an IP address'));
      if (host.includes('*')) {
        for (const m of isWildcardDNS1123Subdomain(host)) causes.push(invalid(`${path}.host`, host, m));
        wildcard = true;
      } else for (const m of isDNS1123Subdomain(host)) causes.push(invalid(`${path}.host`, host, m));
    }
    if (!wildcard || !opts.allowInvalidWildcardHostRule) causes.push(...validateRuleValue(rule, path));
  });
  return causes;
}

function validateTLS(tls: any[], opts: IngressOptions): Cause[] {
  const causes: Cause[] = [];
  tls.forEach((t, i) => {
    const entry: KObject = isMap(t) ? t : {};
    arr(entry.hosts).forEach((h, j) => {
      const host = str(h);
      const p = `spec.tls[${i}].hosts[${j}]`;
      const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const m of msgs) causes.push(invalid(p, host, m));
    });
    if (!opts.allowInvalidSecretName) {
      const name = str(entry.secretName);
      if (name) for (const m of isDNS1123Subdomain(name)) causes.push(invalid(`spec.tls[${i}].secretName`, name, m));
    }
  });
  return causes;
}

/** ValidateIngressSpec. */
export function validateIngressSpec(spec: KObject, opts: IngressOptions = { allowInvalidSecretName: false, allowInvalidWildcardHostRule: false }): Cause[] {
  const causes: Cause[] = [];
  const rules = arr(spec.rules);
  if (rules.length === 0 && !isMap(spec.defaultBackend)) {
    // field.Invalid(spec, spec.Rules): Go's %#v of the (nil or empty) rule list
    const rendered = Array.isArray(spec.rules) ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)';
    causes.push({ reason: 'FieldValueInvalid', field: 'spec', message: `Invalid value: ${rendered}: either \`defaultBackend\` or \`rules\` must be specified` });
  }
  if (isMap(spec.defaultBackend)) causes.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  if (rules.length > 0) causes.push(...validateRules(rules, opts));
  if (arr(spec.tls).length > 0) causes.push(...validateTLS(arr(spec.tls), opts));
  if (typeof spec.ingressClassName === 'string')
    for (const m of isDNS1123Subdomain(spec.ingressClassName)) causes.push(invalid('spec.ingressClassName', spec.ingressClassName, m));
  return causes;
}

/** ValidateIngressCreate (beyond metadata). */
export function validateIngressCreate(obj: KObject): Cause[] {
  const spec: KObject = isMap(obj.spec) ? obj.spec : {};
  const causes = validateIngressSpec(spec);
  const ann = obj.metadata?.annotations;
  if (isMap(ann) && Object.prototype.hasOwnProperty.call(ann, INGRESS_CLASS_ANNOTATION) && typeof spec.ingressClassName === 'string' && ann[INGRESS_CLASS_ANNOTATION] !== spec.ingressClassName)
    causes.push(invalid(`annotations.${INGRESS_CLASS_ANNOTATION}`, ann[INGRESS_CLASS_ANNOTATION], 'must match `ingressClassName` when both are specified'));
  return causes;
}


/** ValidateIngressStatusUpdate: the load-balancer entries. */
export function validateIngressStatusUpdate(newObj: KObject, oldObj: KObject): Cause[] {
  const causes: Cause[] = [];
  const oldIPs = arr(oldObj.status?.loadBalancer?.ingress).map((i) => str(i?.ip)).filter(Boolean);
  arr(newObj.status?.loadBalancer?.ingress).forEach((e, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    const ip = str(e?.ip);
    if (ip && !oldIPs.includes(ip) && ipFamily(ip) === 0) causes.push(invalid(`${p}.ip`, ip, INVALID_IP_MESSAGE));
    const hostname = str(e?.hostname);
    if (hostname) {
      for (const m of isDNS1123Subdomain(hostname)) causes.push(invalid(`${p}.hostname`, hostname, m));
      if (ipFamily(hostname) !== 0) causes.push(invalid(`${p}.hostname`, hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return causes;
}

/** ValidateIngressUpdate: the old object's invalid secret names and wildcard-host rules stay allowed; no annotation check. */
export function validateIngressUpdate(newObj: KObject, oldObj: KObject): Cause[] {
  const oldSpec: KObject = isMap(oldObj.spec) ? oldObj.spec : {};
  const opts: IngressOptions = {
    allowInvalidSecretName: arr(oldSpec.tls).some((t) => str(t?.secretName) !== '' && isDNS1123Subdomain(str(t?.secretName)).length > 0),
    allowInvalidWildcardHostRule: arr(oldSpec.rules).some((r) => str(r?.host).includes('*') && validateRuleValue(isMap(r) ? r : {}, '').length > 0),
  };
  return validateIngressSpec(isMap(newObj.spec) ? newObj.spec : {}, opts);
}

// the registry runs `validate` on creates and updates alike; upstream's create and update checks
// differ, so the objects being created are marked in prepareForCreate (which runs on create only)
const creating = new WeakSet<KObject>();

const emptyStatus = () => ({ loadBalancer: {} });

export const ingressDef: ResourceDef = {
  group: 'networking.k8s.io',
  // DefaultIngressClass admission
  install: (registry) => installNetworkingAdmission(registry),
  version: 'v1',
  kind: 'Ingress',
  listKind: 'IngressList',
  plural: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'Ingress', verbs: ['get', 'patch', 'update'] }],
  definition: 'io.k8s.api.networking.v1.Ingress',
  table: ingressPrinter,

  defaults(obj) {
    if (!isMap(obj.spec)) obj.spec = {};
    // IngressStatus and its loadBalancer are structs: always serialized
    if (!isMap(obj.status)) obj.status = emptyStatus();
    if (!isMap(obj.status.loadBalancer)) obj.status.loadBalancer = {};
  },
  prepareForCreate(obj) {
    obj.status = emptyStatus();
    creating.add(obj);
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = structuredClone(oldObj.status ?? emptyStatus());
  },
  validate(obj) {
    if (!creating.delete(obj)) return [];
    return validateIngressCreate(obj);
  },
  validateUpdate: validateIngressUpdate,
  validateStatusUpdate: validateIngressStatusUpdate,
  generation: true,
};
