// ReplicaSet (apps/v1): pkg/apis/apps/v1/defaults.go (SetDefaults_ReplicaSet + the generated walk
// into the pod template), pkg/apis/apps/validation/validation.go (ValidateReplicaSet,
// ValidateReplicaSetSpec, ValidatePodTemplateSpecForReplicaSet, ValidateReplicaSetUpdate,
// ValidateReplicaSetStatusUpdate), pkg/registry/apps/replicaset/strategy.go (status reset on create,
// spec kept on status writes, selector immutable in apps/v1, generation) and the printer
// pkg/printers/internalversion/printers.go printReplicaSet.
import { goStringMap, goLabelSelector, invalidRendered } from '../goformat.js';
import { semantic } from '../../util/equal.js';
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { forbidden, notSupported, required } from '../../registry/validation.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec, POD_VALUE_FIELDS } from '../podspec.js';
import { REPLICAS_SCALE } from '../scale.js';
import { labelSelectorMatches, selectorString, validateLabelSelector } from '../labelselector.js';
import { deepEqual } from '../../registry/validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, layoutContainerCells } from '../../printers/format.js';

const NONNEGATIVE = 'must be greater than or equal to 0';

const isMap = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function nonNegative(value: unknown, field: string): Cause[] {
  return typeof value === 'number' && value < 0 ? [invalidRendered(field, String(value), NONNEGATIVE)] : [];
}

/** metav1.FormatLabelSelector: `<none>` for an empty selector, `<error>` when it does not convert. */
export function formatLabelSelector(sel: unknown): string {
  if (sel === undefined || sel === null) return '<none>';
  const s = selectorString(sel);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

/** Defaults of a ReplicaSet as a 1.33 apiserver serves it. Mutates. */
export function defaultReplicaSet(obj: KObject): void {
  if (!isMap(obj.spec)) obj.spec = {};
  const spec = obj.spec;
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (!isMap(spec.template)) spec.template = {};
  if (!isMap(spec.template.metadata)) spec.template.metadata = {};
  // a zero metav1.Time is serialized as null by a 1.33 apiserver
  if (spec.template.metadata.creationTimestamp === undefined) spec.template.metadata.creationTimestamp = null;
  if (!isMap(spec.template.spec)) spec.template.spec = {};
  defaultPodTemplateSpec(spec.template);
  // ReplicaSetStatus.replicas is not omitempty
  if (!isMap(obj.status)) obj.status = {};
  if (obj.status.replicas === undefined) obj.status.replicas = 0;
}

/** ValidateReplicaSetSpec + ValidatePodTemplateSpecForReplicaSet. */
export function validateReplicaSetSpec(spec: unknown, kindName = 'ReplicaSet'): Cause[] {
  const causes: Cause[] = [];
  const s: KObject = isMap(spec) ? spec : {};
  causes.push(...nonNegative(s.replicas, 'spec.replicas'));
  causes.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  const sel = s.selector;
  if (sel === undefined || sel === null) causes.push(required('spec.selector'));
  else {
    causes.push(...validateLabelSelector(sel, 'spec.selector'));
    const n = (isMap(sel) && isMap(sel.matchLabels) ? Object.keys(sel.matchLabels).length : 0) + (isMap(sel) && Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0);
    // upstream's wording (shared with Deployments)
    if (n === 0) causes.push(invalidRendered('spec.selector', goLabelSelector(sel), 'empty selector is invalid for deployment'));
  }
  const selStr = sel === undefined || sel === null ? '' : selectorString(sel);
  if (selStr === undefined) {
    causes.push(invalidRendered('spec.selector', goLabelSelector(sel), 'invalid label selector'));
    return causes;
  }
  const tpl: KObject = isMap(s.template) ? s.template : {};
  const tplMeta: KObject = isMap(tpl.metadata) ? tpl.metadata : {};
  // a nil selector is labels.Nothing() (not Empty, matches nothing); {} is Everything
  const everything = isMap(sel) && selStr === '';
  if (!everything && !labelSelectorMatches(sel ?? null, isMap(tplMeta.labels) ? tplMeta.labels : {}))
    causes.push(invalidRendered('spec.template.metadata.labels', goStringMap(tplMeta.labels), '`selector` does not match template `labels`'));
  causes.push(...validatePodTemplateSpec(tpl, 'spec.template'));
  const podSpec: KObject = isMap(tpl.spec) ? tpl.spec : {};
  if ((podSpec.restartPolicy ?? '') !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy ?? '', ['Always']));
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null)
    causes.push(forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kindName} is not Supported`));
  return causes;
}

/** The apps/v1 strategy's ValidateUpdate extra: the selector may not change. */
export function validateReplicaSetUpdate(newObj: KObject, oldObj: KObject): Cause[] {
  const a = newObj.spec?.selector ?? null;
  const b = oldObj.spec?.selector ?? null;
  if (deepEqual(semantic(a), semantic(b))) return [];
  return [invalidRendered('spec.selector', goLabelSelector(a), 'field is immutable')];
}

/** ValidateReplicaSetStatus (via ValidateReplicaSetStatusUpdate). */
export function validateReplicaSetStatus(obj: KObject): Cause[] {
  const st: KObject = isMap(obj.status) ? obj.status : {};
  const causes: Cause[] = [];
  for (const k of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) causes.push(...nonNegative(st[k], `status.${k}`));
  const msg = 'cannot be greater than status.replicas';
  for (const k of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'])
    if (num(st[k]) > num(st.replicas)) causes.push(invalidRendered(`status.${k}`, String(num(st[k])), msg));
  if (num(st.availableReplicas) > num(st.readyReplicas))
    causes.push(invalidRendered('status.availableReplicas', String(num(st.availableReplicas)), 'cannot be greater than readyReplicas'));
  return causes;
}

/** printers.go printReplicaSet (columns described by the apps/v1 swagger docs). */
export const replicaSetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Desired', 'Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.', { type: 'integer' }),
    col('Current', 'Replicas is the most recently observed number of non-terminating pods.', { type: 'integer' }),
    col('Ready', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.', { type: 'integer' }),
    AGE_COLUMN,
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    col('Selector', 'Selector is a label query over pods that should match the replica count.', { priority: 1 }),
  ],
  row(rs, now) {
    const [names, images] = layoutContainerCells(rs.spec?.template?.spec?.containers);
    return [rs.metadata?.name ?? '', num(rs.spec?.replicas), num(rs.status?.replicas), num(rs.status?.readyReplicas), age(rs, now), names, images, formatLabelSelector(rs.spec?.selector)];
  },
};

/** The status fields a 1.33 server keeps (terminatingReplicas is behind an alpha gate, off). */
function dropDisabledStatusFields(newObj: KObject, oldObj?: KObject): void {
  const st = newObj.status;
  if (isMap(st) && (oldObj?.status?.terminatingReplicas === undefined || oldObj?.status?.terminatingReplicas === null)) delete st.terminatingReplicas;
}

export const replicaSetDef: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  listKind: 'ReplicaSetList',
  plural: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [
    { name: 'status', kind: 'ReplicaSet', verbs: ['get', 'patch', 'update'] },
    { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
  ],
  definition: 'io.k8s.api.apps.v1.ReplicaSet',
  valueFields: { 'io.k8s.api.apps.v1.ReplicaSetSpec': { structs: ['template'], nulls: ['selector'] }, ...POD_VALUE_FIELDS },
  table: replicaSetPrinter,
  scale: REPLICAS_SCALE,
  // ValidateReplicaSetName: a DNS-1123 subdomain (the default)
  defaults: defaultReplicaSet,
  prepareForCreate(obj) {
    obj.status = { replicas: 0 };
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = structuredClone(oldObj.status ?? { replicas: 0 });
  },
  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = structuredClone(oldObj.spec ?? {});
    dropDisabledStatusFields(newObj, oldObj);
  },
  validate: (obj) => validateReplicaSetSpec(obj.spec),
  validateUpdate: validateReplicaSetUpdate,
  validateStatusUpdate: (obj) => validateReplicaSetStatus(obj),
  fieldSelectors: { 'status.replicas': (o) => String(num(o.status?.replicas)) },
  generation: true,
  // strategy.go DefaultGarbageCollectionPolicy: DeleteDependents in apps/v1
  defaultDeletePolicy: 'Background',
};
