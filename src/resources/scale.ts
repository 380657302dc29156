// autoscaling/v1 Scale for statefulsets/scale (pkg/registry/apps/statefulset/storage/storage.go
// scaleFromStatefulSet / scaleUpdatedObjectInfo, pkg/apis/autoscaling/validation ValidateScale),
// plus the metav1.LabelSelector helpers the apps and storage kinds share
// (apimachinery/pkg/apis/meta/v1/validation ValidateLabelSelector).
import type { Cause, KObject } from './types.js';
import { forbidden, invalid, isQualifiedName, isValidLabelValue, required, validateLabels } from '../registry/validation.js';
import { badRequest, type StatusError } from '../registry/errors.js';
import { checkName, typeMetaError } from '../registry/typemeta.js';
import { checkFields, decodeErrorMessage } from '../schema/index.js';
import { labelSelectorFromObject, labelSelectorToString, matches, SelectorParseError } from '../registry/selectors.js';

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** ValidateLabelSelector (strict: label values in expressions must be valid). */
export function validateLabelSelector(sel: unknown, path: string): Cause[] {
  const causes: Cause[] = [];
  if (sel === undefined || sel === null) return causes;
  if (!isMap(sel)) return [invalid(path, sel, 'must be a label selector object')];
  causes.push(...validateLabels(sel.matchLabels, `${path}.matchLabels`));
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  exprs.forEach((e: any, i: number) => {
    const p = `${path}.matchExpressions[${i}]`;
    const expr: KObject = isMap(e) ? e : {};
    const values: unknown[] = Array.isArray(expr.values) ? expr.values : [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) causes.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) causes.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        causes.push(invalid(`${p}.operator`, expr.operator ?? '', 'not a valid selector operator'));
    }
    const key = typeof expr.key === 'string' ? expr.key : '';
    for (const m of isQualifiedName(key)) causes.push(invalid(`${p}.key`, key, m));
    values.forEach((v, j) => {
      const s = typeof v === 'string' ? v : String(v);
      for (const m of isValidLabelValue(s)) causes.push(invalid(`${p}.values[${j}]`, s, m));
    });
  });
  return causes;
}

/** Whether labels satisfy a metav1.LabelSelector (nil matches nothing, {} everything); false when unparsable. */
export function labelSelectorMatches(sel: unknown, labels: Record<string, string> | undefined): boolean {
  try {
    return matches(labelSelectorFromObject(sel as any), labels ?? {});
  } catch (e) {
    if (e instanceof SelectorParseError) return false;
    throw e;
  }
}

/** The selector string of a metav1.LabelSelector (Selector.String()); undefined when it does not convert. */
export function selectorString(sel: unknown): string | undefined {
  try {
    return labelSelectorToString(sel as any);
  } catch (e) {
    if (e instanceof SelectorParseError) return undefined;
    throw e;
  }
}

/** scaleFromStatefulSet: the autoscaling/v1 Scale view of a StatefulSet (or a ReplicationController). */
export function scaleFromStatefulSet(sts: KObject): KObject {
  const meta: KObject = isMap(sts.metadata) ? sts.metadata : {};
  const scaleMeta: KObject = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp']) if (meta[k] !== undefined) scaleMeta[k] = meta[k];
  const spec: KObject = {};
  const replicas = sts.spec?.replicas;
  // autoscaling/v1 ScaleSpec.replicas is omitempty: 0 is not rendered
  if (typeof replicas === 'number' && replicas !== 0) spec.replicas = replicas;
  const status: KObject = { replicas: typeof sts.status?.replicas === 'number' ? sts.status.replicas : 0 };
  // a ReplicationController's selector is a plain label map (scaleFromRC: labels.SelectorFromSet)
  const sel = sts.kind === 'ReplicationController' ? { matchLabels: isMap(sts.spec?.selector) ? sts.spec.selector : {} } : sts.spec?.selector;
  const selector = selectorString(sel) ?? '';
  if (selector) status.selector = selector;
  return { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: scaleMeta, spec, status };
}

/** ValidateScale (pkg/apis/autoscaling/validation): the causes of an invalid Scale write (kind Scale, group autoscaling). */
export function validateScale(scale: KObject): Cause[] {
  const causes: Cause[] = [];
  const replicas = scale?.spec?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) causes.push(invalid('spec.replicas', replicas, 'must be an integer'));
  else if (replicas < 0) causes.push(invalid('spec.replicas', replicas, 'must be greater than or equal to 0'));
  return causes;
}

/**
 * The Conflict message when the Scale carries a uid precondition that is not the StatefulSet's
 * (scaleUpdatedObjectInfo); undefined when there is none or it matches.
 */
export function scalePreconditionError(sts: KObject, scale: KObject): string | undefined {
  const uid = scale?.metadata?.uid;
  if (uid && uid !== sts?.metadata?.uid)
    return `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${sts?.metadata?.uid ?? ''}`;
  return undefined;
}

/**
 * Applies a Scale write to a StatefulSet: validates the Scale (returns the causes, nothing
 * applied when invalid), else moves spec.replicas and metadata.resourceVersion (a precondition
 * for the update that follows, as upstream; absent = unconditional) onto the object. Mutates sts.
 */
export function applyScale(sts: KObject, scale: KObject): Cause[] {
  const causes = validateScale(scale);
  if (causes.length) return causes;
  if (!isMap(sts.spec)) sts.spec = {};
  sts.spec.replicas = scale?.spec?.replicas ?? 0;
  if (!isMap(sts.metadata)) sts.metadata = {};
  const rv = scale?.metadata?.resourceVersion;
  if (rv === undefined || rv === null || rv === '') delete sts.metadata.resourceVersion;
  else sts.metadata.resourceVersion = rv;
  return [];
}

const SCALE_TYPE = { group: 'autoscaling', version: 'v1', kind: 'Scale' } as const;

/**
 * A PUT of statefulsets/scale decodes its body into an autoscaling/v1 Scale first (apiserver
 * handlers/update.go): another kind fails its conversion, a wrong JSON type fails decoding, and
 * checkName refuses a Scale naming another object; the 400, or undefined when the body is a Scale.
 */
export function scaleBodyError(scale: KObject, name: string, namespace: string, registered: (apiVersion: string, kind: string) => boolean): StatusError | undefined {
  if (!isMap(scale)) return badRequest('Object is not a valid JSON object');
  const isScale = (av: string, k: string) => (k === 'Scale' && av === 'autoscaling/v1') || registered(av, k);
  const wrongType = typeMetaError(SCALE_TYPE, scale.kind, scale.apiVersion, isScale);
  if (wrongType) return wrongType;
  const { causes } = checkFields('io.k8s.api.autoscaling.v1.Scale', scale);
  if (causes.length) return badRequest(decodeErrorMessage('Scale', 'v1', causes[0].message));
  try {
    checkName(scale, name, namespace);
  } catch (err) {
    return err as StatusError;
  }
  return undefined;
}
