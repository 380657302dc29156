// core/v1 Namespace: pkg/registry/core/namespace/strategy.go (status Active and the
// `kubernetes` finalizer on create, the kubernetes.io/metadata.name label) and
// ValidateNamespace* (pkg/apis/core/validation/validation.go).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, isDNS1123Label, isQualifiedName } from '../../registry/validation.js';
import { namespacePrinter } from '../../printers/core.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** NamespaceLifecycle admission's immortalNamespaces (apiserver pkg/admission/plugin/namespace/lifecycle); kube-node-lease is not one */
export const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public'];

/** SetDefaults_Namespace / namespaceStrategy.Canonicalize: the immutable name label. */
function ensureNameLabel(ns: KObject): void {
  const name = ns.metadata?.name;
  if (!name) return;
  ns.metadata.labels = { ...(isObj(ns.metadata.labels) ? ns.metadata.labels : {}), [NAMESPACE_NAME_LABEL]: name };
}

/** validateFinalizerName (core): qualified, and standard unless fully qualified. */
export function validateFinalizerName(name: unknown, field: string): Cause[] {
  const s = String(name ?? '');
  const errs = isQualifiedName(s).map((m) => invalid(field, s, m));
  if (errs.length === 0 && !s.includes('/') && s !== 'kubernetes')
    errs.push(invalid(field, s, 'name is neither a standard finalizer name nor is it fully qualified'));
  return errs;
}

function validateSpecFinalizers(ns: KObject): Cause[] {
  const list = Array.isArray(ns.spec?.finalizers) ? ns.spec.finalizers : [];
  return list.flatMap((f: unknown, i: number) => validateFinalizerName(f, `spec.finalizers[${i}]`));
}

/** namespaceFinalizeStrategy.PrepareForUpdate: only spec.finalizers change through /finalize. */
export function prepareForFinalizeUpdate(newObj: KObject, oldObj: KObject): void {
  newObj.status = clone(oldObj.status);
}
/** ValidateNamespaceFinalizeUpdate */
export function validateFinalizeUpdate(newObj: KObject): Cause[] {
  return validateSpecFinalizers(newObj);
}

export const namespaceDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [
    { name: 'finalize', kind: 'Namespace', verbs: ['update'] },
    { name: 'status', kind: 'Namespace', verbs: ['get', 'patch', 'update'] },
  ],
  definition: 'io.k8s.api.core.v1.Namespace',
  table: namespacePrinter,

  // ValidateNamespaceName = DNS-1123 label
  validateName: (name) => isDNS1123Label(name),

  defaults(obj) {
    ensureNameLabel(obj);
    if (isObj(obj.status) && !obj.status.phase) obj.status.phase = 'Active';
  },

  prepareForCreate(obj) {
    obj.status = { phase: 'Active' };
    if (!isObj(obj.spec)) obj.spec = {};
    const fins: unknown[] = Array.isArray(obj.spec.finalizers) ? obj.spec.finalizers : [];
    if (!fins.includes('kubernetes')) obj.spec.finalizers = [...fins, 'kubernetes'];
    ensureNameLabel(obj);
  },

  prepareForUpdate(newObj, oldObj) {
    if (!isObj(newObj.spec)) newObj.spec = {};
    if (oldObj.spec?.finalizers === undefined) delete newObj.spec.finalizers;
    else newObj.spec.finalizers = clone(oldObj.spec.finalizers);
    newObj.status = clone(oldObj.status);
    ensureNameLabel(newObj);
  },

  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = clone(oldObj.spec);
    ensureNameLabel(newObj);
  },

  validate: validateSpecFinalizers,
  validateUpdate: () => [],

  // ValidateNamespaceStatusUpdate
  validateStatusUpdate(newObj) {
    const phase = newObj.status?.phase;
    if (!newObj.metadata?.deletionTimestamp) {
      if (phase !== 'Active') return [invalid('status.Phase', phase ?? '', "may only be 'Active' if `deletionTimestamp` is empty")];
    } else if (phase !== 'Terminating') {
      return [invalid('status.Phase', phase ?? '', "may only be 'Terminating' if `deletionTimestamp` is not empty")];
    }
    return [];
  },

  deleteForbidden: (name) => (IMMORTAL_NAMESPACES.includes(name) ? 'this namespace may not be deleted' : undefined),
  generationChanged: () => false,
  fieldSelectors: { 'status.phase': (o) => o.status?.phase ?? '' },
  returnDeletedObject: true,
};
