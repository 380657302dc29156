// Deployment (apps/v1): pkg/apis/apps/v1/defaults.go SetDefaults_Deployment (+ the generated walk
// into the pod template), pkg/apis/apps/validation/validation.go (ValidateDeployment*,
// ValidateRollingUpdateDeployment, ValidatePodTemplateSpecForReplicaSet, 1.33 wording),
// pkg/apis/apps/v1/conversion.go (the deprecated rollbackTo annotation), pkg/registry/apps/deployment/strategy.go
// and pkg/printers/internalversion/printers.go printDeployment.
import { goStringMap, goLabelSelector } from '../goformat.js';
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { FIELD_IMMUTABLE, forbidden, invalid, notSupported, required } from '../../registry/validation.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec, POD_VALUE_FIELDS } from '../podspec.js';
import { REPLICAS_SCALE } from '../scale.js';
import { labelSelectorMatches, selectorString, validateLabelSelector } from '../labelselector.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, layoutContainerCells } from '../../printers/format.js';
import { jsonEqual } from '../../util/equal.js';

/** apps.DeprecatedRollbackTo: the annotation apps/v1 carries the extensions/v1beta1 spec.rollbackTo in. */
export const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';

const NONNEGATIVE = 'must be greater than or equal to 0';
const PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%' or '93%', regex used for validation is '[0-9]+%')";

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function rendered(field: string, value: string, detail: string): Cause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${value}${detail ? ': ' + detail : ''}`, field };
}

/** Go's %#v of an intstr.IntOrString value (what field.Invalid shows for one). */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${typeof v === 'number' ? v : 0}, StrVal:""}`;
}

/** SetDefaults_Deployment plus the pod template walk, as a 1.33 apiserver serves a Deployment. */
export function defaultDeployment(obj: KObject): void {
  if (!isMap(obj.spec)) obj.spec = {};
  const spec = obj.spec;
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (!isMap(spec.strategy)) spec.strategy = {};
  const st = spec.strategy;
  if (!st.type) st.type = 'RollingUpdate';
  if (st.type === 'RollingUpdate') {
    if (!isMap(st.rollingUpdate)) st.rollingUpdate = {};
    if (st.rollingUpdate.maxUnavailable === undefined || st.rollingUpdate.maxUnavailable === null) st.rollingUpdate.maxUnavailable = '25%';
    if (st.rollingUpdate.maxSurge === undefined || st.rollingUpdate.maxSurge === null) st.rollingUpdate.maxSurge = '25%';
  }
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined || spec.progressDeadlineSeconds === null) spec.progressDeadlineSeconds = 600;
  if (!isMap(spec.template)) spec.template = {};
  if (!isMap(spec.template.metadata)) spec.template.metadata = {};
  // a zero metav1.Time is serialized as null by a 1.33 apiserver
  if (spec.template.metadata.creationTimestamp === undefined) spec.template.metadata.creationTimestamp = null;
  if (!isMap(spec.template.spec)) spec.template.spec = {};
  defaultPodTemplateSpec(spec.template);
  if (!isMap(obj.status)) obj.status = {};
}

/** validation.IsValidPercent + getPercentValue: the number of a valid "N%" string, else undefined. */
function percentValue(v: unknown): number | undefined {
  if (typeof v !== 'string' || !/^[0-9]+%$/.test(v)) return undefined;
  return parseInt(v.slice(0, -1), 10);
}

/** getIntOrPercentValue (an invalid string counts as IntValue(): its Atoi, 0 when not a number). */
function intOrPercentValue(v: unknown): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = /^[+-]?[0-9]+$/.test(v) ? parseInt(v, 10) : 0;
    return Number.isFinite(n) ? n : 0;
  }
  return 0;
}

/** ValidatePositiveIntOrPercent. */
function validatePositiveIntOrPercent(v: unknown, field: string): Cause[] {
  if (typeof v === 'string') return percentValue(v) === undefined ? [rendered(field, goIntOrString(v), PERCENT_MSG)] : [];
  if (typeof v === 'number') return v < 0 ? [invalid(field, v, NONNEGATIVE)] : [];
  return [];
}

/** ValidateRollingUpdateDeployment. */
function validateRollingUpdate(ru: KObject, field: string): Cause[] {
  const causes: Cause[] = [];
  causes.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${field}.maxUnavailable`));
  causes.push(...validatePositiveIntOrPercent(ru.maxSurge, `${field}.maxSurge`));
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0)
    causes.push(rendered(`${field}.maxUnavailable`, goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
  const p = percentValue(ru.maxUnavailable);
  if (p !== undefined && p > 100) causes.push(rendered(`${field}.maxUnavailable`, goIntOrString(ru.maxUnavailable), 'must not be greater than 100%'));
  return causes;
}

/** Go's %#v of an apps.DeploymentStrategy (the pointer inside printed as Go prints one). */
function goStrategy(st: KObject): string {
  const ru = isMap(st.rollingUpdate) ? '(*apps.RollingUpdateDeployment)(0xc000a2e1c0)' : '(*apps.RollingUpdateDeployment)(nil)';
  return `apps.DeploymentStrategy{Type:${JSON.stringify(String(st.type ?? ''))}, RollingUpdate:${ru}}`;
}

/** ValidateDeploymentStrategy. */
function validateStrategy(st: KObject): Cause[] {
  switch (st.type) {
    case 'Recreate':
      return st.rollingUpdate !== undefined && st.rollingUpdate !== null ? [forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate':
      if (!isMap(st.rollingUpdate)) return [required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')];
      return validateRollingUpdate(st.rollingUpdate, 'spec.strategy.rollingUpdate');
    default:
      return [{ reason: 'FieldValueNotSupported', field: 'spec.strategy', message: `Unsupported value: ${goStrategy(st)}: supported values: "Recreate", "RollingUpdate"` }];
  }
}

/** ValidatePodTemplateSpecForReplicaSet. */
function validateTemplate(tpl: unknown, sel: unknown, selectorValid: boolean): Cause[] {
  if (!isMap(tpl)) return [required('spec.template')];
  const causes: Cause[] = [];
  const labels = isMap(tpl.metadata) && isMap(tpl.metadata.labels) ? tpl.metadata.labels : undefined;
  // a nil selector is labels.Nothing() (not Empty, matches nothing); {} is Everything (Empty)
  const empty = isMap(sel) && selectorString(sel) === '';
  if (selectorValid && !empty && !labelSelectorMatches(sel ?? null, labels ?? {}))
    causes.push(rendered('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  causes.push(...validatePodTemplateSpec(tpl, 'spec.template'));
  const ps: KObject = isMap(tpl.spec) ? tpl.spec : {};
  if ((ps.restartPolicy ?? '') !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', ps.restartPolicy ?? '', ['Always']));
  if (ps.activeDeadlineSeconds !== undefined && ps.activeDeadlineSeconds !== null)
    causes.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  return causes;
}

/** ValidateDeploymentSpec (with the rollbackTo the v1 conversion takes from the deprecated annotation). */
export function validateDeploymentSpec(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  const s: KObject = isMap(obj.spec) ? obj.spec : {};
  if (typeof s.replicas === 'number' && s.replicas < 0) causes.push(invalid('spec.replicas', s.replicas, NONNEGATIVE));
  const sel = s.selector;
  if (sel === undefined || sel === null) causes.push(required('spec.selector'));
  else {
    causes.push(...validateLabelSelector(sel, 'spec.selector'));
    const n = (isMap(sel.matchLabels) ? Object.keys(sel.matchLabels).length : 0) + (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0);
    if (n === 0) causes.push(rendered('spec.selector', goLabelSelector(sel), 'empty selector is invalid for deployment'));
  }
  const selValid = sel === undefined || sel === null || selectorString(sel) !== undefined;
  if (!selValid) causes.push(rendered('spec.selector', goLabelSelector(sel), 'invalid label selector'));
  else causes.push(...validateTemplate(s.template, sel, true));
  causes.push(...validateStrategy(isMap(s.strategy) ? s.strategy : {}));
  if (typeof s.minReadySeconds === 'number' && s.minReadySeconds < 0) causes.push(invalid('spec.minReadySeconds', s.minReadySeconds, NONNEGATIVE));
  if (typeof s.revisionHistoryLimit === 'number' && s.revisionHistoryLimit < 0) causes.push(invalid('spec.revisionHistoryLimit', s.revisionHistoryLimit, NONNEGATIVE));
  const rollbackTo = obj.metadata?.annotations?.[DEPRECATED_ROLLBACK_TO];
  if (typeof rollbackTo === 'string' && /^[+-]?[0-9]+$/.test(rollbackTo) && parseInt(rollbackTo, 10) < 0)
    causes.push(invalid('spec.rollback.version', parseInt(rollbackTo, 10), NONNEGATIVE));
  if (typeof s.progressDeadlineSeconds === 'number') {
    if (s.progressDeadlineSeconds < 0) causes.push(invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, NONNEGATIVE));
    if (s.progressDeadlineSeconds <= num(s.minReadySeconds)) causes.push(invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  return causes;
}

/** ValidateDeploymentStatusUpdate. */
export function validateDeploymentStatusUpdate(newObj: KObject, oldObj: KObject): Cause[] {
  const causes: Cause[] = [];
  const st: KObject = isMap(newObj.status) ? newObj.status : {};
  for (const k of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'])
    if (num(st[k]) < 0) causes.push(invalid(`status.${k}`, num(st[k]), NONNEGATIVE));
  if (typeof st.collisionCount === 'number' && st.collisionCount < 0) causes.push(invalid('status.collisionCount', st.collisionCount, NONNEGATIVE));
  const msg = 'cannot be greater than status.replicas';
  for (const k of ['updatedReplicas', 'readyReplicas', 'availableReplicas']) if (num(st[k]) > num(st.replicas)) causes.push(invalid(`status.${k}`, num(st[k]), msg));
  if (num(st.availableReplicas) > num(st.readyReplicas)) causes.push(invalid('status.availableReplicas', num(st.availableReplicas), 'cannot be greater than readyReplicas'));
  const oldCC = oldObj.status?.collisionCount;
  if (typeof oldCC === 'number' && (typeof st.collisionCount !== 'number' || st.collisionCount < oldCC))
    causes.push(invalid('status.collisionCount', typeof st.collisionCount === 'number' ? st.collisionCount : 0, 'cannot be decremented'));
  return causes;
}

// printers.go printDeployment
export const deploymentPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Ready', 'Number of the pod with ready state'),
    col('Up-to-date', 'Total number of non-terminating pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE_COLUMN,
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    col('Selector', "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.", { priority: 1 }),
  ],
  row(d, now) {
    const [names, images] = layoutContainerCells(d.spec?.template?.spec?.containers);
    const sel = selectorString(d.spec?.selector ?? null);
    return [
      d.metadata?.name ?? '',
      `${num(d.status?.readyReplicas)}/${num(d.spec?.replicas)}`,
      num(d.status?.updatedReplicas),
      num(d.status?.availableReplicas),
      age(d, now),
      names,
      images,
      sel === undefined ? '<invalid>' : sel,
    ];
  },
};

/** The deployment strategy's generation rule: a spec or an annotation change (annotations are copied to the ReplicaSets). */
export function deploymentGenerationChanged(newObj: KObject, oldObj: KObject): boolean {
  return !jsonEqual(newObj.spec ?? null, oldObj.spec ?? null) || !jsonEqual(semanticMap(newObj.metadata?.annotations), semanticMap(oldObj.metadata?.annotations));
}

/** Semantic equality sees a nil and an empty map as equal. */
function semanticMap(m: unknown): unknown {
  return isMap(m) && Object.keys(m).length ? m : null;
}

const STATUS_RESET = [['spec'], ['metadata', 'labels']];

export const deploymentDef: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  listKind: 'DeploymentList',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [
    { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
    { name: 'status', kind: 'Deployment', verbs: ['get', 'patch', 'update'] },
  ],
  definition: 'io.k8s.api.apps.v1.Deployment',
  valueFields: { 'io.k8s.api.apps.v1.DeploymentSpec': { structs: ['template', 'strategy'], nulls: ['selector'] }, ...POD_VALUE_FIELDS },
  table: deploymentPrinter,
  scale: REPLICAS_SCALE,
  defaults: defaultDeployment,
  prepareForCreate(obj) {
    obj.status = {};
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = structuredClone(oldObj.status ?? {});
  },
  // deploymentStatusStrategy resets only spec and labels: the controller writes the revision
  // annotation on the Deployment through UpdateStatus
  statusUpdatesMetadata: true,
  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = structuredClone(oldObj.spec ?? {});
    const oldMeta: KObject = isMap(oldObj.metadata) ? oldObj.metadata : {};
    if (!isMap(newObj.metadata)) newObj.metadata = {};
    if (oldMeta.labels === undefined) delete newObj.metadata.labels;
    else newObj.metadata.labels = structuredClone(oldMeta.labels);
    // rest.BeforeUpdate: requests cannot change the generation
    if (oldMeta.generation === undefined) delete newObj.metadata.generation;
    else newObj.metadata.generation = oldMeta.generation;
    if (oldMeta.deletionTimestamp === undefined) delete newObj.metadata.deletionTimestamp;
    else newObj.metadata.deletionTimestamp = oldMeta.deletionTimestamp;
    // DeploymentReplicaSetTerminatingReplicas is alpha (off) in 1.33: dropDisabledStatusFields
    if (isMap(newObj.status) && oldObj.status?.terminatingReplicas === undefined) delete newObj.status.terminatingReplicas;
  },
  resetFields: (sub) => (sub === 'status' ? STATUS_RESET : undefined),
  validate: validateDeploymentSpec,
  validateUpdate(newObj, oldObj) {
    // apps/v1 forbids changing the selector (strategy.go ValidateUpdate)
    const sel = newObj.spec?.selector;
    const oldSel = oldObj.spec?.selector;
    if (jsonEqual(sel ?? null, oldSel ?? null)) return [];
    return [rendered('spec.selector', sel === undefined || sel === null ? 'null' : goLabelSelector(sel), FIELD_IMMUTABLE)];
  },
  validateStatusUpdate: validateDeploymentStatusUpdate,
  generation: true,
  generationChanged: deploymentGenerationChanged,
  defaultDeletePolicy: 'Background',
};
