// VolumeAttachment (storage.k8s.io/v1, cluster-scoped, +status): pkg/apis/storage/validation
// ValidateVolumeAttachment(+V1) / ValidateVolumeAttachmentUpdate,
// pkg/registry/storage/volumeattachment/strategy.go (v1: status only through the subresource).
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { deepEqual, forbidden, invalid, isDNS1123Subdomain, required, tooLong } from '../../registry/validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from '../../printers/format.js';
import { validateCSIDriverName } from './csi-validation.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_METADATA_SIZE = 256 * 1024;
const MAX_ERROR_MESSAGE = 1024;
const EXACTLY_ONE = 'must specify exactly one of inlineVolumeSpec and persistentVolumeName';

/** Go's %#v of the internal VolumeAttachmentSpec (pointers print as addresses upstream). */
function goSpec(spec: KObject): string {
  const src = isObj(spec.source) ? spec.source : {};
  const pv = typeof src.persistentVolumeName === 'string' ? '(*string)(0xc000000000)' : '(*string)(nil)';
  const inline = isObj(src.inlineVolumeSpec) ? '(*core.PersistentVolumeSpec)(0xc000000000)' : '(*core.PersistentVolumeSpec)(nil)';
  return `storage.VolumeAttachmentSpec{Attacher:${JSON.stringify(String(spec.attacher ?? ''))}, Source:storage.VolumeAttachmentSource{PersistentVolumeName:${pv}, InlineVolumeSpec:${inline}}, NodeName:${JSON.stringify(String(spec.nodeName ?? ''))}}`;
}

function validateVolumeError(e: unknown, field: string): Cause[] {
  if (!isObj(e) || typeof e.message !== 'string') return [];
  return e.message.length > MAX_ERROR_MESSAGE ? [tooLong(`${field}.message`, e.message, MAX_METADATA_SIZE)] : [];
}

/** ValidateVolumeAttachment + ValidateVolumeAttachmentV1. */
export function validateVolumeAttachment(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  const spec = isObj(obj.spec) ? obj.spec : {};
  const attacher = typeof spec.attacher === 'string' ? spec.attacher : '';
  if (!attacher) causes.push(required('spec.attacher'));
  const src = isObj(spec.source) ? spec.source : {};
  const hasPV = src.persistentVolumeName !== undefined && src.persistentVolumeName !== null;
  const hasInline = src.inlineVolumeSpec !== undefined && src.inlineVolumeSpec !== null;
  if (!hasPV && !hasInline) causes.push(required('spec.source', EXACTLY_ONE));
  else if (hasPV && hasInline) causes.push(forbidden('spec.source', EXACTLY_ONE));
  else if (hasPV && !src.persistentVolumeName) causes.push(required('spec.source.persistentVolumeName', 'must specify non empty persistentVolumeName'));
  const nodeName = typeof spec.nodeName === 'string' ? spec.nodeName : '';
  for (const m of isDNS1123Subdomain(nodeName)) causes.push(invalid('spec.nodeName', nodeName, m));
  const st = isObj(obj.status) ? obj.status : {};
  if (isObj(st.attachmentMetadata)) {
    let size = 0;
    for (const [k, v] of Object.entries(st.attachmentMetadata)) size += k.length + String(v ?? '').length;
    if (size > MAX_METADATA_SIZE) causes.push(tooLong('status.attachmentMetadata', '', MAX_METADATA_SIZE));
  }
  causes.push(...validateVolumeError(st.attachError, 'status.attachError'), ...validateVolumeError(st.detachError, 'status.detachError'));
  // V1: the attacher is a CSI driver name, the PV name a PV's
  causes.push(...validateCSIDriverName(attacher, 'spec.attacher'));
  if (typeof src.persistentVolumeName === 'string' && src.persistentVolumeName)
    for (const m of isDNS1123Subdomain(src.persistentVolumeName)) causes.push(invalid('spec.source.persistentVolumeName', src.persistentVolumeName, m));
  return causes;
}

/** ValidateVolumeAttachmentUpdate: the spec is read-only. */
export function validateVolumeAttachmentUpdate(n: KObject, o: KObject): Cause[] {
  if (deepEqual(n.spec, o.spec)) return [];
  return [{ reason: 'FieldValueInvalid', field: 'spec', message: `Invalid value: ${goSpec(isObj(n.spec) ? n.spec : {})}: field is immutable` }];
}

// printers.go printVolumeAttachment
export const volumeAttachmentPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Attacher', 'The CSI driver that attaches the volume.', { format: 'name' }),
    col('PV', 'The persistent volume being attached.'),
    col('Node', 'The node the volume is attached to.'),
    col('Attached', 'Whether the volume is attached.', { type: 'boolean' }),
    AGE_COLUMN,
  ],
  row(va, now) {
    const spec = isObj(va.spec) ? va.spec : {};
    const pv = isObj(spec.source) && typeof spec.source.persistentVolumeName === 'string' ? spec.source.persistentVolumeName : '';
    return [va.metadata?.name ?? '', spec.attacher ?? '', pv, spec.nodeName ?? '', va.status?.attached === true, age(va, now)];
  },
};

export const volumeAttachmentDef: ResourceDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'VolumeAttachment',
  listKind: 'VolumeAttachmentList',
  plural: 'volumeattachments',
  singular: 'volumeattachment',
  namespaced: false,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'VolumeAttachment', verbs: ['get', 'patch', 'update'] }],
  definition: 'io.k8s.api.storage.v1.VolumeAttachment',

  // v1 PrepareForCreate: status is the attacher's to write, through the subresource; a zero
  // status still renders (a struct) with attached: false (no omitempty)
  prepareForCreate(obj) {
    obj.status = { attached: false };
  },
  defaults(obj) {
    if (isObj(obj.status) && obj.status.attached === undefined) obj.status.attached = false;
  },
  validate: validateVolumeAttachment,
  validateUpdate: validateVolumeAttachmentUpdate,
  validateStatusUpdate: (n, o) => [...validateVolumeAttachment(n), ...validateVolumeAttachmentUpdate(n, o)],
  table: volumeAttachmentPrinter,
};
