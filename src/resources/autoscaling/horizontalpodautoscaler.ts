// HorizontalPodAutoscaler (autoscaling/v2, the storage version): pkg/apis/autoscaling/v2/defaults.go
// (SetDefaults_HorizontalPodAutoscaler, SetDefaults_HorizontalPodAutoscalerBehavior),
// pkg/apis/autoscaling/validation/validation.go (1.33: HPAScaleToZero off, so minReplicas >= 1;
// HPAConfigurableTolerance off, so tolerance is dropped), pkg/registry/autoscaling/horizontalpodautoscaler/strategy.go
// (status reset on create, kept on update; no generation in 1.33).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { forbidden, invalid, isDNS1123Label, notSupported, required } from '../../registry/validation.js';
import { validateContainerResourceName } from '../resourcelist-validation.js';
import { canonicalQuantity, parseQuantity } from '../quantity.js';
import { isPathSegmentName } from '../networking/ingress.js';
import { horizontalPodAutoscalerPrinter } from '../../printers/autoscaling.js';

export const DEFAULT_CPU_UTILIZATION = 80;
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const set = (v: unknown): boolean => v !== undefined && v !== null;

/** The v2 default metric: CPU at 80% average utilization. */
export const defaultCPUMetric = (utilization = DEFAULT_CPU_UTILIZATION): KObject => ({
  type: 'Resource',
  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: utilization } },
});

const SCALE_UP_DEFAULTS = () => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});
const SCALE_DOWN_DEFAULTS = () => ({ selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });

/** copyHPAScalingRules onto the defaults (GenerateHPAScaleUpRules / GenerateHPAScaleDownRules). */
function scalingRules(from: unknown, defaults: KObject): KObject {
  if (!isMap(from)) return defaults;
  const out: KObject = { ...defaults };
  if (set(from.stabilizationWindowSeconds)) out.stabilizationWindowSeconds = from.stabilizationWindowSeconds;
  if (set(from.selectPolicy)) out.selectPolicy = from.selectPolicy;
  if (set(from.policies)) out.policies = from.policies;
  // field order as the Go struct: stabilizationWindowSeconds, selectPolicy, policies
  const ordered: KObject = {};
  for (const k of ['stabilizationWindowSeconds', 'selectPolicy', 'policies']) if (k in out) ordered[k] = out[k];
  for (const k of Object.keys(from)) if (!(k in ordered) && k !== 'tolerance') ordered[k] = from[k];
  return ordered;
}

function canonicalize(target: unknown, keys: string[]): void {
  if (!isMap(target)) return;
  for (const k of keys) {
    const v = target[k];
    if (typeof v === 'string' || typeof v === 'number') {
      const c = canonicalQuantity(v);
      if (c !== undefined) target[k] = c;
    }
  }
}

const SOURCES = ['object', 'pods', 'resource', 'containerResource', 'external'];

/** Quantities are served in canonical form (resource.Quantity round trip). */
function canonicalizeMetrics(obj: KObject): void {
  for (const m of arr(obj.spec?.metrics)) for (const s of SOURCES) if (isMap(m?.[s])) canonicalize(m[s].target, ['value', 'averageValue']);
  for (const m of arr(obj.status?.currentMetrics)) for (const s of SOURCES) if (isMap(m?.[s])) canonicalize(m[s].current, ['value', 'averageValue']);
}

/** The status an autoscaler has before the controller sees it: desiredReplicas and currentMetrics carry no omitempty. */
export function normalizeV2Status(obj: KObject): void {
  if (!isMap(obj.status)) obj.status = {};
  const st = obj.status;
  if (typeof st.desiredReplicas !== 'number') st.desiredReplicas = 0;
  if (st.currentMetrics === undefined) st.currentMetrics = null;
}

/** SetDefaults_HorizontalPodAutoscaler (autoscaling/v2). */
export function defaultHorizontalPodAutoscalerV2(obj: KObject): void {
  if (!isMap(obj.spec)) obj.spec = {};
  const spec = obj.spec;
  if (!isMap(spec.scaleTargetRef)) spec.scaleTargetRef = {};
  if (!set(spec.minReplicas)) spec.minReplicas = 1;
  if (arr(spec.metrics).length === 0) spec.metrics = [defaultCPUMetric()];
  if (isMap(spec.behavior)) {
    spec.behavior.scaleUp = scalingRules(spec.behavior.scaleUp, SCALE_UP_DEFAULTS());
    spec.behavior.scaleDown = scalingRules(spec.behavior.scaleDown, SCALE_DOWN_DEFAULTS());
  }
  canonicalizeMetrics(obj);
  normalizeV2Status(obj);
}

const quantitySign = (v: unknown): number => {
  const q = typeof v === 'string' || typeof v === 'number' ? parseQuantity(v) : undefined;
  return q ? Math.sign(q.value) : 0;
};

function validateCrossVersionObjectReference(ref: KObject, path: string): Cause[] {
  const causes: Cause[] = [];
  for (const k of ['kind', 'name']) {
    const v = str(ref[k]);
    if (v === '') causes.push(required(`${path}.${k}`));
    else for (const m of isPathSegmentName(v)) causes.push(invalid(`${path}.${k}`, v, m));
  }
  return causes;
}

function validateMetricIdentifier(id: KObject, path: string): Cause[] {
  const name = str(id.name);
  if (name === '') return [required(`${path}.name`, 'must specify a metric name')];
  return isPathSegmentName(name).map((m) => invalid(`${path}.name`, name, m));
}

const DEC_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * Go's %#v of a resource.Quantity as ParseQuantity leaves it (field.Invalid of a *Quantity: the
 * value is no Stringer), for decimal quantities; other forms fall back to the quoted text.
 */
export function goQuantity(v: unknown): string {
  const text = String(v);
  const m = /^([+-]?)(\d+)(?:\.(\d+))?([numkMGTPE]?)$/.exec(text);
  if (!m) return JSON.stringify(text);
  const [, sign, num, denom = '', suffix] = m;
  const scale = DEC_SUFFIX[suffix!]! - denom.length;
  const shifted = num! + denom;
  const value = BigInt(shifted) * (sign === '-' ? -1n : 1n);
  const canonical = scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
  return `resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:${JSON.stringify(canonical ? text : '')}, Format:"DecimalSI"}`;
}

const invalidQuantity = (field: string, v: unknown, detail: string): Cause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${goQuantity(v)}: ${detail}` });

function validateMetricTarget(t: KObject, path: string): Cause[] {
  const causes: Cause[] = [];
  const type = str(t.type);
  if (type === '') causes.push(required(`${path}.type`, 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(type)) causes.push(invalid(`${path}.type`, type, 'must be either Utilization, Value, or AverageValue'));
  if (set(t.value) && quantitySign(t.value) !== 1) causes.push(invalidQuantity(`${path}.value`, t.value, 'must be positive'));
  if (set(t.averageValue) && quantitySign(t.averageValue) !== 1) causes.push(invalidQuantity(`${path}.averageValue`, t.averageValue, 'must be positive'));
  if (typeof t.averageUtilization === 'number' && t.averageUtilization < 1) causes.push(invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  return causes;
}

function validateSource(kind: string, src: KObject, path: string): Cause[] {
  const causes: Cause[] = [];
  const target: KObject = isMap(src.target) ? src.target : {};
  switch (kind) {
    case 'object':
      causes.push(...validateCrossVersionObjectReference(isMap(src.describedObject) ? src.describedObject : {}, `${path}.describedObject`));
      causes.push(...validateMetricIdentifier(isMap(src.metric) ? src.metric : {}, `${path}.metric`));
      causes.push(...validateMetricTarget(target, `${path}.target`));
      if (!set(target.value) && !set(target.averageValue)) causes.push(required(`${path}.target.averageValue`, 'must set either a target value or averageValue'));
      break;
    case 'external':
      causes.push(...validateMetricIdentifier(isMap(src.metric) ? src.metric : {}, `${path}.metric`));
      causes.push(...validateMetricTarget(target, `${path}.target`));
      if (!set(target.value) && !set(target.averageValue)) causes.push(required(`${path}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
      if (set(target.value) && set(target.averageValue)) causes.push(forbidden(`${path}.target.value`, 'may not set both a target value for metric and a per-pod target'));
      break;
    case 'pods':
      causes.push(...validateMetricIdentifier(isMap(src.metric) ? src.metric : {}, `${path}.metric`));
      causes.push(...validateMetricTarget(target, `${path}.target`));
      if (!set(target.averageValue)) causes.push(required(`${path}.target.averageValue`, 'must specify a positive target averageValue'));
      break;
    case 'resource':
    case 'containerResource': {
      const name = str(src.name);
      if (name === '') causes.push(required(`${path}.name`, 'must specify a resource name'));
      else if (kind === 'containerResource') causes.push(...validateContainerResourceName(name, `${path}.name`));
      if (kind === 'containerResource') {
        const c = str(src.container);
        if (c === '') causes.push(required(`${path}.container`, 'must specify a container'));
        else for (const m of isDNS1123Label(c)) causes.push(invalid(`${path}.container`, c, m));
      }
      causes.push(...validateMetricTarget(target, `${path}.target`));
      if (!set(target.averageUtilization) && !set(target.averageValue)) causes.push(required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
      if (set(target.averageUtilization) && set(target.averageValue)) causes.push(forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
      break;
    }
  }
  return causes;
}

const SOURCE_OF: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };

function validateMetricSpec(m: KObject, path: string): Cause[] {
  const causes: Cause[] = [];
  const type = str(m.type);
  if (type === '') causes.push(required(`${path}.type`, 'must specify a metric source type'));
  if (!METRIC_SOURCE_TYPES.includes(type)) causes.push(notSupported(`${path}.type`, type, METRIC_SOURCE_TYPES));
  // validation walks the sources in this order and validates only the first present one
  const present: string[] = [];
  for (const s of ['object', 'external', 'pods', 'resource', 'containerResource']) {
    if (!isMap(m[s])) continue;
    present.push(s);
    if (present.length === 1) causes.push(...validateSource(s, m[s], `${path}.${s}`));
  }
  const expected = SOURCE_OF[type];
  if (expected) {
    if (!isMap(m[expected])) causes.push(required(`${path}.${expected}`, 'must populate information for the given metric source'));
  } else causes.push(notSupported(`${path}.type`, type, METRIC_SOURCE_TYPES));
  if (present.length !== 1) for (const s of present) if (s !== expected) causes.push(forbidden(`${path}.${s}`, 'must populate the given metric source only'));
  return causes;
}

function validateScalingRules(rules: unknown, path: string): Cause[] {
  if (!isMap(rules)) return [];
  const causes: Cause[] = [];
  const w = rules.stabilizationWindowSeconds;
  if (typeof w === 'number' && w < 0) causes.push(invalid(`${path}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (typeof w === 'number' && w > MAX_STABILIZATION_WINDOW_SECONDS)
    causes.push(invalid(`${path}.stabilizationWindowSeconds`, w, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  if (set(rules.selectPolicy) && !SELECT_POLICIES.includes(rules.selectPolicy)) causes.push(notSupported(`${path}.selectPolicy`, rules.selectPolicy, SELECT_POLICIES));
  const policies = arr(rules.policies);
  if (policies.length === 0) causes.push(required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const pp = `${path}.policies[${i}]`;
    const policy: KObject = isMap(p) ? p : {};
    if (!POLICY_TYPES.includes(policy.type)) causes.push(notSupported(`${pp}.type`, str(policy.type), POLICY_TYPES));
    const value = typeof policy.value === 'number' ? policy.value : 0;
    const period = typeof policy.periodSeconds === 'number' ? policy.periodSeconds : 0;
    if (value <= 0) causes.push(invalid(`${pp}.value`, value, 'must be greater than zero'));
    if (period <= 0) causes.push(invalid(`${pp}.periodSeconds`, period, 'must be greater than zero'));
    if (period > MAX_PERIOD_SECONDS) causes.push(invalid(`${pp}.periodSeconds`, period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return causes;
}

/** validateHorizontalPodAutoscalerSpec (minReplicasLowerBound 1, or 0 when the old object already had 0). */
export function validateHorizontalPodAutoscalerSpec(spec: KObject, minReplicasLowerBound = 1): Cause[] {
  const causes: Cause[] = [];
  const min = spec.minReplicas;
  const max = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0;
  if (typeof min === 'number' && min < minReplicasLowerBound) causes.push(invalid('spec.minReplicas', min, `must be greater than or equal to ${minReplicasLowerBound}`));
  if (max < 1) causes.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (typeof min === 'number' && max < min) causes.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  causes.push(...validateCrossVersionObjectReference(isMap(spec.scaleTargetRef) ? spec.scaleTargetRef : {}, 'spec.scaleTargetRef'));
  const metrics = arr(spec.metrics);
  metrics.forEach((m, i) => causes.push(...validateMetricSpec(isMap(m) ? m : {}, `spec.metrics[${i}]`)));
  if (min === 0 && !metrics.some((m) => m?.type === 'Object' || m?.type === 'External'))
    causes.push(forbidden('spec.metrics', 'must specify at least one Object or External metric to support scaling to zero replicas'));
  if (isMap(spec.behavior)) {
    causes.push(...validateScalingRules(spec.behavior.scaleUp, 'spec.behavior.scaleUp'));
    causes.push(...validateScalingRules(spec.behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return causes;
}

/** ValidateHorizontalPodAutoscalerStatusUpdate */
export function validateHorizontalPodAutoscalerStatus(obj: KObject): Cause[] {
  const st: KObject = isMap(obj.status) ? obj.status : {};
  const causes: Cause[] = [];
  for (const k of ['currentReplicas', 'desiredReplicas'])
    if (typeof st[k] === 'number' && st[k] < 0) causes.push(invalid(`status.${k}`, st[k], 'must be greater than or equal to 0'));
  return causes;
}

/** dropDisabledFields: behavior tolerance (HPAConfigurableTolerance, alpha and off in 1.33) unless the old object used it. */
function dropTolerance(obj: KObject, old?: KObject): void {
  const b = old?.spec?.behavior;
  if (isMap(b) && (isMap(b.scaleUp) && set(b.scaleUp.tolerance) || isMap(b.scaleDown) && set(b.scaleDown.tolerance))) return;
  const nb = obj.spec?.behavior;
  if (!isMap(nb)) return;
  for (const r of [nb.scaleUp, nb.scaleDown]) if (isMap(r)) delete r.tolerance;
}

const emptyStatus = () => ({ desiredReplicas: 0, currentMetrics: null });

export const horizontalPodAutoscalerDef: ResourceDef = {
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  listKind: 'HorizontalPodAutoscalerList',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'HorizontalPodAutoscaler', verbs: ['get', 'patch', 'update'] }],
  definition: 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  table: horizontalPodAutoscalerPrinter,

  defaults: defaultHorizontalPodAutoscalerV2,
  prepareForCreate(obj) {
    obj.status = emptyStatus();
    dropTolerance(obj);
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = structuredClone(oldObj.status ?? emptyStatus());
    dropTolerance(newObj, oldObj);
  },
  validate: (obj) => validateHorizontalPodAutoscalerSpec(isMap(obj.spec) ? obj.spec : {}),
  validateStatusUpdate: validateHorizontalPodAutoscalerStatus,
};
