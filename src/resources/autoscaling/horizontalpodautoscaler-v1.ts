// autoscaling/v1 HorizontalPodAutoscaler: a view of the autoscaling/v2 storage, converted as
// pkg/apis/autoscaling/v1/conversion.go does: the CPU utilization metric maps to
// targetCPUUtilizationPercentage, every other metric, the current metrics, the conditions and the
// behavior travel in annotations (pkg/apis/autoscaling/annotations.go; behavior as the internal
// type's JSON, Go field names). pkg/apis/autoscaling/v1/defaults.go: minReplicas 1.
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import {
  DEFAULT_CPU_UTILIZATION,
  defaultCPUMetric,
  defaultHorizontalPodAutoscalerV2,
  horizontalPodAutoscalerDef,
  validateHorizontalPodAutoscalerSpec,
  validateHorizontalPodAutoscalerStatus,
} from './horizontalpodautoscaler.js';
import { horizontalPodAutoscalerPrinter } from '../../printers/autoscaling.js';

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [METRIC_SPECS_ANNOTATION, BEHAVIOR_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION];

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const set = (v: unknown): boolean => v !== undefined && v !== null;
/** A Go struct built in field order, omitting unset `omitempty` fields. */
function obj(entries: Array<[string, unknown, boolean?]>): KObject {
  const out: KObject = {};
  for (const [k, v, omitEmpty = true] of entries) if (!omitEmpty || set(v)) out[k] = v ?? (omitEmpty ? undefined : null);
  return out;
}
const ref = (r: KObject | undefined) => obj([['kind', r?.kind ?? '', false], ['name', r?.name ?? '', false], ['apiVersion', r?.apiVersion || undefined]]);
const zeroQ = (v: unknown) => (set(v) ? v : '0');

/** encoding/json's Marshal: HTML-safe (<, >, & and the JS line separators escaped). */
function goJSON(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** DropRoundTripHorizontalPodAutoscalerAnnotations */
function dropRoundTrip(meta: KObject): void {
  if (!isMap(meta.annotations)) return;
  if (!ROUND_TRIP.some((k) => k in meta.annotations)) return;
  const a = { ...meta.annotations };
  for (const k of ROUND_TRIP) delete a[k];
  if (Object.keys(a).length) meta.annotations = a;
  else delete meta.annotations;
}

// ---- v2 -> v1 ----

function metricSpecToV1(m: KObject): KObject {
  const out: KObject = { type: m.type ?? '' };
  const t = (s: KObject) => (isMap(s.target) ? s.target : {});
  if (isMap(m.object)) {
    const o = m.object;
    out.object = obj([['target', ref(o.describedObject), false], ['metricName', o.metric?.name ?? '', false], ['targetValue', zeroQ(t(o).value), false], ['selector', o.metric?.selector], ['averageValue', t(o).averageValue]]);
  }
  if (isMap(m.pods)) out.pods = obj([['metricName', m.pods.metric?.name ?? '', false], ['targetAverageValue', zeroQ(t(m.pods).averageValue), false], ['selector', m.pods.metric?.selector]]);
  if (isMap(m.resource)) out.resource = obj([['name', m.resource.name ?? '', false], ['targetAverageUtilization', t(m.resource).averageUtilization], ['targetAverageValue', t(m.resource).averageValue]]);
  if (isMap(m.containerResource)) {
    const c = m.containerResource;
    out.containerResource = obj([['name', c.name ?? '', false], ['targetAverageUtilization', t(c).averageUtilization], ['targetAverageValue', t(c).averageValue], ['container', c.container ?? '', false]]);
  }
  if (isMap(m.external)) {
    const e = m.external;
    out.external = obj([['metricName', e.metric?.name ?? '', false], ['metricSelector', e.metric?.selector], ['targetValue', t(e).value], ['targetAverageValue', t(e).averageValue]]);
  }
  return out;
}

function metricStatusToV1(m: KObject): KObject {
  const out: KObject = { type: m.type ?? '' };
  const c = (s: KObject) => (isMap(s.current) ? s.current : {});
  if (isMap(m.object)) {
    const o = m.object;
    out.object = obj([['target', ref(o.describedObject), false], ['metricName', o.metric?.name ?? '', false], ['currentValue', zeroQ(c(o).value), false], ['selector', o.metric?.selector], ['averageValue', c(o).averageValue]]);
  }
  if (isMap(m.pods)) out.pods = obj([['metricName', m.pods.metric?.name ?? '', false], ['currentAverageValue', zeroQ(c(m.pods).averageValue), false], ['selector', m.pods.metric?.selector]]);
  if (isMap(m.resource)) out.resource = obj([['name', m.resource.name ?? '', false], ['currentAverageUtilization', c(m.resource).averageUtilization], ['currentAverageValue', zeroQ(c(m.resource).averageValue), false]]);
  if (isMap(m.containerResource)) {
    const r = m.containerResource;
    out.containerResource = obj([['name', r.name ?? '', false], ['currentAverageUtilization', c(r).averageUtilization], ['currentAverageValue', zeroQ(c(r).averageValue), false], ['container', r.container ?? '', false]]);
  }
  if (isMap(m.external)) {
    const e = m.external;
    out.external = obj([['metricName', e.metric?.name ?? '', false], ['metricSelector', e.metric?.selector], ['currentValue', zeroQ(c(e).value), false], ['currentAverageValue', c(e).averageValue]]);
  }
  return out;
}

const conditionToV1 = (c: KObject) =>
  obj([['type', c.type ?? '', false], ['status', c.status ?? '', false], ['lastTransitionTime', c.lastTransitionTime ?? null, false], ['reason', c.reason || undefined], ['message', c.message || undefined]]);

/** The internal HPAScalingRules as encoding/json writes it (no json tags: Go field names, nil as null). */
function rulesGoJSON(r: unknown): KObject | null {
  if (!isMap(r)) return null;
  return {
    StabilizationWindowSeconds: set(r.stabilizationWindowSeconds) ? r.stabilizationWindowSeconds : null,
    SelectPolicy: set(r.selectPolicy) ? r.selectPolicy : null,
    Policies: Array.isArray(r.policies) ? r.policies.map((p: KObject) => ({ Type: p?.type ?? '', Value: p?.value ?? 0, PeriodSeconds: p?.periodSeconds ?? 0 })) : null,
    Tolerance: set(r.tolerance) ? r.tolerance : null,
  };
}

const isCPUUtilization = (m: KObject) => m?.type === 'Resource' && isMap(m.resource) && m.resource.name === 'cpu';

/** Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler (v2 stored -> v1 served). */
export function hpaV2ToV1(v2: KObject): KObject {
  const meta: KObject = { ...(v2.metadata ?? {}) };
  dropRoundTrip(meta);
  const spec: KObject = isMap(v2.spec) ? v2.spec : {};
  const status: KObject = isMap(v2.status) ? v2.status : {};
  const metrics = arr(spec.metrics);
  const other = metrics.filter((m) => !(isCPUUtilization(m) && set(m.resource.target?.averageUtilization))).map(metricSpecToV1);
  const current = arr(status.currentMetrics).map(metricStatusToV1);
  const conditions = arr(status.conditions).map(conditionToV1);
  const extra: Record<string, string> = {};
  if (other.length) extra[METRIC_SPECS_ANNOTATION] = goJSON(other);
  if (current.length) extra[METRIC_STATUSES_ANNOTATION] = goJSON(current);
  if (conditions.length) extra[CONDITIONS_ANNOTATION] = goJSON(conditions);
  if (isMap(spec.behavior)) extra[BEHAVIOR_ANNOTATION] = goJSON({ ScaleUp: rulesGoJSON(spec.behavior.scaleUp), ScaleDown: rulesGoJSON(spec.behavior.scaleDown) });
  if (Object.keys(extra).length) {
    // a Go map: written with sorted keys
    const all: Record<string, string> = { ...(meta.annotations ?? {}), ...extra };
    meta.annotations = Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]!]));
  }
  const cpu = metrics.find(isCPUUtilization);
  const outSpec = obj([
    ['scaleTargetRef', ref(spec.scaleTargetRef), false],
    ['minReplicas', spec.minReplicas],
    ['maxReplicas', spec.maxReplicas ?? 0, false],
    ['targetCPUUtilizationPercentage', cpu?.resource?.target?.averageUtilization],
  ]);
  const cpuNow = arr(status.currentMetrics).filter(isCPUUtilization).map((m) => m.resource.current?.averageUtilization).filter(set).pop();
  const outStatus = obj([
    ['observedGeneration', status.observedGeneration],
    ['lastScaleTime', status.lastScaleTime],
    ['currentReplicas', status.currentReplicas ?? 0, false],
    ['desiredReplicas', status.desiredReplicas ?? 0, false],
    ['currentCPUUtilizationPercentage', cpuNow],
  ]);
  return { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v1', metadata: meta, spec: outSpec, status: outStatus };
}

// ---- v1 -> v2 ----

function metricSpecFromV1(m: KObject): KObject {
  const out: KObject = { type: m?.type ?? '' };
  if (isMap(m?.object)) {
    const o = m.object;
    out.object = {
      describedObject: ref(o.target),
      target: obj([['type', set(o.averageValue) ? 'AverageValue' : 'Value', false], ['value', zeroQ(o.targetValue)], ['averageValue', o.averageValue]]),
      metric: obj([['name', o.metricName ?? '', false], ['selector', o.selector]]),
    };
  }
  if (isMap(m?.pods)) out.pods = { metric: obj([['name', m.pods.metricName ?? '', false], ['selector', m.pods.selector]]), target: { type: 'AverageValue', averageValue: zeroQ(m.pods.targetAverageValue) } };
  for (const k of ['resource', 'containerResource']) {
    const r = m?.[k];
    if (!isMap(r)) continue;
    const target = obj([['type', set(r.targetAverageUtilization) ? 'Utilization' : 'AverageValue', false], ['averageUtilization', r.targetAverageUtilization], ['averageValue', r.targetAverageValue]]);
    out[k] = k === 'resource' ? { name: r.name ?? '', target } : { name: r.name ?? '', target, container: r.container ?? '' };
  }
  if (isMap(m?.external)) {
    const e = m.external;
    out.external = {
      metric: obj([['name', e.metricName ?? '', false], ['selector', e.metricSelector]]),
      target: obj([['type', set(e.targetValue) ? 'Value' : 'AverageValue', false], ['value', e.targetValue], ['averageValue', e.targetAverageValue]]),
    };
  }
  return out;
}

function metricStatusFromV1(m: KObject): KObject {
  const out: KObject = { type: m?.type ?? '' };
  if (isMap(m?.object)) {
    const o = m.object;
    out.object = { metric: obj([['name', o.metricName ?? '', false], ['selector', o.selector]]), current: obj([['value', zeroQ(o.currentValue)], ['averageValue', o.averageValue]]), describedObject: ref(o.target) };
  }
  if (isMap(m?.pods)) out.pods = { metric: obj([['name', m.pods.metricName ?? '', false], ['selector', m.pods.selector]]), current: { averageValue: zeroQ(m.pods.currentAverageValue) } };
  for (const k of ['resource', 'containerResource']) {
    const r = m?.[k];
    if (!isMap(r)) continue;
    const current = obj([['averageValue', zeroQ(r.currentAverageValue)], ['averageUtilization', r.currentAverageUtilization]]);
    out[k] = k === 'resource' ? { name: r.name ?? '', current } : { name: r.name ?? '', current, container: r.container ?? '' };
  }
  if (isMap(m?.external)) {
    const e = m.external;
    out.external = { metric: obj([['name', e.metricName ?? '', false], ['selector', e.metricSelector]]), current: obj([['value', zeroQ(e.currentValue)], ['averageValue', e.currentAverageValue]]) };
  }
  return out;
}

/** encoding/json reads field names case-insensitively. */
function field(o: unknown, name: string): unknown {
  if (!isMap(o)) return undefined;
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

function rulesFromGoJSON(r: unknown): KObject | undefined {
  if (!isMap(r)) return undefined;
  const policies = field(r, 'Policies');
  return obj([
    ['stabilizationWindowSeconds', field(r, 'StabilizationWindowSeconds')],
    ['selectPolicy', field(r, 'SelectPolicy')],
    ['policies', Array.isArray(policies) ? policies.map((p) => ({ type: field(p, 'Type') ?? '', value: field(p, 'Value') ?? 0, periodSeconds: field(p, 'PeriodSeconds') ?? 0 })) : undefined],
  ]);
}

function parseAnnotation(meta: KObject, key: string): unknown {
  const raw = meta.annotations?.[key];
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler (v1 served -> v2 stored). */
export function hpaV1ToV2(v1: KObject): KObject {
  const meta: KObject = { ...(v1.metadata ?? {}) };
  const spec: KObject = isMap(v1.spec) ? v1.spec : {};
  const status: KObject = isMap(v1.status) ? v1.status : {};
  let metrics: KObject[] = set(spec.targetCPUUtilizationPercentage) ? [defaultCPUMetric(spec.targetCPUUtilizationPercentage)] : [];
  const other = parseAnnotation(meta, METRIC_SPECS_ANNOTATION);
  if (Array.isArray(other)) metrics = [...other.map(metricSpecFromV1), ...metrics];
  let currentMetrics: KObject[] | null = set(status.currentCPUUtilizationPercentage)
    ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }]
    : null;
  const cur = parseAnnotation(meta, METRIC_STATUSES_ANNOTATION);
  if (Array.isArray(cur)) currentMetrics = cur.map(metricStatusFromV1);
  if (metrics.length === 0) metrics = [defaultCPUMetric(DEFAULT_CPU_UTILIZATION)];
  const conds = parseAnnotation(meta, CONDITIONS_ANNOTATION);
  const behaviorRaw = parseAnnotation(meta, BEHAVIOR_ANNOTATION);
  const behavior = isMap(behaviorRaw) ? obj([['scaleUp', rulesFromGoJSON(field(behaviorRaw, 'ScaleUp'))], ['scaleDown', rulesFromGoJSON(field(behaviorRaw, 'ScaleDown'))]]) : undefined;
  dropRoundTrip(meta);
  const outSpec = obj([
    ['scaleTargetRef', ref(spec.scaleTargetRef), false],
    ['minReplicas', spec.minReplicas],
    ['maxReplicas', spec.maxReplicas ?? 0, false],
    ['metrics', metrics],
    // only a behavior with data in it (an empty one is no behavior)
    ['behavior', behavior && Object.keys(behavior).length ? behavior : undefined],
  ]);
  const outStatus = obj([
    ['observedGeneration', status.observedGeneration],
    ['lastScaleTime', status.lastScaleTime],
    ['currentReplicas', status.currentReplicas || undefined],
    ['desiredReplicas', status.desiredReplicas ?? 0, false],
    ['currentMetrics', currentMetrics, false],
    ['conditions', Array.isArray(conds) && conds.length ? conds.map(conditionToV1) : undefined],
  ]);
  return { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta, spec: outSpec, status: outStatus };
}

/** What a v1 write reads back: v1 defaults, then the trip through (defaulted) v2 storage. Mutates. */
function defaultV1(o: KObject): void {
  if (!isMap(o.spec)) o.spec = {};
  if (!set(o.spec.minReplicas)) o.spec.minReplicas = 1;
  const v2 = hpaV1ToV2(o);
  defaultHorizontalPodAutoscalerV2(v2);
  const back = hpaV2ToV1(v2);
  for (const k of Object.keys(o)) if (!(k in back)) delete o[k];
  Object.assign(o, back);
}

const asV2 = (o: KObject): KObject => hpaV1ToV2(o);

/** A v1 object as stored: converted, with the v2 defaults it would get when read back. */
function toStoredV2(o: KObject): KObject {
  const v2 = hpaV1ToV2(o);
  defaultHorizontalPodAutoscalerV2(v2);
  return v2;
}
const statusAnnotations = [METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION];

/** The v1 object's status-carrying annotations taken from `from` (status belongs to the status subresource). */
function copyStatusAnnotations(to: KObject, from: KObject | undefined): void {
  const a: Record<string, string> = { ...(to.metadata?.annotations ?? {}) };
  for (const k of statusAnnotations) {
    delete a[k];
    const v = from?.metadata?.annotations?.[k];
    if (typeof v === 'string') a[k] = v;
  }
  if (!to.metadata) to.metadata = {};
  if (Object.keys(a).length) to.metadata.annotations = a;
  else delete to.metadata.annotations;
}

/** The v2 printer over the converted object (upstream prints the internal object for every version). */
const overV2 = (p: TablePrinter): TablePrinter => ({ columns: p.columns, row: (o, now) => p.row(asV2(o), now) });
const v1Printer: TablePrinter = { ...overV2(horizontalPodAutoscalerPrinter), forMinor: (m) => overV2(horizontalPodAutoscalerPrinter.forMinor!(m)) };

const emptyV1Status = () => ({ currentReplicas: 0, desiredReplicas: 0 });

export const horizontalPodAutoscalerV1Def: ResourceDef = {
  ...horizontalPodAutoscalerDef,
  version: 'v1',
  definition: 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler',
  table: v1Printer,
  defaults: defaultV1,
  prepareForCreate(o) {
    o.status = emptyV1Status();
    copyStatusAnnotations(o, undefined);
  },
  prepareForUpdate(o, old) {
    o.status = structuredClone(old.status ?? emptyV1Status());
    copyStatusAnnotations(o, old);
  },
  prepareForStatusUpdate(o, old) {
    o.spec = structuredClone(old.spec ?? {});
  },
  // the internal object is what upstream validates: the v2 form here, with its field paths
  validate: (o): Cause[] => validateHorizontalPodAutoscalerSpec(asV2(o).spec),
  validateStatusUpdate: (o) => validateHorizontalPodAutoscalerStatus(asV2(o)),
  storage: { group: 'autoscaling', plural: 'horizontalpodautoscalers', fromStorage: hpaV2ToV1, toStorage: toStoredV2 },
};
