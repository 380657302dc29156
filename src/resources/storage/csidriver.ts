// CSIDriver (storage.k8s.io/v1, cluster-scoped): pkg/apis/storage/v1/defaults.go SetDefaults_CSIDriver,
// pkg/apis/storage/validation ValidateCSIDriver / ValidateCSIDriverUpdate,
// pkg/registry/storage/csidriver/strategy.go.
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { duplicate, invalid, notSupported, required, validateImmutable } from '../../registry/validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from '../../printers/format.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const FS_GROUP_POLICIES = ['File', 'None', 'ReadWriteOnceWithFSType'];
const LIFECYCLE_MODES = ['Persistent', 'Ephemeral'];

/** SetDefaults_CSIDriver (SELinuxMountReadWriteOncePod is on by default in 1.33). */
export function defaultCSIDriver(obj: KObject): void {
  if (!isObj(obj.spec)) obj.spec = {};
  const s = obj.spec;
  const dflt = (k: string, v: unknown) => {
    if (s[k] === undefined || s[k] === null) s[k] = v;
  };
  dflt('attachRequired', true);
  dflt('podInfoOnMount', false);
  dflt('storageCapacity', false);
  dflt('fsGroupPolicy', 'ReadWriteOnceWithFSType');
  if (arr(s.volumeLifecycleModes).length === 0) s.volumeLifecycleModes = ['Persistent'];
  dflt('requiresRepublish', false);
  dflt('seLinuxMount', false);
}

function validateTokenRequests(list: unknown, field: string): Cause[] {
  const causes: Cause[] = [];
  const seen = new Set<string>();
  arr(list).forEach((t, i) => {
    const p = `${field}[${i}]`;
    const audience = isObj(t) ? String(t.audience ?? '') : '';
    if (seen.has(audience)) {
      causes.push(duplicate(`${p}.audience`, audience));
      return;
    }
    seen.add(audience);
    const exp = isObj(t) ? t.expirationSeconds : undefined;
    if (typeof exp !== 'number') return;
    if (exp < 600) causes.push(invalid(`${p}.expirationSeconds`, exp, 'may not specify a duration less than 10 minutes'));
    if (exp > 2 ** 32) causes.push(invalid(`${p}.expirationSeconds`, exp, 'may not specify a duration larger than 2^32 seconds'));
  });
  return causes;
}

/** validateCSIDriverSpec (ValidateCSIDriver: the name is a DNS subdomain, the registry's metadata check). */
export function validateCSIDriver(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  const s = isObj(obj.spec) ? obj.spec : {};
  // upstream names this path attachedRequired
  if (s.attachRequired === undefined || s.attachRequired === null) causes.push(required('spec.attachedRequired'));
  if (s.podInfoOnMount === undefined || s.podInfoOnMount === null) causes.push(required('spec.podInfoOnMount'));
  if (s.storageCapacity === undefined || s.storageCapacity === null) causes.push(required('spec.storageCapacity'));
  if (s.fsGroupPolicy !== undefined && s.fsGroupPolicy !== null && !FS_GROUP_POLICIES.includes(s.fsGroupPolicy)) causes.push(notSupported('spec.fsGroupPolicy', s.fsGroupPolicy, FS_GROUP_POLICIES));
  causes.push(...validateTokenRequests(s.tokenRequests, 'spec.tokenRequests'));
  for (const m of arr(s.volumeLifecycleModes)) if (!LIFECYCLE_MODES.includes(m)) causes.push(notSupported('spec.volumeLifecycleModes', m, LIFECYCLE_MODES));
  if (s.seLinuxMount === undefined || s.seLinuxMount === null) causes.push(required('spec.seLinuxMount'));
  return causes;
}

/** ValidateCSIDriverUpdate: attachRequired and volumeLifecycleModes are fixed. */
export function validateCSIDriverUpdate(n: KObject, o: KObject): Cause[] {
  const ns = isObj(n.spec) ? n.spec : {};
  const os = isObj(o.spec) ? o.spec : {};
  return [
    ...validateImmutable(ns.attachRequired, os.attachRequired, 'spec.attachedRequired'),
    ...validateImmutable(ns.volumeLifecycleModes, os.volumeLifecycleModes, 'spec.volumeLifecycleModes'),
  ];
}

// printers.go printCSIDriver
export const csiDriverPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('AttachRequired', 'Whether the driver needs an attach operation (a VolumeAttachment).', { type: 'boolean' }),
    col('PodInfoOnMount', 'Whether the driver gets pod information on mount.', { type: 'boolean' }),
    col('StorageCapacity', 'Whether the scheduler considers the storage capacity the driver reports.', { type: 'boolean' }),
    col('TokenRequests', 'The audiences of the service account tokens the driver receives.'),
    col('RequiresRepublish', 'Whether NodePublishVolume is called periodically.', { type: 'boolean' }),
    col('Modes', 'The volume lifecycle modes the driver supports.'),
    AGE_COLUMN,
  ],
  row(d, now) {
    const s = isObj(d.spec) ? d.spec : {};
    const modes = arr(s.volumeLifecycleModes).join(',') || '<none>';
    const tokens = arr(s.tokenRequests).length ? arr(s.tokenRequests).map((t) => (isObj(t) ? (t.audience ?? '') : '')).join(',') : '<unset>';
    return [d.metadata?.name ?? '', s.attachRequired ?? true, s.podInfoOnMount ?? false, s.storageCapacity ?? false, tokens, s.requiresRepublish ?? false, modes, age(d, now)];
  },
};

export const csiDriverDef: ResourceDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'CSIDriver',
  listKind: 'CSIDriverList',
  plural: 'csidrivers',
  singular: 'csidriver',
  namespaced: false,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.storage.v1.CSIDriver',

  defaults: defaultCSIDriver,
  // strategy.go dropDisabledFields: MutableCSINodeAllocatableCount is alpha (off) in 1.33
  prepareForCreate(obj) {
    if (isObj(obj.spec)) delete obj.spec.nodeAllocatableUpdatePeriodSeconds;
  },
  prepareForUpdate(n, o) {
    if (isObj(n.spec) && (!isObj(o.spec) || o.spec.nodeAllocatableUpdatePeriodSeconds === undefined)) delete n.spec.nodeAllocatableUpdatePeriodSeconds;
  },
  validate: validateCSIDriver,
  validateUpdate: validateCSIDriverUpdate,
  table: csiDriverPrinter,
};
