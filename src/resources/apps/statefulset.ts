// StatefulSet (apps/v1): pkg/registry/apps/statefulset/strategy.go, pkg/apis/apps/v1/defaults.go
// (SetDefaults_StatefulSet + the generated walk into the pod template and the claim templates)
// and pkg/apis/apps/validation/validation.go (ValidateStatefulSet*, 1.33 wording).
import { goStringMap, goLabelSelector, invalidRendered } from '../goformat.js';
import { semantic } from '../../util/equal.js';
import type { Cause, KObject, ResourceDef } from '../types.js';
import { deepEqual, forbidden, invalid, isDNS1123Label, notSupported, required, validateAnnotations, validateLabels } from '../../registry/validation.js';
import { defaultPodTemplateSpec } from '../podspec.js';
import { defaultPersistentVolumeClaimSpec } from '../core/persistentvolumeclaim.js';
import { canonicalizeResourceList } from '../quantity.js';
import { REPLICAS_SCALE } from '../scale.js';
import { labelSelectorMatches, selectorString, validateLabelSelector } from '../labelselector.js';
import { statefulSetPrinter } from '../../printers/apps.js';
import { POD_VALUE_FIELDS, PVC_SPEC_VALUE_FIELDS } from '../podspec.js';

const NONNEGATIVE = 'must be greater than or equal to 0';
const RETENTION_POLICIES = ['Retain', 'Delete'];

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function nonNegative(value: unknown, field: string): Cause[] {
  return typeof value === 'number' && value < 0 ? [invalid(field, value, NONNEGATIVE)] : [];
}

/** Defaults of a StatefulSet, as a 1.33 apiserver serves it (apps/v1 defaults.go + zz_generated walk). */
export function defaultStatefulSet(obj: KObject): void {
  if (!isMap(obj.spec)) obj.spec = {};
  const spec = obj.spec;
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  if (!isMap(spec.updateStrategy)) spec.updateStrategy = {};
  const us = spec.updateStrategy;
  if (!us.type) {
    us.type = 'RollingUpdate';
    if (!isMap(us.rollingUpdate)) us.rollingUpdate = {};
  }
  if (us.type === 'RollingUpdate' && isMap(us.rollingUpdate) && (us.rollingUpdate.partition === undefined || us.rollingUpdate.partition === null))
    us.rollingUpdate.partition = 0;
  // StatefulSetAutoDeletePVC is GA (1.32): the retention policy is always defaulted
  if (!isMap(spec.persistentVolumeClaimRetentionPolicy)) spec.persistentVolumeClaimRetentionPolicy = {};
  const rp = spec.persistentVolumeClaimRetentionPolicy;
  if (!rp.whenDeleted) rp.whenDeleted = 'Retain';
  if (!rp.whenScaled) rp.whenScaled = 'Retain';
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;

  if (!isMap(spec.template)) spec.template = {};
  if (!isMap(spec.template.metadata)) spec.template.metadata = {};
  // a zero metav1.Time is serialized as null by a 1.33 apiserver
  if (spec.template.metadata.creationTimestamp === undefined) spec.template.metadata.creationTimestamp = null;
  if (!isMap(spec.template.spec)) spec.template.spec = {};
  defaultPodTemplateSpec(spec.template);

  if (Array.isArray(spec.volumeClaimTemplates)) {
    for (const t of spec.volumeClaimTemplates) {
      if (!isMap(t)) continue;
      // apps/v1 conversion sets apiVersion/kind on the embedded claims (pkg/apis/apps/v1/conversion.go, issue 87583)
      t.apiVersion = 'v1';
      t.kind = 'PersistentVolumeClaim';
      if (!isMap(t.metadata)) t.metadata = {};
      if (t.metadata.creationTimestamp === undefined) t.metadata.creationTimestamp = null;
      if (!isMap(t.spec)) t.spec = {};
      defaultPersistentVolumeClaimSpec(t.spec);
      if (!isMap(t.status)) t.status = {};
      if (!t.status.phase) t.status.phase = 'Pending';
      canonicalizeResourceList(t.status.capacity);
      canonicalizeResourceList(t.status.allocatedResources);
    }
  }
  // replicas and availableReplicas are not omitempty in apps/v1 StatefulSetStatus
  if (!isMap(obj.status)) obj.status = {};
  if (obj.status.replicas === undefined) obj.status.replicas = 0;
  if (obj.status.availableReplicas === undefined) obj.status.availableReplicas = 0;
}

/** dropStatefulSetDisabledFields: MaxUnavailableStatefulSet is alpha (off) in 1.33. */
function dropDisabledFields(newObj: KObject, oldObj?: KObject): void {
  const inUse = oldObj?.spec?.updateStrategy?.rollingUpdate?.maxUnavailable !== undefined && oldObj?.spec?.updateStrategy?.rollingUpdate?.maxUnavailable !== null;
  const ru = newObj.spec?.updateStrategy?.rollingUpdate;
  if (!inUse && isMap(ru)) delete ru.maxUnavailable;
}

/** ValidateStatefulSetSpec (apps validation.go, 1.33). */
export function validateStatefulSetSpec(spec: KObject | undefined): Cause[] {
  const causes: Cause[] = [];
  const s: KObject = isMap(spec) ? spec : {};
  const pmp = s.podManagementPolicy ?? '';
  if (pmp === '') causes.push(required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') causes.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));

  const us: KObject = isMap(s.updateStrategy) ? s.updateStrategy : {};
  const ru = us.rollingUpdate;
  switch (us.type ?? '') {
    case '':
      causes.push(required('spec.updateStrategy'));
      break;
    case 'OnDelete':
      if (ru !== undefined && ru !== null)
        causes.push(
          invalidRendered(
            'spec.updateStrategy.rollingUpdate',
            `apps.RollingUpdateStatefulSetStrategy{Partition:${isMap(ru) && typeof ru.partition === 'number' ? ru.partition : 0}, MaxUnavailable:(*intstr.IntOrString)(nil)}`,
            "only allowed for updateStrategy 'RollingUpdate'",
          ),
        );
      break;
    case 'RollingUpdate':
      if (isMap(ru)) causes.push(...nonNegative(ru.partition, 'spec.updateStrategy.rollingUpdate.partition'));
      break;
    default:
      causes.push(
        invalidRendered(
          'spec.updateStrategy',
          `apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(String(us.type))}, RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}`,
          "must be 'RollingUpdate' or 'OnDelete'",
        ),
      );
  }

  const rp = s.persistentVolumeClaimRetentionPolicy;
  if (isMap(rp)) {
    for (const k of ['whenDeleted', 'whenScaled'])
      if (!RETENTION_POLICIES.includes(rp[k])) causes.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, rp[k] ?? '', RETENTION_POLICIES));
  }
  causes.push(...nonNegative(s.replicas, 'spec.replicas'));
  causes.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  if (isMap(s.ordinals)) causes.push(...nonNegative(s.ordinals.start, 'spec.ordinals.start'));
  // 1.33: revisionHistoryLimit must not be negative (kubernetes PR 129017)
  causes.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  // 1.33: serviceName, when set, must be a DNS-1123 label (it becomes the pods' subdomain; PR 130233)
  if (typeof s.serviceName === 'string' && s.serviceName.length > 0)
    for (const m of isDNS1123Label(s.serviceName)) causes.push(invalid('spec.serviceName', s.serviceName, m));

  const sel = s.selector;
  if (sel === undefined || sel === null) causes.push(required('spec.selector'));
  else {
    causes.push(...validateLabelSelector(sel, 'spec.selector'));
    const n = (isMap(sel.matchLabels) ? Object.keys(sel.matchLabels).length : 0) + (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0);
    if (isMap(sel) && n === 0) causes.push(invalidRendered('spec.selector', goLabelSelector(sel), 'empty selector is invalid for statefulset'));
  }

  const tpl: KObject = isMap(s.template) ? s.template : {};
  const tplMeta: KObject = isMap(tpl.metadata) ? tpl.metadata : {};
  const selStr = sel === undefined || sel === null ? '' : selectorString(sel);
  if (selStr === undefined) {
    causes.push(invalidRendered('spec.selector', goLabelSelector(sel), ''));
  } else {
    // a nil selector is labels.Nothing(): not Empty, matches nothing; {} is Everything
    const everything = isMap(sel) && selStr === '';
    if (!everything && !labelSelectorMatches(sel ?? null, isMap(tplMeta.labels) ? tplMeta.labels : {}))
      causes.push(invalidRendered('spec.template.metadata.labels', goStringMap(tplMeta.labels), '`selector` does not match template `labels`'));
    causes.push(...validateLabels(tplMeta.labels, 'spec.template.labels'));
    causes.push(...validateAnnotations(tplMeta.annotations, 'spec.template.annotations'));
  }

  const podSpec: KObject = isMap(tpl.spec) ? tpl.spec : {};
  if ((podSpec.restartPolicy ?? '') !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy ?? '', ['Always']));
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null)
    causes.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  return causes;
}

const MUTABLE_SPEC_FIELDS = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy'];

/** ValidateStatefulSetUpdate: only some spec fields may change. */
export function validateStatefulSetUpdate(newObj: KObject, oldObj: KObject): Cause[] {
  const a: KObject = { ...(isMap(newObj.spec) ? newObj.spec : {}) };
  const b: KObject = { ...(isMap(oldObj.spec) ? oldObj.spec : {}) };
  for (const k of MUTABLE_SPEC_FIELDS) {
    delete a[k];
    delete b[k];
  }
  if (deepEqual(semantic(a), semantic(b))) return [];
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

/** ValidateStatefulSetStatusUpdate (status counts, collisionCount may not decrease). */
export function validateStatefulSetStatusUpdate(newObj: KObject, oldObj: KObject): Cause[] {
  const causes: Cause[] = [];
  const st: KObject = isMap(newObj.status) ? newObj.status : {};
  const n = (k: string) => (typeof st[k] === 'number' ? st[k] : 0);
  for (const k of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) causes.push(...nonNegative(st[k], `status.${k}`));
  causes.push(...nonNegative(st.observedGeneration, 'status.observedGeneration'));
  causes.push(...nonNegative(st.collisionCount, 'status.collisionCount'));
  const msg = 'cannot be greater than status.replicas';
  for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'])
    if (n(k) > n('replicas')) causes.push(invalid(`status.${k}`, n(k), msg));
  if (n('availableReplicas') > n('readyReplicas')) causes.push(invalid('status.availableReplicas', n('availableReplicas'), 'cannot be greater than status.readyReplicas'));
  const oldCC = oldObj.status?.collisionCount;
  const newCC = st.collisionCount;
  if (typeof oldCC === 'number' && (typeof newCC !== 'number' || newCC < oldCC))
    causes.push(invalid('status.collisionCount', typeof newCC === 'number' ? newCC : 0, 'cannot be decremented'));
  return causes;
}

export const statefulSetDef: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  listKind: 'StatefulSetList',
  plural: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [
    { name: 'status', kind: 'StatefulSet', verbs: ['get', 'patch', 'update'] },
    { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
  ],
  definition: 'io.k8s.api.apps.v1.StatefulSet',
  valueFields: { 'io.k8s.api.apps.v1.StatefulSetSpec': { structs: ['template', 'updateStrategy'], nulls: ['selector'] }, ...POD_VALUE_FIELDS, ...PVC_SPEC_VALUE_FIELDS },
  table: statefulSetPrinter,
  scale: REPLICAS_SCALE,

  // ValidateStatefulSetName: a DNS-1123 label since 1.27
  validateName: isDNS1123Label,
  defaults: defaultStatefulSet,
  prepareForCreate(obj) {
    obj.status = { replicas: 0, availableReplicas: 0 };
    dropDisabledFields(obj);
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = structuredClone(oldObj.status ?? { replicas: 0, availableReplicas: 0 });
    dropDisabledFields(newObj, oldObj);
  },
  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = structuredClone(oldObj.spec ?? {});
  },
  validate(obj) {
    return validateStatefulSetSpec(obj.spec);
  },
  validateUpdate(newObj, oldObj) {
    return validateStatefulSetUpdate(newObj, oldObj);
  },
  validateStatusUpdate: validateStatefulSetStatusUpdate,
  generation: true,
  defaultDeletePolicy: 'Background',
};
