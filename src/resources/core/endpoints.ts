// core/v1 Endpoints: pkg/registry/core/endpoint/strategy.go, SetDefaults_Endpoints and
// ValidateEndpoints (pkg/apis/core/validation/validation.go).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, required, notSupported, duplicate } from '../../registry/validation.js';
import { ipFamily } from '../ip.js';
import { dns1123Label, dns1123Subdomain, portNumErrors } from '../podspec-validation.js';
import { endpointsPrinter } from '../../printers/network.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
// validation.IsValidIP: ParseIPSloppy, as pods/status accepts them
const isIP = (s: unknown) => ipFamily(s) !== 0;

function validateAddress(a: unknown, p: string): Cause[] {
  if (!isObj(a)) return [];
  const errs: Cause[] = [];
  if (!a.ip) errs.push(required(`${p}.ip`));
  else if (!isIP(a.ip)) errs.push(invalid(`${p}.ip`, a.ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  if (a.hostname) errs.push(...dns1123Label(String(a.hostname), `${p}.hostname`));
  if (a.nodeName) errs.push(...dns1123Subdomain(String(a.nodeName), `${p}.nodeName`));
  return errs;
}

function validateEndpoints(ep: KObject): Cause[] {
  const errs: Cause[] = [];
  arr(ep.subsets).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    if (!isObj(ss)) return;
    const addrs = arr(ss.addresses);
    const notReady = arr(ss.notReadyAddresses);
    if (addrs.length === 0 && notReady.length === 0)
      errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    addrs.forEach((a, j) => errs.push(...validateAddress(a, `${p}.addresses[${j}]`)));
    notReady.forEach((a, j) => errs.push(...validateAddress(a, `${p}.notReadyAddresses[${j}]`)));
    const ports = arr(ss.ports).filter(isObj);
    const names = new Set<string>();
    ports.forEach((pt, j) => {
      const pp = `${p}.ports[${j}]`;
      if (ports.length > 1 && !pt.name) errs.push(required(`${pp}.name`));
      if (pt.name) {
        errs.push(...dns1123Label(String(pt.name), `${pp}.name`));
        if (names.has(pt.name)) errs.push(duplicate(`${pp}.name`, pt.name));
        names.add(pt.name);
      }
      for (const m of portNumErrors(pt.port)) errs.push(invalid(`${pp}.port`, pt.port ?? 0, m));
      if (!pt.protocol) errs.push(required(`${pp}.protocol`));
      else if (!['SCTP', 'TCP', 'UDP'].includes(pt.protocol)) errs.push(notSupported(`${pp}.protocol`, pt.protocol, ['SCTP', 'TCP', 'UDP']));
    });
  });
  return errs;
}

export const endpointsDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  listKind: 'EndpointsList',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.core.v1.Endpoints',
  table: endpointsPrinter,
  // v1 Endpoints is deprecated from 1.33 (KEP-4974): every request carries the warning
  deprecationWarning: (minor) => (minor >= 33 ? 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice' : undefined),
  defaults(obj) {
    for (const ss of arr(obj.subsets).filter(isObj)) for (const pt of arr(ss.ports).filter(isObj)) if (!pt.protocol) pt.protocol = 'TCP';
  },
  validate: validateEndpoints,
  validateUpdate: (n) => validateEndpoints(n),
  generationChanged: () => false,
};
