// Shared PodSpec / PodTemplateSpec defaulting and the QoS class, as upstream's
// pkg/apis/core/v1/defaults.go + zz_generated.defaults.go (the walk over a PodSpec) and
// pkg/apis/core/helper/qos/qos.go. Validation lives in podspec-validation.ts (re-exported here).
import type { KObject, ValueFields } from './types.js';
import { canonicalizeResourceList, compareQuantity, addQuantities } from './quantity.js';
import { VOLUME_SOURCES } from './podspec-validation.js';

/** The pod template's Go value fields (ResourceDef.valueFields) for every kind with a pod spec. */
export const POD_VALUE_FIELDS: ValueFields = {
  'io.k8s.api.core.v1.PodTemplateSpec': { structs: ['metadata', 'spec'] },
  'io.k8s.api.core.v1.PodSpec': { nulls: ['containers'] },
  'io.k8s.api.core.v1.Container': { structs: ['resources'] },
};

/** A PersistentVolumeClaimSpec's (claims and StatefulSet claim templates). */
export const PVC_SPEC_VALUE_FIELDS: ValueFields = {
  'io.k8s.api.core.v1.PersistentVolumeClaimSpec': { structs: ['resources'] },
};

export { validatePodSpec, validatePodTemplateSpec, validateContainerResources } from './podspec-validation.js';

function isObj(v: unknown): v is KObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function objs(v: unknown): KObject[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

/** The image tag as upstream's parsers.ParseImageName sees it: "latest" when neither tag nor digest. */
export function imageTag(image: string): string {
  if (image.includes('@')) return '';
  const lastSlash = image.lastIndexOf('/');
  const lastPart = image.slice(lastSlash + 1);
  const colon = lastPart.lastIndexOf(':');
  return colon >= 0 ? lastPart.slice(colon + 1) : 'latest';
}

// SetDefaults_HTTPGetAction
function defaultHTTPGet(h: unknown): void {
  if (!isObj(h)) return;
  if (!h.path) h.path = '/';
  if (!h.scheme) h.scheme = 'HTTP';
}

function defaultHandler(h: unknown): void {
  if (!isObj(h)) return;
  defaultHTTPGet(h.httpGet);
  // zz_generated: GRPCAction.service defaults to ""
  if (isObj(h.grpc) && h.grpc.service === undefined) h.grpc.service = '';
}

// SetDefaults_Probe
function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  defaultHandler(p);
}

// SetDefaults_ObjectFieldSelector
function defaultFieldRef(f: unknown): void {
  if (isObj(f) && !f.apiVersion) f.apiVersion = 'v1';
}

function defaultResources(r: unknown): void {
  if (!isObj(r)) return;
  canonicalizeResourceList(r.limits);
  canonicalizeResourceList(r.requests);
}

/** SetDefaults_Container plus the generated walk over its nested structs. */
export function defaultContainer(c: KObject): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(String(c.image ?? '')) === 'latest' ? 'Always' : 'IfNotPresent';
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  // ResourceRequirements is a non-pointer struct upstream: always serialized, `resources: {}`
  if (!isObj(c.resources)) c.resources = {};
  defaultResources(c.resources);
  for (const p of objs(c.ports)) if (!p.protocol) p.protocol = 'TCP';
  for (const e of objs(c.env)) if (isObj(e.valueFrom)) defaultFieldRef(e.valueFrom.fieldRef);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObj(c.lifecycle)) {
    defaultHandler(c.lifecycle.postStart);
    defaultHandler(c.lifecycle.preStop);
  }
}


/** SetDefaults_PersistentVolumeClaimSpec (also used for volumeClaimTemplates and ephemeral volumes). */
export function defaultPersistentVolumeClaimSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  if (!spec.volumeMode) spec.volumeMode = 'Filesystem';
  defaultResources(spec.resources);
}

/** SetDefaults_Volume and the per-source defaults. */
export function defaultVolume(v: KObject): void {
  if (!VOLUME_SOURCES.some((k) => v[k] !== undefined && v[k] !== null)) v.emptyDir = {};
  if (isObj(v.secret) && v.secret.defaultMode === undefined) v.secret.defaultMode = 0o644;
  if (isObj(v.configMap) && v.configMap.defaultMode === undefined) v.configMap.defaultMode = 0o644;
  if (isObj(v.downwardAPI)) {
    if (v.downwardAPI.defaultMode === undefined) v.downwardAPI.defaultMode = 0o644;
    for (const it of objs(v.downwardAPI.items)) defaultFieldRef(it.fieldRef);
  }
  if (isObj(v.projected)) {
    if (v.projected.defaultMode === undefined) v.projected.defaultMode = 0o644;
    for (const s of objs(v.projected.sources)) {
      if (isObj(s.downwardAPI)) for (const it of objs(s.downwardAPI.items)) defaultFieldRef(it.fieldRef);
      if (isObj(s.serviceAccountToken) && s.serviceAccountToken.expirationSeconds === undefined)
        s.serviceAccountToken.expirationSeconds = 3600;
    }
  }
  if (isObj(v.hostPath) && v.hostPath.type === undefined) v.hostPath.type = '';
  if (isObj(v.emptyDir) && v.emptyDir.sizeLimit !== undefined) {
    const holder = { s: v.emptyDir.sizeLimit };
    canonicalizeResourceList(holder);
    v.emptyDir.sizeLimit = holder.s;
  }
  if (isObj(v.iscsi)) {
    if (!v.iscsi.iscsiInterface) v.iscsi.iscsiInterface = 'default';
  }
  if (isObj(v.rbd)) {
    if (!v.rbd.pool) v.rbd.pool = 'rbd';
    if (!v.rbd.user) v.rbd.user = 'admin';
    if (!v.rbd.keyring) v.rbd.keyring = '/etc/ceph/keyring';
  }
  if (isObj(v.azureDisk)) {
    if (v.azureDisk.cachingMode === undefined) v.azureDisk.cachingMode = 'ReadWrite';
    if (v.azureDisk.fsType === undefined) v.azureDisk.fsType = 'ext4';
    if (v.azureDisk.readOnly === undefined) v.azureDisk.readOnly = false;
    if (v.azureDisk.kind === undefined) v.azureDisk.kind = 'Shared';
  }
  if (isObj(v.scaleIO)) {
    if (!v.scaleIO.storageMode) v.scaleIO.storageMode = 'ThinProvisioned';
    if (!v.scaleIO.fsType) v.scaleIO.fsType = 'xfs';
  }
  if (isObj(v.ephemeral) && isObj(v.ephemeral.volumeClaimTemplate))
    defaultPersistentVolumeClaimSpec(v.ephemeral.volumeClaimTemplate.spec);
}

/** SetDefaults_PodSpec + the generated walk (applies to Pods and to pod templates alike). Mutates. */
export function defaultPodSpec(spec: KObject): void {
  if (!isObj(spec)) return;
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  if (!isObj(spec.securityContext)) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null)
    spec.terminationGracePeriodSeconds = 30;
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  // v1 conversion (Convert_v1_PodSpec_To_core_PodSpec and back): serviceAccount is the deprecated
  // alias of serviceAccountName, read when serviceAccountName is empty and always written from it
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  else delete spec.serviceAccount;
  for (const v of objs(spec.volumes)) defaultVolume(v);
  for (const c of objs(spec.initContainers)) defaultContainer(c);
  for (const c of objs(spec.containers)) defaultContainer(c);
  for (const c of objs(spec.ephemeralContainers)) defaultContainer(c);
  canonicalizeResourceList(spec.overhead);
  defaultResources(spec.resources);
}

/** Defaults of a PodTemplateSpec (statefulset spec.template, ...). Mutates. */
export function defaultPodTemplateSpec(tpl: KObject): void {
  if (!isObj(tpl)) return;
  if (!isObj(tpl.spec)) return;
  defaultPodSpec(tpl.spec);
}

/**
 * SetDefaults_Pod: only for Pods, not templates. Requests default to limits; enableServiceLinks
 * true; with hostNetwork, hostPort defaults to containerPort. Mutates.
 */
export function defaultPodOnly(pod: KObject): void {
  const spec = pod.spec;
  if (!isObj(spec)) return;
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
    const r = isObj(c.resources) ? c.resources : (c.resources = {});
    if (isObj(r.limits)) {
      if (!isObj(r.requests)) r.requests = {};
      for (const [k, v] of Object.entries(r.limits)) if (!(k in r.requests)) r.requests[k] = v;
    }
  }
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    for (const c of [...objs(spec.containers), ...objs(spec.initContainers)])
      for (const p of objs(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort;
  }
}

const QOS_RESOURCES = new Set(['cpu', 'memory']);

/** pkg/apis/core/helper/qos/qos.go GetPodQOS (container-level resources). */
export function computeQOSClass(pod: KObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const requests = new Map<string, Array<string | number>>();
  const limits = new Map<string, Array<string | number>>();
  let guaranteed = true;
  const add = (m: Map<string, Array<string | number>>, k: string, v: string | number) => {
    const arr = m.get(k) ?? [];
    arr.push(v);
    m.set(k, arr);
  };
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
    const r = isObj(c.resources) ? c.resources : {};
    const req = isObj(r.requests) ? r.requests : {};
    const lim = isObj(r.limits) ? r.limits : {};
    for (const [k, v] of Object.entries(req)) {
      if (!QOS_RESOURCES.has(k)) continue;
      if (compareQuantity(v as string, 0) > 0) add(requests, k, v as string);
    }
    const found = new Set<string>();
    for (const [k, v] of Object.entries(lim)) {
      if (!QOS_RESOURCES.has(k)) continue;
      if (compareQuantity(v as string, 0) > 0) {
        add(limits, k, v as string);
        found.add(k);
      }
    }
    if (!(found.has('cpu') && found.has('memory'))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [k, reqs] of requests) {
      const lims = limits.get(k);
      if (!lims || compareQuantity(addQuantities(lims), addQuantities(reqs)) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  if (guaranteed && requests.size === limits.size) return 'Guaranteed';
  return 'Burstable';
}
