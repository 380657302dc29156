// core/v1 ReplicationController: pkg/apis/core/v1/defaults.go SetDefaults_ReplicationController,
// pkg/apis/core/validation (ValidateReplicationController, ValidatePodTemplateSpecForRC,
// ValidateReplicationControllerStatus), pkg/registry/core/replicationcontroller/strategy.go.
// Its pods are managed by src/controllers/replicaset (the ReplicaSet controller, parameterised by kind).
import { validateReplicaSetStatus } from '../apps/replicaset.js';
import { goStringMap } from '../goformat.js';
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec } from '../podspec.js';
import { invalid, notSupported, required } from '../../registry/validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, formatLabels, layoutContainerCells } from '../../printers/format.js';
import { REPLICAS_SCALE } from '../scale.js';
import { selectorString } from '../labelselector.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** SetDefaults_ReplicationController: selector and labels from the template's labels, replicas 1. */
export function defaultReplicationController(rc: KObject): void {
  if (!isObj(rc.spec)) rc.spec = {};
  const spec = rc.spec;
  const labels = isObj(spec.template) && isObj(spec.template.metadata) && isObj(spec.template.metadata.labels) ? spec.template.metadata.labels : undefined;
  if (labels) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    if (!isObj(rc.metadata.labels) || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...labels };
  }
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (isObj(spec.template)) {
    // the template's ObjectMeta is a value struct: a 1.33 apiserver serializes its zero creationTimestamp as null
    if (!isObj(spec.template.metadata)) spec.template.metadata = {};
    if (spec.template.metadata.creationTimestamp === undefined) spec.template.metadata.creationTimestamp = null;
    defaultPodTemplateSpec(spec.template);
  }
}

const nonNegative = (v: unknown, field: string): Cause[] => (num(v) < 0 ? [invalid(field, num(v), 'must be greater than or equal to 0')] : []);

/** ValidateReplicationControllerSpec (+ ValidatePodTemplateSpecForRC). */
export function validateReplicationControllerSpec(spec: KObject): Cause[] {
  const causes: Cause[] = [];
  causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  const selector: Record<string, string> = isObj(spec.selector) ? spec.selector : {};
  if (Object.keys(selector).length === 0) causes.push(required('spec.selector'));
  causes.push(...nonNegative(spec.replicas, 'spec.replicas'));
  const tpl = spec.template;
  if (!isObj(tpl)) {
    causes.push(required('spec.template'));
    return causes;
  }
  const labels: Record<string, string> = isObj(tpl.metadata) && isObj(tpl.metadata.labels) ? tpl.metadata.labels : {};
  if (Object.keys(selector).length && !Object.entries(selector).every(([k, v]) => labels[k] === v))
    // field.Invalid renders the labels map with Go's %#v
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: `Invalid value: ${goStringMap(tpl.metadata?.labels)}: \`selector\` does not match template \`labels\`` });
  causes.push(...validatePodTemplateSpec(tpl, 'spec.template'));
  const tspec = isObj(tpl.spec) ? tpl.spec : {};
  // ValidateReadOnlyPersistentDisks: several replicas can share a GCE PD only read-only
  if (num(spec.replicas) > 1)
    (Array.isArray(tspec.volumes) ? tspec.volumes : []).forEach((v: unknown, i: number) => {
      if (isObj(v) && isObj(v.gcePersistentDisk) && v.gcePersistentDisk.readOnly !== true)
        causes.push(invalid(`spec.template.spec.volumes[${i}].gcePersistentDisk.readOnly`, false, 'must be true for replicated pods > 1; GCE PD can only be mounted on multiple machines if it is read-only'));
    });
  if (tspec.restartPolicy !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', tspec.restartPolicy ?? '', ['Always']));
  if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null)
    causes.push(invalid('spec.template.spec.activeDeadlineSeconds', tspec.activeDeadlineSeconds, 'activeDeadlineSeconds in ReplicationController is not Supported'));
  return causes;
}

/** ValidateReplicationControllerStatus: the same count rules as ValidateReplicaSetStatus. */
export function validateReplicationControllerStatus(rc: KObject): Cause[] {
  return validateReplicaSetStatus(rc);
}

// printers.go printReplicationController
export const replicationControllerPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Desired', 'The number of pods wanted.', { type: 'integer' }),
    col('Current', 'The number of pods that exist.', { type: 'integer' }),
    col('Ready', 'The number of ready pods.', { type: 'integer' }),
    AGE_COLUMN,
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    col('Selector', 'The label query the pods must match.', { priority: 1 }),
  ],
  row(rc, now) {
    const [names, images] = layoutContainerCells(rc.spec?.template?.spec?.containers);
    return [rc.metadata?.name ?? '', num(rc.spec?.replicas), num(rc.status?.replicas), num(rc.status?.readyReplicas), age(rc, now), names, images, formatLabels(rc.spec?.selector)];
  },
};

export const replicationControllerDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  listKind: 'ReplicationControllerList',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  // a ReplicationController's selector is a plain label map (scaleFromRC: labels.SelectorFromSet)
  scale: { ...REPLICAS_SCALE, selector: (o) => selectorString({ matchLabels: o.spec?.selector && typeof o.spec.selector === 'object' ? o.spec.selector : {} }) },
  subresources: [
    { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
    { name: 'status', kind: 'ReplicationController', verbs: ['get', 'patch', 'update'] },
  ],
  definition: 'io.k8s.api.core.v1.ReplicationController',

  generation: true,
  // strategy.go DefaultGarbageCollectionPolicy: core/v1 orphans the pods unless told otherwise
  defaultDeletePolicy: 'Orphan',
  defaults: defaultReplicationController,
  prepareForCreate(obj) {
    obj.status = { replicas: 0 };
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = structuredClone(oldObj.status ?? { replicas: 0 });
  },
  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = structuredClone(oldObj.spec ?? {});
  },
  validate: (obj) => validateReplicationControllerSpec(isObj(obj.spec) ? obj.spec : {}),
  validateStatusUpdate: (obj) => validateReplicationControllerStatus(obj),
  fieldSelectors: { 'status.replicas': (o) => String(num(o.status?.replicas)) },
  table: replicationControllerPrinter,
};
