// CSINode (storage.k8s.io/v1, cluster-scoped, named as its Node): pkg/apis/storage/validation
// ValidateCSINode / ValidateCSINodeUpdate, pkg/registry/storage/csinode/strategy.go.
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { deepEqual, duplicate, invalid, isQualifiedName, required } from '../../registry/validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from '../../printers/format.js';
import { validateCSIDriverName } from './csi-validation.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
/** csiNodeIDMaxLength */
const NODE_ID_MAX = 192;

/** Go's %#v of a []string. */
const goStrings = (l: unknown[]): string => `[]string{${l.map((s) => JSON.stringify(String(s))).join(', ')}}`;

/** Go's %#v of an internal storage.CSINodeDriver, as field.Invalid renders it. */
function goDriver(d: KObject): string {
  const keys = Array.isArray(d.topologyKeys) ? goStrings(d.topologyKeys) : '[]string(nil)';
  const alloc = isObj(d.allocatable) ? '(*storage.VolumeNodeResources)(0xc000000000)' : '(*storage.VolumeNodeResources)(nil)';
  return `storage.CSINodeDriver{Name:${JSON.stringify(String(d.name ?? ''))}, NodeID:${JSON.stringify(String(d.nodeID ?? ''))}, TopologyKeys:${keys}, Allocatable:${alloc}}`;
}

/** validateCSINodeDrivers. */
export function validateCSINode(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  const names = new Set<string>();
  arr(obj.spec?.drivers).forEach((d, i) => {
    const p = `spec.drivers[${i}]`;
    if (!isObj(d)) return;
    causes.push(...validateCSIDriverName(d.name, `${p}.name`));
    const nodeID = typeof d.nodeID === 'string' ? d.nodeID : '';
    if (!nodeID) causes.push(required(`${p}.nodeID`));
    if (nodeID.length > NODE_ID_MAX) causes.push(invalid(`${p}.nodeID`, nodeID, `must be ${NODE_ID_MAX} characters or less`));
    const count = isObj(d.allocatable) ? d.allocatable.count : undefined;
    if (typeof count === 'number' && count < 0) causes.push(invalid(`${p}.allocatable.count`, count, 'must be greater than or equal to 0'));
    if (names.has(d.name)) causes.push(duplicate(`${p}.name`, d.name));
    names.add(d.name);
    const keys = new Set<string>();
    for (const k of arr(d.topologyKeys)) {
      const key = String(k ?? '');
      if (!key) causes.push(required(p));
      if (keys.has(key)) causes.push(duplicate(p, key));
      keys.add(key);
      for (const m of isQualifiedName(key)) causes.push(invalid(p, key, m));
    }
  });
  return causes;
}

/** ValidateCSINodeUpdate: a driver entry, once there, may not change. */
export function validateCSINodeUpdate(n: KObject, o: KObject): Cause[] {
  const causes: Cause[] = [];
  for (const od of arr(o.spec?.drivers).filter(isObj))
    for (const nd of arr(n.spec?.drivers).filter(isObj))
      // ValidateImmutableField(newDriver, oldDriver, spec.drivers) (MutableCSINodeAllocatableCount is off in 1.33)
      if (od.name === nd.name && !deepEqual(od, nd)) causes.push({ reason: 'FieldValueInvalid', field: 'spec.drivers', message: `Invalid value: ${goDriver(nd)}: field is immutable` });
  return causes;
}

// printers.go printCSINode
export const csiNodePrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Drivers', 'Drivers indicates the number of CSI drivers registered on the node', { type: 'integer' }), AGE_COLUMN],
  row(cn, now) {
    return [cn.metadata?.name ?? '', arr(cn.spec?.drivers).length, age(cn, now)];
  },
};

export const csiNodeDef: ResourceDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'CSINode',
  listKind: 'CSINodeList',
  plural: 'csinodes',
  singular: 'csinode',
  namespaced: false,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.storage.v1.CSINode',

  // CSINodeSpec.drivers and CSINodeDriver.topologyKeys have no omitempty: a 1.33 server renders them as null
  defaults(obj) {
    if (!isObj(obj.spec)) obj.spec = {};
    if (obj.spec.drivers === undefined) obj.spec.drivers = null;
    for (const d of arr(obj.spec.drivers)) if (isObj(d) && d.topologyKeys === undefined) d.topologyKeys = null;
  },
  validate: validateCSINode,
  validateUpdate: validateCSINodeUpdate,
  table: csiNodePrinter,
};
