// core/v1 Node: pkg/registry/core/node/strategy.go (the kubelet sets status on create),
// SetDefaults_NodeStatus and ValidateNode / ValidateNodeUpdate.
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, required, notSupported, forbidden, isQualifiedName, isValidLabelValue } from '../../registry/validation.js';
import { canonicalizeResourceList } from '../quantity.js';
import { validateResourceQuantityValue } from '../podspec-validation.js';
import { nodePrinter } from '../../printers/core.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validateTaints(taints: unknown, field: string): Cause[] {
  const errs: Cause[] = [];
  const seen = new Set<string>();
  arr(taints).forEach((t, i) => {
    const p = `${field}[${i}]`;
    if (!isObj(t)) return;
    if (!t.key) errs.push(required(`${p}.key`));
    else for (const m of isQualifiedName(String(t.key))) errs.push(invalid(`${p}.key`, t.key, m));
    if (t.value) for (const m of isValidLabelValue(String(t.value))) errs.push(invalid(`${p}.value`, t.value, m));
    if (!t.effect) errs.push(required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) errs.push(invalid(p, t, 'taints must be unique by key and effect pair'));
    seen.add(key);
  });
  return errs;
}

function validateNode(node: KObject): Cause[] {
  const errs = validateTaints(node.spec?.taints, 'spec.taints');
  for (const k of ['capacity', 'allocatable']) {
    const rl = node.status?.[k];
    if (isObj(rl)) for (const [r, v] of Object.entries(rl)) errs.push(...validateResourceQuantityValue(r, v, `status.${k}[${r}]`));
  }
  return errs;
}

/** ValidateNodeUpdate: no address twice in status.addresses (their format is not checked). */
function validateNodeAddresses(node: KObject): Cause[] {
  const seen = new Set<string>();
  const errs: Cause[] = [];
  arr(node.status?.addresses).forEach((a, i) => {
    const type = isObj(a) && typeof a.type === 'string' ? a.type : '';
    const address = isObj(a) && typeof a.address === 'string' ? a.address : '';
    const key = JSON.stringify([type, address]);
    if (seen.has(key))
      errs.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: core.NodeAddress{Type:${JSON.stringify(type)}, Address:${JSON.stringify(address)}}`, field: `status.addresses[${i}]` });
    seen.add(key);
  });
  return errs;
}

function validateNodeUpdate(newObj: KObject, oldObj: KObject): Cause[] {
  const errs = validateNode(newObj);
  errs.push(...validateNodeAddresses(newObj));
  const oldPid = oldObj.spec?.providerID;
  if (oldPid && newObj.spec?.providerID !== oldPid)
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  const oldCidrs = arr(oldObj.spec?.podCIDRs);
  if (oldCidrs.length > 0 && JSON.stringify(arr(newObj.spec?.podCIDRs)) !== JSON.stringify(oldCidrs))
    errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  return errs;
}

export const nodeDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  listKind: 'NodeList',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [
    { name: 'status', kind: 'Node', verbs: ['get', 'patch', 'update'] },
  ],
  definition: 'io.k8s.api.core.v1.Node',
  valueFields: { 'io.k8s.api.core.v1.NodeStatus': { structs: ['daemonEndpoints', 'nodeInfo'] }, 'io.k8s.api.core.v1.NodeDaemonEndpoints': { structs: ['kubeletEndpoint'] } },
  table: nodePrinter,

  defaults(obj) {
    if (!isObj(obj.spec)) obj.spec = {};
    if (!isObj(obj.status)) obj.status = {};
    const st = obj.status;
    canonicalizeResourceList(st.capacity);
    canonicalizeResourceList(st.allocatable);
    if (st.allocatable === undefined && isObj(st.capacity)) st.allocatable = clone(st.capacity);
    // v1 podCIDR mirrors podCIDRs[0]
    if (obj.spec.podCIDR && arr(obj.spec.podCIDRs).length === 0) obj.spec.podCIDRs = [obj.spec.podCIDR];
    else if (!obj.spec.podCIDR && arr(obj.spec.podCIDRs).length > 0) obj.spec.podCIDR = obj.spec.podCIDRs[0];
  },

  prepareForUpdate(newObj, oldObj) {
    newObj.status = clone(oldObj.status);
  },
  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = clone(oldObj.spec);
  },

  validate: validateNode,
  validateUpdate: validateNodeUpdate,
  validateStatusUpdate: (n) => [...validateNode(n), ...validateNodeAddresses(n)],
  generationChanged: () => false,
  fieldSelectors: { 'spec.unschedulable': (o) => String(o.spec?.unschedulable === true) },
};
