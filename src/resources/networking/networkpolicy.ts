// NetworkPolicy (networking.k8s.io/v1): pkg/apis/networking/v1/defaults.go (SetDefaults_NetworkPolicy,
// SetDefaults_NetworkPolicyPort), pkg/apis/networking/validation/validation.go (ValidateNetworkPolicy*,
// 1.33: legacy CIDR parsing, StrictIPCIDRValidation off), pkg/registry/networking/networkpolicy/strategy.go.
import type { Cause, KObject, ResourceDef } from '../types.js';
import { forbidden, invalid, notSupported, required } from '../../registry/validation.js';
import { portNameErrors, portNumErrors } from '../podspec-validation.js';
import { validateLabelSelector } from '../labelselector.js';
import { ipFamily } from '../ip.js';
import { networkPolicyPrinter } from '../../printers/networking.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];
const INVALID_CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** SetDefaults_NetworkPolicy + the generated walk into the rule ports. */
export function defaultNetworkPolicy(obj: KObject): void {
  if (!isMap(obj.spec)) obj.spec = {};
  const spec = obj.spec;
  if (!isMap(spec.podSelector)) spec.podSelector = {};
  for (const rules of [spec.ingress, spec.egress])
    for (const r of arr(rules)) for (const p of arr(r?.ports)) if (isMap(p) && (p.protocol === undefined || p.protocol === null)) p.protocol = 'TCP';
  if (arr(spec.policyTypes).length === 0) {
    spec.policyTypes = ['Ingress'];
    if (arr(spec.egress).length !== 0) spec.policyTypes.push('Egress');
  }
}

interface ParsedCIDR {
  bits: number; // 32 or 128
  addr: bigint; // the network address (masked)
  prefix: number;
}

function ipToBigInt(ip: string, family: 4 | 6): bigint | undefined {
  if (family === 4) {
    const parts = ip.split('.').map(Number);
    return parts.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
  }
  try {
    const host = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    const [head, tail] = host.includes('::') ? host.split('::') : [host, undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
  } catch {
    return undefined;
  }
}

/** netutils.ParseCIDRSloppy: an IP (IPv4 octets may have leading zeros) and a decimal prefix length. */
export function parseCIDRSloppy(s: string): ParsedCIDR | undefined {
  const i = s.indexOf('/');
  if (i < 0) return undefined;
  const ip = s.slice(0, i);
  const mask = s.slice(i + 1);
  if (!/^\d+$/.test(mask)) return undefined;
  const isV4 = /^\d+\.\d+\.\d+\.\d+$/.test(ip);
  const fam = ipFamily(ip);
  if (fam === 0 || (isV4 && fam !== 4)) return undefined;
  const bits = isV4 ? 32 : 128;
  const prefix = Number(mask);
  if (prefix > bits) return undefined;
  const n = ipToBigInt(ip, isV4 ? 4 : 6);
  if (n === undefined) return undefined;
  const hostBits = BigInt(bits - prefix);
  return { bits, prefix, addr: (n >> hostBits) << hostBits };
}

function validateCIDR(path: string, value: string, allowed: string[]): Cause[] {
  if (allowed.includes(value)) return [];
  return parseCIDRSloppy(value) ? [] : [invalid(path, value, INVALID_CIDR)];
}

function validateIPBlock(ipb: KObject, path: string, allowed: string[]): Cause[] {
  const cidr = typeof ipb.cidr === 'string' ? ipb.cidr : '';
  if (cidr === '') return [required(`${path}.cidr`)];
  const causes = validateCIDR(`${path}.cidr`, cidr, allowed);
  const outer = parseCIDRSloppy(cidr);
  if (!outer) return causes;
  arr(ipb.except).forEach((ex: unknown, i: number) => {
    const p = `${path}.except[${i}]`;
    const s = typeof ex === 'string' ? ex : '';
    causes.push(...validateCIDR(p, s, allowed));
    const inner = parseCIDRSloppy(s);
    if (!inner) return;
    const hostBits = BigInt(outer.bits - outer.prefix);
    const contains = inner.bits === outer.bits && (inner.addr >> hostBits) << hostBits === outer.addr;
    if (!contains || outer.prefix >= inner.prefix) causes.push(invalid(p, s, 'must be a strict subset of `cidr`'));
  });
  return causes;
}

function validatePort(port: KObject, path: string): Cause[] {
  const causes: Cause[] = [];
  if (port.protocol !== undefined && port.protocol !== null && !PROTOCOLS.includes(port.protocol)) causes.push(notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
  const hasEnd = typeof port.endPort === 'number';
  if (port.port !== undefined && port.port !== null) {
    if (typeof port.port === 'number') {
      for (const m of portNumErrors(port.port)) causes.push(invalid(`${path}.port`, port.port, m));
      if (hasEnd) {
        if (port.endPort < port.port) causes.push(invalid(`${path}.endPort`, port.endPort, 'must be greater than or equal to `port`'));
        for (const m of portNumErrors(port.endPort)) causes.push(invalid(`${path}.endPort`, port.endPort, m));
      }
    } else {
      if (hasEnd) causes.push(invalid(`${path}.endPort`, port.endPort, 'may not be specified when `port` is non-numeric'));
      const name = String(port.port);
      for (const m of portNameErrors(name)) causes.push(invalid(`${path}.port`, name, m));
    }
  } else if (hasEnd) causes.push(invalid(`${path}.endPort`, port.endPort, 'may not be specified when `port` is not specified'));
  return causes;
}

function validatePeer(peer: KObject, path: string, allowed: string[], allowInvalidLabelValue: boolean): Cause[] {
  const causes: Cause[] = [];
  let n = 0;
  if (isMap(peer.podSelector)) {
    n++;
    causes.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`, allowInvalidLabelValue));
  }
  if (isMap(peer.namespaceSelector)) {
    n++;
    causes.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`, allowInvalidLabelValue));
  }
  if (isMap(peer.ipBlock)) {
    n++;
    causes.push(...validateIPBlock(peer.ipBlock, `${path}.ipBlock`, allowed));
  }
  if (n === 0) causes.push(required(path, 'must specify a peer'));
  else if (n > 1 && isMap(peer.ipBlock)) causes.push(forbidden(path, 'may not specify both ipBlock and another peer'));
  return causes;
}

/** Go's %#v of a *[]networking.PolicyType (a pointer: rendered as its address-free value here). */
function goPolicyTypes(list: unknown[]): string {
  return `[]networking.PolicyType{${list.map((t) => JSON.stringify(String(t))).join(', ')}}`;
}

/**
 * ValidateNetworkPolicySpec. `allowed`: CIDRs accepted as they are; `allowInvalidLabelValue`: the
 * stored policy's podSelector was already invalid (ValidationOptionsForNetworking).
 */
export function validateNetworkPolicySpec(spec: KObject, allowed: string[] = [], allowInvalidLabelValue = false): Cause[] {
  const causes: Cause[] = [...validateLabelSelector(spec.podSelector ?? {}, 'spec.podSelector', allowInvalidLabelValue)];
  arr(spec.ingress).forEach((rule: any, i: number) => {
    const p = `spec.ingress[${i}]`;
    arr(rule?.ports).forEach((port: any, j: number) => causes.push(...validatePort(isMap(port) ? port : {}, `${p}.ports[${j}]`)));
    arr(rule?.from).forEach((peer: any, j: number) => causes.push(...validatePeer(isMap(peer) ? peer : {}, `${p}.from[${j}]`, allowed, allowInvalidLabelValue)));
  });
  arr(spec.egress).forEach((rule: any, i: number) => {
    const p = `spec.egress[${i}]`;
    arr(rule?.ports).forEach((port: any, j: number) => causes.push(...validatePort(isMap(port) ? port : {}, `${p}.ports[${j}]`)));
    arr(rule?.to).forEach((peer: any, j: number) => causes.push(...validatePeer(isMap(peer) ? peer : {}, `${p}.to[${j}]`, allowed, allowInvalidLabelValue)));
  });
  const types = arr(spec.policyTypes);
  if (types.length > POLICY_TYPES.length) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.policyTypes', message: `Invalid value: ${goPolicyTypes(types)}: may not specify more than two policyTypes` });
    return causes;
  }
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) causes.push(notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  return causes;
}

/** Every CIDR and except entry of a policy: an update may keep these as they are (ValidateNetworkPolicyUpdate). */
function existingCIDRs(obj: KObject): string[] {
  const out: unknown[] = [];
  const spec: KObject = isMap(obj.spec) ? obj.spec : {};
  const peers = [...arr(spec.ingress).flatMap((r) => arr(r?.from)), ...arr(spec.egress).flatMap((r) => arr(r?.to))];
  for (const p of peers) if (isMap(p?.ipBlock)) out.push(p.ipBlock.cidr, ...arr(p.ipBlock.except));
  return out.filter((c): c is string => typeof c === 'string');
}

// the registry runs `validate` on creates and updates alike: creates are marked in prepareForCreate
const creating = new WeakSet<KObject>();

export const networkPolicyDef: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  listKind: 'NetworkPolicyList',
  plural: 'networkpolicies',
  singular: 'networkpolicy',
  namespaced: true,
  shortNames: ['netpol'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.networking.v1.NetworkPolicy',
  table: networkPolicyPrinter,

  defaults: defaultNetworkPolicy,
  prepareForCreate(obj) {
    creating.add(obj);
  },
  validate: (obj) => (creating.delete(obj) ? validateNetworkPolicySpec(isMap(obj.spec) ? obj.spec : {}) : []),
  validateUpdate: (obj, old) =>
    validateNetworkPolicySpec(isMap(obj.spec) ? obj.spec : {}, existingCIDRs(old), validateLabelSelector(old.spec?.podSelector ?? {}, '').length > 0),
  generation: true,
};
