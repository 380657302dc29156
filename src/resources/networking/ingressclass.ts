// IngressClass (networking.k8s.io/v1, cluster-scoped): pkg/apis/networking/v1/defaults.go
// (SetDefaults_IngressClass), pkg/apis/networking/validation/validation.go (ValidateIngressClass*),
// pkg/registry/networking/ingressclass/strategy.go (generation on spec change).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, isDNS1123Label, isDNS1123Subdomain, notSupported, required, tooLong, validateImmutable } from '../../registry/validation.js';
import { isPathSegmentName } from './ingress.js';
import { ingressClassPrinter } from '../../printers/networking.js';

/** networkingv1.AnnotationIsDefaultIngressClass */
export const IS_DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const MAX_CONTROLLER_LENGTH = 250;
const SCOPES = ['Cluster', 'Namespace'];
const HTTP_PATH = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** validation.IsDomainPrefixedPath */
function validateDomainPrefixedPath(path: string, value: string): Cause[] {
  if (value === '') return [required(path)];
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || host === '' || rest === '') return [invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const causes = isDNS1123Subdomain(host).map((m) => invalid(path, host, m));
  if (!HTTP_PATH.test(rest)) causes.push(invalid(path, rest, "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"));
  return causes;
}

function validateParameters(params: KObject, path: string): Cause[] {
  const causes: Cause[] = [];
  if (typeof params.apiGroup === 'string') for (const m of isDNS1123Subdomain(params.apiGroup)) causes.push(invalid(`${path}.apiGroup`, params.apiGroup, m));
  for (const k of ['kind', 'name']) {
    const v = str(params[k]);
    if (v === '') causes.push(required(`${path}.${k}`));
    else for (const m of isPathSegmentName(v)) causes.push(invalid(`${path}.${k}`, v, m));
  }
  if (params.scope === undefined || params.scope === null) {
    causes.push(required(`${path}.scope`));
    return causes;
  }
  const scope = str(params.scope);
  if (!SCOPES.includes(scope)) {
    causes.push(notSupported(`${path}.scope`, scope, SCOPES));
    return causes;
  }
  const hasNs = params.namespace !== undefined && params.namespace !== null;
  if (scope === 'Namespace') {
    if (!hasNs) causes.push(required(`${path}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else for (const m of isDNS1123Label(str(params.namespace))) causes.push(invalid(`${path}.namespace`, str(params.namespace), m));
  }
  if (scope === 'Cluster' && hasNs) causes.push({ reason: 'FieldValueForbidden', field: `${path}.namespace`, message: "Forbidden: `parameters.scope` is set to 'Cluster'" });
  return causes;
}

/** validateIngressClassSpec */
export function validateIngressClass(obj: KObject): Cause[] {
  const spec: KObject = isMap(obj.spec) ? obj.spec : {};
  const causes: Cause[] = [];
  const controller = str(spec.controller);
  if (controller === '') causes.push(required('spec.controller'));
  else {
    if (controller.length > MAX_CONTROLLER_LENGTH) causes.push(tooLong('spec.controller', '', MAX_CONTROLLER_LENGTH));
    causes.push(...validateDomainPrefixedPath('spec.controller', controller));
  }
  if (isMap(spec.parameters)) causes.push(...validateParameters(spec.parameters, 'spec.parameters'));
  return causes;
}

// the registry runs `validate` on creates and updates alike: creates are marked in prepareForCreate
const creating = new WeakSet<KObject>();

export const ingressClassDef: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  listKind: 'IngressClassList',
  plural: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.networking.v1.IngressClass',
  table: ingressClassPrinter,

  defaults(obj) {
    if (!isMap(obj.spec)) obj.spec = {};
    const p = obj.spec.parameters;
    if (isMap(p) && (p.scope === undefined || p.scope === null)) p.scope = 'Cluster';
  },
  prepareForCreate(obj) {
    creating.add(obj);
  },
  validate: (obj) => (creating.delete(obj) ? validateIngressClass(obj) : []),
  // ValidateIngressClassUpdate: the controller is fixed, then the create checks
  validateUpdate: (newObj, oldObj) => [...validateImmutable(str(newObj.spec?.controller), str(oldObj.spec?.controller), 'spec.controller'), ...validateIngressClass(newObj)],
  generation: true,
};
