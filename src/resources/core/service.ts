// core/v1 Service: pkg/registry/core/service/strategy.go, the REST layer's defaulting of
// ipFamilies / ipFamilyPolicy (pkg/registry/core/service/storage/alloc.go) and
// ValidateService / ValidateServiceUpdate (pkg/apis/core/validation/validation.go).
import { installAdmission } from './service-allocation.js';
// ClusterIP / nodePort allocation is the store's job.
import type { Cause, KObject, ResourceDef } from '../types.js';
import {
  required, invalid, notSupported, forbidden, duplicate, isDNS1035Label, isDNS1123Subdomain, validateLabels,
} from '../../registry/validation.js';
import { dns1123Label, portNumErrors, validatePortNumOrName } from '../podspec-validation.js';
import { servicePrinter } from '../../printers/network.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

const goStringSlice = (v: unknown[]) => `[]string{${v.map((s) => JSON.stringify(String(s))).join(', ')}}`;

function isHeadless(spec: KObject): boolean {
  return spec.clusterIP === 'None' || arr(spec.clusterIPs)[0] === 'None';
}

/** SetDefaults_Service + the ip family defaults set by the REST layer on a single-stack IPv4 cluster. */
export function defaultService(svc: KObject): void {
  if (!isObj(svc.spec)) svc.spec = {};
  const spec = svc.spec;
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = spec.sessionAffinityConfig;
    if (!isObj(cfg) || !isObj(cfg.clientIP) || cfg.clientIP.timeoutSeconds === undefined)
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of arr(spec.ports).filter(isObj)) {
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port ?? 0; // a zero ServicePort gets targetPort 0 (SetDefaults_Service)
  }
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || arr(spec.externalIPs).length > 0;
  if (external && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (!spec.internalTrafficPolicy && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(spec.type)) spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
  // clusterIP <-> clusterIPs are kept in sync (pkg/registry/core/service/storage: normalizeClusterIPs)
  if (spec.clusterIP && arr(spec.clusterIPs).length === 0) spec.clusterIPs = [spec.clusterIP];
  else if (!spec.clusterIP && arr(spec.clusterIPs).length > 0) spec.clusterIP = spec.clusterIPs[0];
  if (spec.type !== 'ExternalName') {
    if (!spec.ipFamilyPolicy) {
      const headlessNoSelector = isHeadless(spec) && (!isObj(spec.selector) || Object.keys(spec.selector).length === 0);
      spec.ipFamilyPolicy = headlessNoSelector ? 'RequireDualStack' : 'SingleStack';
    }
    if (arr(spec.ipFamilies).length === 0) spec.ipFamilies = ['IPv4'];
  }
}

function servicePortGo(p: KObject): string {
  return `core.ServicePort{Name:"", Protocol:${JSON.stringify(p.protocol ?? '')}, AppProtocol:(*string)(nil), Port:${p.port ?? 0}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const isIP = (s: string) => IPV4.test(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s));

/** ValidateService (the parts users hit). */
export function validateServiceSpec(svc: KObject): Cause[] {
  const errs: Cause[] = [];
  const spec = isObj(svc.spec) ? svc.spec : {};
  const types = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
  if (!spec.type) errs.push(required('spec.type'));
  else if (!types.includes(spec.type)) errs.push(notSupported('spec.type', spec.type, types));
  const ports = arr(spec.ports).filter(isObj);
  if (spec.type === 'ExternalName') {
    if (arr(spec.clusterIPs).length > 0 || spec.clusterIP)
      errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (!spec.externalName) errs.push(required('spec.externalName'));
    else {
      const name = String(spec.externalName).replace(/\.$/, '');
      for (const m of isDNS1123Subdomain(name)) errs.push(invalid('spec.externalName', spec.externalName, m));
    }
  } else if (ports.length === 0 && !isHeadless(spec)) {
    errs.push(required('spec.ports'));
  }
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const pp = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(required(`${pp}.name`));
    else if (p.name) {
      errs.push(...dns1123Label(String(p.name), `${pp}.name`));
      if (names.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      else names.add(p.name);
    }
    for (const m of portNumErrors(p.port)) errs.push(invalid(`${pp}.port`, p.port ?? 0, m));
    if (!p.protocol) errs.push(required(`${pp}.protocol`));
    else if (!['SCTP', 'TCP', 'UDP'].includes(p.protocol)) errs.push(notSupported(`${pp}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
    if (p.targetPort !== undefined) errs.push(...validatePortNumOrName(p.targetPort, `${pp}.targetPort`));
    if (p.nodePort) {
      if (spec.type === 'ClusterIP') errs.push(forbidden(`${pp}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      else for (const m of portNumErrors(p.nodePort)) errs.push(invalid(`${pp}.nodePort`, p.nodePort, m));
    }
    const key = `${p.protocol}/${p.port}`;
    if (seen.has(key)) errs.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${servicePortGo(p)}`, field: pp });
    else seen.add(key);
  });
  arr(spec.clusterIPs).forEach((ip, i) => {
    if (ip === 'None' && i === 0) return;
    if (typeof ip !== 'string' || !isIP(ip))
      errs.push(invalid(`spec.clusterIPs[${i}]`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  if (isHeadless(spec) && (spec.type === 'NodePort' || spec.type === 'LoadBalancer'))
    errs.push(invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`));
  const affinities = ['ClientIP', 'None'];
  if (spec.sessionAffinity && !affinities.includes(spec.sessionAffinity))
    errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, affinities));
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  const policies = ['Cluster', 'Local'];
  if (spec.externalTrafficPolicy && !policies.includes(spec.externalTrafficPolicy))
    errs.push(notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, policies));
  if (spec.internalTrafficPolicy && !policies.includes(spec.internalTrafficPolicy))
    errs.push(notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, policies));
  const famPolicies = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];
  if (spec.ipFamilyPolicy && !famPolicies.includes(spec.ipFamilyPolicy))
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, famPolicies));
  arr(spec.ipFamilies).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
  });
  arr(spec.externalIPs).forEach((ip, i) => {
    if (typeof ip !== 'string' || !isIP(ip)) errs.push(invalid(`spec.externalIPs[${i}]`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  return errs;
}

/** validateClusterIPsUpgradeDowngrade: allocated cluster IPs may not change. */
function validateClusterIPsUpdate(newSpec: KObject, oldSpec: KObject): Cause[] {
  if (newSpec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return [];
  if (isHeadless(oldSpec) && isHeadless(newSpec)) return [];
  const oldIPs = arr(oldSpec.clusterIPs);
  const newIPs = arr(newSpec.clusterIPs);
  const errs: Cause[] = [];
  const render = (field: string, msg: string) => ({
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${goStringSlice(newIPs)}: ${msg}`,
    field,
  });
  if (oldIPs.length === newIPs.length) {
    oldIPs.forEach((ip, i) => ip !== newIPs[i] && errs.push(render(`spec.clusterIPs[${i}]`, 'may not change once set')));
  } else if (oldIPs.length > newIPs.length) {
    if (newIPs.length === 0) errs.push(render('spec.clusterIPs[0]', 'primary clusterIP can not be unset'));
    else if (newIPs[0] !== oldIPs[0]) errs.push(render('spec.clusterIPs[0]', 'may not change once set'));
  } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
    errs.push(render('spec.clusterIPs[0]', 'may not change once set'));
  }
  return errs;
}

/** patchAllocatedValues (service REST update): keep allocated IPs / node ports the client left empty. */
function patchAllocatedValues(newSpec: KObject, oldSpec: KObject): void {
  const needsIP = (s: KObject) => s.type !== 'ExternalName';
  if (needsIP(oldSpec) && needsIP(newSpec)) {
    if (!newSpec.clusterIP && oldSpec.clusterIP) newSpec.clusterIP = oldSpec.clusterIP;
    if (arr(newSpec.clusterIPs).length === 0 && arr(oldSpec.clusterIPs).length > 0) newSpec.clusterIPs = clone(oldSpec.clusterIPs);
  }
  const needsNodePort = (s: KObject) =>
    s.type === 'NodePort' || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false);
  if (needsNodePort(oldSpec) && needsNodePort(newSpec)) {
    for (const np of arr(newSpec.ports).filter(isObj)) {
      if (np.nodePort) continue;
      const op = arr(oldSpec.ports).find((o) => isObj(o) && o.port === np.port && o.protocol === np.protocol);
      if (op?.nodePort) np.nodePort = op.nodePort;
    }
  }
  if (!newSpec.healthCheckNodePort && oldSpec.healthCheckNodePort && newSpec.externalTrafficPolicy === 'Local' && newSpec.type === 'LoadBalancer')
    newSpec.healthCheckNodePort = oldSpec.healthCheckNodePort;
}

export const serviceDef: ResourceDef = {
  group: '',
  install: (registry, config) => void installAdmission(registry, { serviceCIDR: config.serviceCIDR }),
  version: 'v1',
  kind: 'Service',
  listKind: 'ServiceList',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [
    { name: 'status', kind: 'Service', verbs: ['get', 'patch', 'update'] },
  ],
  definition: 'io.k8s.api.core.v1.Service',
  valueFields: { 'io.k8s.api.core.v1.ServiceStatus': { structs: ['loadBalancer'] } },
  table: servicePrinter,

  // ValidateServiceName = NameIsDNS1035Label
  validateName: (name) => isDNS1035Label(name),

  defaults: defaultService,

  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
  },

  prepareForUpdate(newObj, oldObj) {
    newObj.status = clone(oldObj.status) ?? { loadBalancer: {} };
    if (isObj(newObj.spec) && isObj(oldObj.spec)) {
      patchAllocatedValues(newObj.spec, oldObj.spec);
      if (newObj.spec.clusterIP && arr(newObj.spec.clusterIPs).length === 0) newObj.spec.clusterIPs = [newObj.spec.clusterIP];
    }
  },

  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = clone(oldObj.spec);
  },

  validate: validateServiceSpec,

  // the registry runs validate on updates too: only what is special to an update here
  validateUpdate(newObj, oldObj) {
    const errs: Cause[] = [];
    if (isObj(newObj.spec) && isObj(oldObj.spec)) errs.push(...validateClusterIPsUpdate(newObj.spec, oldObj.spec));
    return errs;
  },

  validateStatusUpdate(newObj) {
    const errs: Cause[] = [];
    arr(newObj.status?.loadBalancer?.ingress).forEach((ing, i) => {
      if (isObj(ing) && ing.ip && !isIP(ing.ip))
        errs.push(invalid(`status.loadBalancer.ingress[${i}].ip`, ing.ip, 'must be a valid IP address'));
    });
    return errs;
  },

  // services carry no metadata.generation
  generationChanged: () => false,
  fieldSelectors: {
    'spec.clusterIP': (o) => o.spec?.clusterIP ?? '',
    'spec.type': (o) => o.spec?.type ?? '',
  },
};
