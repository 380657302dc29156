// DaemonSet (apps/v1): pkg/apis/apps/v1/defaults.go (SetDefaults_DaemonSet + the generated walk into
// the pod template), pkg/apis/apps/v1/conversion.go (spec.templateGeneration lives in the
// `deprecated.daemonset.template.generation` annotation of the v1 object, and a rollingUpdate's nil
// maxUnavailable/maxSurge come back as 0 from the internal value type), pkg/registry/apps/daemonset/strategy.go
// (status reset, generation and templateGeneration, immutable selector), pkg/apis/apps/validation/validation.go
// (ValidateDaemonSet*, ValidateRollingUpdateDaemonSet) and pkg/printers/internalversion/printers.go (printDaemonSet).
import { goStringMap, goLabelSelector, invalidRendered } from '../goformat.js';
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { forbidden, invalid, notSupported, required } from '../../registry/validation.js';
import { jsonEqual, semantic } from '../../util/equal.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec, POD_VALUE_FIELDS } from '../podspec.js';
import { labelSelectorMatches, selectorString, validateLabelSelector } from '../labelselector.js';
import { goIntOrString } from '../policy/poddisruptionbudget.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, formatLabels, layoutContainerCells } from '../../printers/format.js';
import { formatLabelSelector } from '../../printers/networking.js';

/** appsv1.DeprecatedTemplateGeneration: the internal spec.templateGeneration in the v1 object. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

const NONNEGATIVE = 'must be greater than or equal to 0';
const PERCENT = /^[0-9]+%$/;
const PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
const isSet = (v: unknown) => v !== undefined && v !== null;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** SetDefaults_DaemonSet plus the pod template walk, as a 1.33 apiserver serves a DaemonSet. */
export function defaultDaemonSet(obj: KObject): void {
  if (!isMap(obj.spec)) obj.spec = {};
  const spec = obj.spec;
  if (!isMap(spec.updateStrategy)) spec.updateStrategy = {};
  const us = spec.updateStrategy;
  if (!us.type) us.type = 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    if (!isMap(us.rollingUpdate)) us.rollingUpdate = {};
    if (!isSet(us.rollingUpdate.maxUnavailable)) us.rollingUpdate.maxUnavailable = 1;
    if (!isSet(us.rollingUpdate.maxSurge)) us.rollingUpdate.maxSurge = 0;
  } else if (isMap(us.rollingUpdate)) {
    // the internal RollingUpdateDaemonSet holds values: a nil pointer converts back as 0
    if (!isSet(us.rollingUpdate.maxUnavailable)) us.rollingUpdate.maxUnavailable = 0;
    if (!isSet(us.rollingUpdate.maxSurge)) us.rollingUpdate.maxSurge = 0;
  }
  if (!isSet(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  if (!isMap(spec.template)) spec.template = {};
  if (!isMap(spec.template.metadata)) spec.template.metadata = {};
  if (spec.template.metadata.creationTimestamp === undefined) spec.template.metadata.creationTimestamp = null;
  if (!isMap(spec.template.spec)) spec.template.spec = {};
  defaultPodTemplateSpec(spec.template);
  if (!isMap(obj.status)) obj.status = {};
  for (const k of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady']) if (obj.status[k] === undefined) obj.status[k] = 0;
}

/** The templateGeneration a v1 object carries (util.GetTemplateGeneration): undefined when absent or unparsable. */
export function templateGeneration(ds: KObject): number | undefined {
  const v = ds?.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (typeof v !== 'string' || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number(v);
}

function setTemplateGeneration(ds: KObject, gen: number): void {
  ds.metadata.annotations = { ...(isMap(ds.metadata.annotations) ? ds.metadata.annotations : {}), [TEMPLATE_GENERATION_ANNOTATION]: String(gen) };
}

/** intstr value of getIntOrPercentValue: the percent number, or the int (a non-percent string: Atoi, 0 on error). */
function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (PERCENT.test(v)) return Number(v.slice(0, -1));
    return /^[+-]?\d+$/.test(v) ? Number(v) : 0;
  }
  return 0;
}

function validatePositiveIntOrPercent(v: unknown, field: string): Cause[] {
  if (typeof v === 'string') return PERCENT.test(v) ? [] : [invalidRendered(field, goIntOrString(v), PERCENT_MSG)];
  if (typeof v === 'number') return v < 0 ? [invalid(field, v, NONNEGATIVE)] : [];
  return [invalidRendered(field, goIntOrString(v ?? 0), "must be an integer or percentage (e.g '5%')")];
}

function notMoreThan100Percent(v: unknown, field: string): Cause[] {
  return typeof v === 'string' && PERCENT.test(v) && Number(v.slice(0, -1)) > 100 ? [invalidRendered(field, goIntOrString(v), 'must not be greater than 100%')] : [];
}

/** ValidateRollingUpdateDaemonSet. */
export function validateRollingUpdateDaemonSet(ru: KObject, path: string): Cause[] {
  const mu = isSet(ru.maxUnavailable) ? ru.maxUnavailable : 0;
  const ms = isSet(ru.maxSurge) ? ru.maxSurge : 0;
  const causes: Cause[] = [
    ...validatePositiveIntOrPercent(mu, `${path}.maxUnavailable`),
    ...validatePositiveIntOrPercent(ms, `${path}.maxSurge`),
    ...notMoreThan100Percent(mu, `${path}.maxUnavailable`),
    ...notMoreThan100Percent(ms, `${path}.maxSurge`),
  ];
  const hasUnavailable = intOrPercentValue(mu) !== 0;
  const hasSurge = intOrPercentValue(ms) !== 0;
  if (hasUnavailable && hasSurge) causes.push(invalidRendered(`${path}.maxSurge`, goIntOrString(ms), 'may not be set when maxUnavailable is non-zero'));
  else if (!hasUnavailable && !hasSurge) causes.push(required(`${path}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  return causes;
}

/** ValidateDaemonSetUpdateStrategy. */
function validateUpdateStrategy(us: KObject): Cause[] {
  switch (us.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate':
      if (!isMap(us.rollingUpdate)) return [required('spec.updateStrategy.rollingUpdate')];
      return validateRollingUpdateDaemonSet(us.rollingUpdate, 'spec.updateStrategy.rollingUpdate');
    default: {
      const ru = isMap(us.rollingUpdate) ? '(*apps.RollingUpdateDaemonSet)(0xc000b2c010)' : '(*apps.RollingUpdateDaemonSet)(nil)';
      return [
        {
          reason: 'FieldValueNotSupported',
          field: 'spec.updateStrategy',
          message: `Unsupported value: apps.DaemonSetUpdateStrategy{Type:${JSON.stringify(String(us.type ?? ''))}, RollingUpdate:${ru}}: supported values: "RollingUpdate", "OnDelete"`,
        },
      ];
    }
  }
}

/** ValidateDaemonSetSpec (1.33). */
export function validateDaemonSetSpec(spec: KObject | undefined): Cause[] {
  const s: KObject = isMap(spec) ? spec : {};
  const causes: Cause[] = [];
  const sel = s.selector;
  causes.push(...validateLabelSelector(sel, 'spec.selector'));
  const tpl: KObject = isMap(s.template) ? s.template : {};
  const labels = isMap(tpl.metadata) && isMap(tpl.metadata.labels) ? tpl.metadata.labels : undefined;
  // LabelSelectorAsSelector: nil is Nothing (matches nothing), an unconvertible selector is skipped
  if (selectorString(sel ?? {}) !== undefined && !(isSet(sel) && labelSelectorMatches(sel, labels ?? {})))
    causes.push(invalidRendered('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  if (isMap(sel)) {
    const n = (isMap(sel.matchLabels) ? Object.keys(sel.matchLabels).length : 0) + (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0);
    if (n === 0) causes.push(invalidRendered('spec.selector', goLabelSelector(sel), 'empty selector is invalid for daemonset'));
  }
  causes.push(...validatePodTemplateSpec(tpl, 'spec.template'));
  const podSpec: KObject = isMap(tpl.spec) ? tpl.spec : {};
  if ((podSpec.restartPolicy ?? '') !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy ?? '', ['Always']));
  if (isSet(podSpec.activeDeadlineSeconds)) causes.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in DaemonSet is not Supported'));
  if (num(s.minReadySeconds) < 0) causes.push(invalid('spec.minReadySeconds', s.minReadySeconds, NONNEGATIVE));
  causes.push(...validateUpdateStrategy(isMap(s.updateStrategy) ? s.updateStrategy : {}));
  if (num(s.revisionHistoryLimit) < 0) causes.push(invalid('spec.revisionHistoryLimit', s.revisionHistoryLimit, NONNEGATIVE));
  return causes;
}

/** ValidateDaemonSetStatusUpdate: non-negative counts, collisionCount never decremented. */
export function validateDaemonSetStatusUpdate(newObj: KObject, oldObj: KObject): Cause[] {
  const st: KObject = isMap(newObj.status) ? newObj.status : {};
  const causes: Cause[] = [];
  for (const k of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount'])
    if (num(st[k]) < 0) causes.push(invalid(`status.${k}`, st[k], NONNEGATIVE));
  const oldCC = oldObj.status?.collisionCount;
  if (typeof oldCC === 'number' && (typeof st.collisionCount !== 'number' || st.collisionCount < oldCC))
    causes.push(invalid('status.collisionCount', num(st.collisionCount), 'cannot be decremented'));
  return causes;
}

const STATUS_DESCRIPTIONS = {
  desired: 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
  current: 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
  ready: 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
  updated: 'The total number of nodes that are running updated daemon pod',
  available: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
};

export const daemonSetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Desired', STATUS_DESCRIPTIONS.desired, { type: 'integer' }),
    col('Current', STATUS_DESCRIPTIONS.current, { type: 'integer' }),
    col('Ready', STATUS_DESCRIPTIONS.ready, { type: 'integer' }),
    col('Up-to-date', STATUS_DESCRIPTIONS.updated, { type: 'integer' }),
    col('Available', STATUS_DESCRIPTIONS.available, { type: 'integer' }),
    col(
      'Node Selector',
      "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
    ),
    AGE_COLUMN,
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    col(
      'Selector',
      "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
      { priority: 1 },
    ),
  ],
  row(ds, now) {
    const st = isMap(ds.status) ? ds.status : {};
    const [names, images] = layoutContainerCells(ds.spec?.template?.spec?.containers);
    return [
      ds.metadata?.name ?? '',
      num(st.desiredNumberScheduled),
      num(st.currentNumberScheduled),
      num(st.numberReady),
      num(st.updatedNumberScheduled),
      num(st.numberAvailable),
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      age(ds, now),
      names,
      images,
      formatLabelSelector(ds.spec?.selector),
    ];
  },
};

const emptyStatus = () => ({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });

export const daemonSetDef: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  listKind: 'DaemonSetList',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'DaemonSet', verbs: ['get', 'patch', 'update'] }],
  definition: 'io.k8s.api.apps.v1.DaemonSet',
  valueFields: { 'io.k8s.api.apps.v1.DaemonSetSpec': { structs: ['template', 'updateStrategy'], nulls: ['selector'] }, ...POD_VALUE_FIELDS },
  table: daemonSetPrinter,

  defaults: defaultDaemonSet,
  prepareForCreate(obj) {
    obj.status = emptyStatus();
    // PrepareForCreate: templateGeneration is at least 1 (a client may start it higher)
    const gen = templateGeneration(obj);
    setTemplateGeneration(obj, gen !== undefined && gen >= 1 ? gen : 1);
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = structuredClone(oldObj.status ?? emptyStatus());
    // templateGeneration is the server's: +1 exactly when the (defaulted) template changes
    defaultDaemonSet(newObj);
    const oldGen = templateGeneration(oldObj) ?? 1;
    const changed = !jsonEqual(semantic(newObj.spec?.template), semantic(oldObj.spec?.template));
    setTemplateGeneration(newObj, changed ? oldGen + 1 : oldGen);
  },
  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = structuredClone(oldObj.spec ?? {});
  },
  validate(obj) {
    return validateDaemonSetSpec(obj.spec);
  },
  validateUpdate(newObj, oldObj) {
    // apps/v1: the selector is immutable (strategy.go ValidateUpdate)
    if (jsonEqual(semantic(newObj.spec?.selector), semantic(oldObj.spec?.selector))) return [];
    const sel = newObj.spec?.selector;
    return [invalidRendered('spec.selector', isMap(sel) ? goLabelSelector(sel) : 'null', 'field is immutable')];
  },
  validateStatusUpdate: validateDaemonSetStatusUpdate,
  generation: true,
  defaultDeletePolicy: 'Background',
};
