// The scale subresource as data (ResourceDef.scale): autoscaling/v1 Scale views and writes
// (pkg/registry/apps/statefulset/storage/storage.go scaleFromStatefulSet / scaleUpdatedObjectInfo,
// apiextensions-apiserver's scaleFromCustomResource, pkg/apis/autoscaling/validation ValidateScale).
import type { Cause, KObject, ScaleDef } from './types.js';
import { invalid } from '../registry/validation.js';
import { badRequest, type StatusError } from '../registry/errors.js';
import { checkName, typeMetaError } from '../registry/typemeta.js';
import { checkFields, decodeErrorMessage } from '../schema/index.js';
import { selectorString } from './labelselector.js';

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** A dotted path (`.spec.replicas`) as its segments. */
function pathSegments(path: string): string[] {
  return path.replace(/^\./, '').split('.').filter(Boolean);
}

function readPath(obj: unknown, path: string): unknown {
  let v: any = obj;
  for (const seg of pathSegments(path)) {
    if (!isMap(v)) return undefined;
    v = v[seg];
  }
  return v;
}

/** The StatefulSet's (and Deployment's, ReplicaSet's) scale: replicas in spec/status, the selector rendered. */
export const REPLICAS_SCALE: ScaleDef = {
  specReplicasPath: '.spec.replicas',
  statusReplicasPath: '.status.replicas',
  selector: (o) => selectorString(o.spec?.selector),
};

/**
 * The autoscaling/v1 Scale view of an object whose kind has a scale subresource (statefulset
 * storage.go scaleFromStatefulSet; for custom resources apiextensions-apiserver
 * pkg/registry/customresource/etcd.go scaleFromCustomResource: missing values are 0 and "").
 */
export function scaleOf(scaleDef: ScaleDef, obj: KObject): KObject {
  const meta: KObject = isMap(obj.metadata) ? obj.metadata : {};
  const scaleMeta: KObject = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp']) if (meta[k] !== undefined) scaleMeta[k] = meta[k];
  const spec: KObject = {};
  const replicas = readPath(obj, scaleDef.specReplicasPath);
  // autoscaling/v1 ScaleSpec.replicas is omitempty: 0 is not rendered
  if (typeof replicas === 'number' && replicas !== 0) spec.replicas = replicas;
  const statusReplicas = readPath(obj, scaleDef.statusReplicasPath);
  const status: KObject = { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0 };
  const selector = scaleDef.selector?.(obj) ?? '';
  if (selector) status.selector = selector;
  return { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: scaleMeta, spec, status };
}

/** A scale write's replicas moved onto the object's spec path. Mutates. */
function writeReplicas(scaleDef: ScaleDef, obj: KObject, replicas: unknown): void {
  const segs = pathSegments(scaleDef.specReplicasPath);
  let v: KObject = obj;
  for (const seg of segs.slice(0, -1)) {
    if (!isMap(v[seg])) v[seg] = {};
    v = v[seg];
  }
  v[segs[segs.length - 1]] = replicas;
}

/** scaleFromStatefulSet: the autoscaling/v1 Scale view of a StatefulSet. */
export function scaleFromStatefulSet(sts: KObject): KObject {
  return scaleOf(REPLICAS_SCALE, sts);
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
export function applyScale(sts: KObject, scale: KObject, scaleDef: ScaleDef = REPLICAS_SCALE): Cause[] {
  const causes = validateScale(scale);
  if (causes.length) return causes;
  writeReplicas(scaleDef, sts, scale?.spec?.replicas ?? 0);
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
