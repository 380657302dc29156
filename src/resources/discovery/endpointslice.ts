// EndpointSlice (discovery.k8s.io/v1): pkg/registry/discovery/endpointslice/strategy.go,
// pkg/apis/discovery/v1/defaults.go and pkg/apis/discovery/validation/validation.go.
import type { Cause, KObject, ResourceDef } from '../types.js';
import { ipFamily } from '../ip.js';
import { deepEqual, duplicate, invalid, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, notSupported, required, validateImmutable } from '../../registry/validation.js';
import { endpointSlicePrinter } from '../../printers/network.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function tooMany(field: string, actual: number, max: number): Cause {
  return { reason: 'FieldValueTooMany', message: `Too many: ${actual}: must have at most ${max} items`, field };
}

/** SetDefaults_EndpointPort: name "" and protocol TCP. */
export function defaultEndpointSlice(obj: KObject): void {
  for (const p of Array.isArray(obj.ports) ? obj.ports : []) {
    if (!isMap(p)) continue;
    if (p.name === undefined || p.name === null) p.name = '';
    if (p.protocol === undefined || p.protocol === null) p.protocol = 'TCP';
  }
}

/** ValidateEndpointIP (core validation.go) for an IPv4 address. */
function validateEndpointIPv4(ip: string, field: string): Cause[] {
  const [a, b, c] = ip.split('.').map(Number);
  if (ip === '0.0.0.0') return [invalid(field, ip, 'may not be unspecified (0.0.0.0)')];
  if (a === 127) return [invalid(field, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
  if (a === 169 && b === 254) return [invalid(field, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  if (a === 224 && b === 0 && c === 0) return [invalid(field, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
  return [];
}

function validateEndpoints(endpoints: unknown, addressType: string): Cause[] {
  const causes: Cause[] = [];
  const list = Array.isArray(endpoints) ? endpoints : [];
  if (list.length > MAX_ENDPOINTS) return [tooMany('endpoints', list.length, MAX_ENDPOINTS)];
  list.forEach((ep: any, i: number) => {
    const p = `endpoints[${i}]`;
    const e: KObject = isMap(ep) ? ep : {};
    const addrs: unknown[] = Array.isArray(e.addresses) ? e.addresses : [];
    if (addrs.length === 0) causes.push(required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > MAX_ADDRESSES) causes.push(tooMany(`${p}.addresses`, addrs.length, MAX_ADDRESSES));
    addrs.forEach((a, j) => {
      const f = `${p}.addresses[${j}]`;
      const s = String(a);
      if (addressType === 'IPv4') {
        if (ipFamily(s) !== 4) causes.push(invalid(f, s, 'must be a valid IPv4 address'));
        else causes.push(...validateEndpointIPv4(s, f));
      } else if (addressType === 'IPv6') {
        if (ipFamily(s) !== 6) causes.push(invalid(f, s, 'must be a valid IPv6 address'));
      } else if (addressType === 'FQDN') {
        for (const m of isDNS1123Subdomain(s)) causes.push(invalid(f, s, m));
      }
    });
    if (typeof e.nodeName === 'string') for (const m of isDNS1123Subdomain(e.nodeName)) causes.push(invalid(`${p}.nodeName`, e.nodeName, m));
    if (typeof e.hostname === 'string') for (const m of isDNS1123Label(e.hostname)) causes.push(invalid(`${p}.hostname`, e.hostname, m));
    const zones = isMap(e.hints) && Array.isArray(e.hints.forZones) ? e.hints.forZones : [];
    const seen = new Set<string>();
    zones.forEach((z: any, j: number) => {
      const name = isMap(z) ? String(z.name ?? '') : '';
      if (seen.has(name)) causes.push(duplicate(`${p}.hints.forZones[${j}].name`, name));
      seen.add(name);
    });
  });
  return causes;
}

function validatePorts(ports: unknown): Cause[] {
  const causes: Cause[] = [];
  const list = Array.isArray(ports) ? ports : [];
  if (list.length > MAX_PORTS) return [tooMany('ports', list.length, MAX_PORTS)];
  const names = new Set<string>();
  list.forEach((pp: any, i: number) => {
    const p = `ports[${i}]`;
    const port: KObject = isMap(pp) ? pp : {};
    const name = typeof port.name === 'string' ? port.name : '';
    if (name.length > 0) for (const m of isDNS1123Label(name)) causes.push(invalid(`${p}.name`, name, m));
    if (names.has(name)) causes.push(duplicate(`${p}.name`, name));
    else names.add(name);
    if (port.protocol === undefined || port.protocol === null) causes.push(required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) causes.push(notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
    if (typeof port.appProtocol === 'string') for (const m of isQualifiedName(port.appProtocol)) causes.push(invalid(`${p}.appProtocol`, port.appProtocol, m));
  });
  return causes;
}

/** ValidateEndpointSliceCreate (addressType first, then endpoints and ports). */
export function validateEndpointSlice(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  const at = obj.addressType ?? '';
  if (at === '') causes.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(at)) causes.push(notSupported('addressType', at, ADDRESS_TYPES));
  causes.push(...validateEndpoints(obj.endpoints, at));
  causes.push(...validatePorts(obj.ports));
  return causes;
}

/** strategy.go PrepareForUpdate: generation moves when anything but metadata (or the labels) changed. */
export function endpointSliceGenerationChanged(newObj: KObject, oldObj: KObject): boolean {
  const strip = (o: KObject) => {
    const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  };
  return !deepEqual(strip(newObj), strip(oldObj)) || !deepEqual(newObj.metadata?.labels ?? {}, oldObj.metadata?.labels ?? {});
}

export const endpointSliceDef: ResourceDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  listKind: 'EndpointSliceList',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.discovery.v1.EndpointSlice',
  valueFields: { 'io.k8s.api.discovery.v1.EndpointSlice': { nulls: ['endpoints'] }, 'io.k8s.api.discovery.v1.Endpoint': { structs: ['conditions'] } },
  table: endpointSlicePrinter,

  defaults: defaultEndpointSlice,
  prepareForCreate(obj) {
    // endpoints is a required list: a 1.33 server renders an empty one as null
    if (obj.endpoints === undefined) obj.endpoints = null;
  },
  validate: validateEndpointSlice,
  validateUpdate(newObj, oldObj) {
    return validateImmutable(newObj.addressType, oldObj.addressType, 'addressType');
  },
  generation: true,
  generationChanged: endpointSliceGenerationChanged,
};
