// PodSpec / PodTemplateSpec validation with upstream's field paths and messages
// (pkg/apis/core/validation/validation.go: ValidatePodSpec, validateContainers, ValidateVolumes, ...).
import type { Cause, KObject } from './types.js';
import {
  required, invalid, notSupported, forbidden, duplicate, renderValue,
  isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, validateLabels, validateAnnotations,
} from '../registry/validation.js';
import { validateContainerResources } from './resourcelist-validation.js';

export {
  validateResourceName, validateContainerResourceName, validateResourceQuantityValue, validateContainerResources,
} from './resourcelist-validation.js';

export const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** field.NotFound */
export function notFound(field: string, value: unknown): Cause {
  return { reason: 'FieldValueNotFound', message: `Not found: ${renderValue(value)}`, field };
}

export function dns1123Label(value: string, field: string): Cause[] {
  return isDNS1123Label(value).map((m) => invalid(field, value, m));
}
export function dns1123Subdomain(value: string, field: string): Cause[] {
  return isDNS1123Subdomain(value).map((m) => invalid(field, value, m));
}

/** validation.IsValidPortNum */
export function portNumErrors(n: unknown): string[] {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** validation.IsValidPortName (IANA_SVC_NAME) */
export function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.length > 0 && (name.startsWith('-') || name.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  return errs;
}

/** ValidatePortNumOrName for an IntOrString. */
export function validatePortNumOrName(port: unknown, field: string): Cause[] {
  if (typeof port === 'number') return portNumErrors(port).map((m) => invalid(field, port, m));
  if (typeof port === 'string') return portNameErrors(port).map((m) => invalid(field, port, m));
  return [invalid(field, port, 'must be an int or a string')];
}

const ENV_NAME_RE = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** validation.IsEnvVarName */
export function envVarNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (!ENV_NAME_RE.test(name))
    errs.push(
      "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
    );
  if (name === '.') errs.push("must not be '.'");
  else if (name === '..') errs.push("must not be '..'");
  else if (name.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

function validateVolumeSource(v: KObject, field: string): Cause[] {
  const errs: Cause[] = [];
  let n = 0;
  for (const k of VOLUME_SOURCES) {
    if (v[k] === undefined || v[k] === null) continue;
    if (n > 0) {
      errs.push(forbidden(`${field}.${k}`, 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    const s = v[k];
    const p = `${field}.${k}`;
    if (!isObj(s)) continue;
    if (k === 'secret' && !s.secretName) errs.push(required(`${p}.secretName`));
    if (k === 'configMap' && !s.name) errs.push(required(`${p}.name`));
    if (k === 'persistentVolumeClaim' && !s.claimName) errs.push(required(`${p}.claimName`));
    if (k === 'hostPath' && !s.path) errs.push(required(`${p}.path`));
    if (k === 'nfs') {
      if (!s.server) errs.push(required(`${p}.server`));
      if (!s.path) errs.push(required(`${p}.path`));
      else if (!String(s.path).startsWith('/')) errs.push(invalid(`${p}.path`, s.path, 'must be an absolute path'));
    }
    for (const key of ['defaultMode'] as const) {
      const m = s[key];
      if (typeof m === 'number' && (m < 0 || m > 0o777))
        errs.push(invalid(`${p}.${key}`, m, 'must be a number between 0 and 0777 (octal), both inclusive'));
    }
  }
  if (n === 0) errs.push(required(field, 'must specify a volume type'));
  return errs;
}

/** ValidateVolumes: returns the valid volume names too. */
export function validateVolumes(volumes: unknown, field: string): { names: Set<string>; causes: Cause[] } {
  const names = new Set<string>();
  const causes: Cause[] = [];
  arr(volumes).forEach((v, i) => {
    const p = `${field}[${i}]`;
    if (!isObj(v)) return;
    const el = validateVolumeSource(v, p);
    const name = typeof v.name === 'string' ? v.name : '';
    if (!name) el.push(required(`${p}.name`));
    else el.push(...dns1123Label(name, `${p}.name`));
    if (names.has(name)) el.push(duplicate(`${p}.name`, name));
    if (el.length === 0) names.add(name);
    else causes.push(...el);
  });
  return { names, causes };
}

function validateHandler(h: KObject, field: string, what: string): Cause[] {
  const errs: Cause[] = [];
  let n = 0;
  for (const k of ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep']) {
    if (!isObj(h[k])) continue;
    if (n > 0) {
      errs.push(forbidden(`${field}.${k}`, `may not specify more than 1 ${what} type`));
      continue;
    }
    n++;
    const a = h[k];
    if (k === 'exec' && arr(a.command).length === 0) errs.push(required(`${field}.exec.command`));
    if (k === 'httpGet') {
      if (!a.path) errs.push(required(`${field}.httpGet.path`));
      errs.push(...validatePortNumOrName(a.port, `${field}.httpGet.port`));
      if (a.scheme !== 'HTTP' && a.scheme !== 'HTTPS') errs.push(notSupported(`${field}.httpGet.scheme`, a.scheme, ['HTTP', 'HTTPS']));
    }
    if (k === 'tcpSocket') errs.push(...validatePortNumOrName(a.port, `${field}.tcpSocket.port`));
    if (k === 'grpc') for (const m of portNumErrors(a.port)) errs.push(invalid(`${field}.grpc.port`, a.port, m));
  }
  if (n === 0) errs.push(required(field, `must specify a ${what} type`));
  return errs;
}

function validateProbe(p: unknown, field: string, successMustBeOne: boolean): Cause[] {
  if (!isObj(p)) return [];
  const errs = validateHandler(p, field, 'handler');
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds']) {
    if (typeof p[k] === 'number' && p[k] < 0) errs.push(invalid(`${field}.${k}`, p[k], 'must be greater than or equal to 0'));
  }
  if (successMustBeOne && p.successThreshold !== undefined && p.successThreshold !== 1)
    errs.push(invalid(`${field}.successThreshold`, p.successThreshold, 'must be 1'));
  return errs;
}

function validateEnv(env: unknown, field: string): Cause[] {
  const errs: Cause[] = [];
  arr(env).forEach((e, i) => {
    const p = `${field}[${i}]`;
    if (!isObj(e)) return;
    if (!e.name) errs.push(required(`${p}.name`));
    else for (const m of envVarNameErrors(String(e.name))) errs.push(invalid(`${p}.name`, e.name, m));
    if (isObj(e.valueFrom)) {
      const srcs = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'].filter((k) => isObj(e.valueFrom[k]));
      const vp = `${p}.valueFrom`;
      if (srcs.length === 0) errs.push(invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      else if (e.value) errs.push(invalid(vp, '', 'may not be specified when `value` is not empty'));
      else if (srcs.length > 1) errs.push(invalid(vp, '', 'may not have more than one field specified at a time'));
      for (const k of ['configMapKeyRef', 'secretKeyRef']) {
        const r = e.valueFrom[k];
        if (isObj(r) && !r.key) errs.push(required(`${vp}.${k}.key`));
      }
      const fr = e.valueFrom.fieldRef;
      if (isObj(fr) && !fr.fieldPath) errs.push(required(`${vp}.fieldRef.fieldPath`));
    }
  });
  return errs;
}

function validatePorts(ports: unknown, field: string): Cause[] {
  const errs: Cause[] = [];
  const names = new Set<string>();
  arr(ports).forEach((pt, i) => {
    const p = `${field}[${i}]`;
    if (!isObj(pt)) return;
    if (pt.name) {
      const msgs = portNameErrors(String(pt.name));
      if (msgs.length) for (const m of msgs) errs.push(invalid(`${p}.name`, pt.name, m));
      else if (names.has(pt.name)) errs.push(duplicate(`${p}.name`, pt.name));
      else names.add(pt.name);
    }
    if (!pt.containerPort) errs.push(required(`${p}.containerPort`));
    else for (const m of portNumErrors(pt.containerPort)) errs.push(invalid(`${p}.containerPort`, pt.containerPort, m));
    if (pt.hostPort) for (const m of portNumErrors(pt.hostPort)) errs.push(invalid(`${p}.hostPort`, pt.hostPort, m));
    if (!pt.protocol) errs.push(required(`${p}.protocol`));
    else if (!['SCTP', 'TCP', 'UDP'].includes(pt.protocol)) errs.push(notSupported(`${p}.protocol`, pt.protocol, ['SCTP', 'TCP', 'UDP']));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, volumes: Set<string>, field: string): Cause[] {
  const errs: Cause[] = [];
  const points = new Set<string>();
  arr(mounts).forEach((m, i) => {
    const p = `${field}[${i}]`;
    if (!isObj(m)) return;
    if (!m.name) errs.push(required(`${p}.name`));
    else if (!volumes.has(m.name)) errs.push(notFound(`${p}.name`, m.name));
    if (!m.mountPath) errs.push(required(`${p}.mountPath`));
    else if (points.has(m.mountPath)) errs.push(invalid(`${p}.mountPath`, m.mountPath, 'must be unique'));
    if (m.mountPath) points.add(m.mountPath);
    if (typeof m.subPath === 'string' && m.subPath) {
      if (m.subPath.startsWith('/')) errs.push(invalid(`${p}.subPath`, m.subPath, 'must be a relative path'));
      if (m.subPath.split('/').includes('..')) errs.push(invalid(`${p}.subPath`, m.subPath, "must not contain '..'"));
    }
  });
  return errs;
}

/** validateContainerCommon + the regular/init specific checks. */
function validateContainer(c: KObject, p: string, volumes: Set<string>, kind: 'regular' | 'init'): Cause[] {
  const errs: Cause[] = [];
  if (!c.name) errs.push(required(`${p}.name`));
  else errs.push(...dns1123Label(String(c.name), `${p}.name`));
  if (!c.image) errs.push(required(`${p}.image`));
  const sidecar = kind === 'init' && c.restartPolicy === 'Always';
  if (kind === 'init') {
    if (c.restartPolicy !== undefined && c.restartPolicy !== 'Always')
      errs.push(notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
    if (!sidecar) {
      for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'])
        if (c[k] !== undefined && c[k] !== null) errs.push(forbidden(`${p}.${k}`, 'may not be set for init containers without restartPolicy=Always'));
    }
  } else if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
    errs.push(forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
  }
  if (isObj(c.lifecycle)) {
    if (isObj(c.lifecycle.postStart)) errs.push(...validateHandler(c.lifecycle.postStart, `${p}.lifecycle.postStart`, 'handler'));
    if (isObj(c.lifecycle.preStop)) errs.push(...validateHandler(c.lifecycle.preStop, `${p}.lifecycle.preStop`, 'handler'));
  }
  if (kind === 'regular' || sidecar) {
    errs.push(...validateProbe(c.livenessProbe, `${p}.livenessProbe`, true));
    errs.push(...validateProbe(c.readinessProbe, `${p}.readinessProbe`, false));
    errs.push(...validateProbe(c.startupProbe, `${p}.startupProbe`, true));
  }
  const tmp = c.terminationMessagePolicy;
  if (!tmp) errs.push(required(`${p}.terminationMessagePolicy`, "must be 'File' or 'FallbackToLogsOnError'"));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError')
    errs.push(invalid(`${p}.terminationMessagePolicy`, tmp, "must be 'File' or 'FallbackToLogsOnError'"));
  errs.push(...validatePorts(c.ports, `${p}.ports`));
  errs.push(...validateEnv(c.env, `${p}.env`));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${p}.volumeMounts`));
  const pull = c.imagePullPolicy;
  if (!pull) errs.push(required(`${p}.imagePullPolicy`));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pull))
    errs.push(notSupported(`${p}.imagePullPolicy`, pull, ['Always', 'IfNotPresent', 'Never']));
  errs.push(...validateContainerResources(c.resources, `${p}.resources`));
  return errs;
}

function hostPortConflicts(containers: KObject[], field: string): Cause[] {
  const seen = new Set<string>();
  const errs: Cause[] = [];
  containers.forEach((c, ci) =>
    arr(c.ports).forEach((pt, pi) => {
      if (!isObj(pt) || !pt.hostPort) return;
      const key = `${pt.protocol ?? ''}/${pt.hostIP ?? ''}/${pt.hostPort}`;
      if (seen.has(key)) errs.push(duplicate(`${field}[${ci}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    }),
  );
  return errs;
}

/** ValidateTolerations */
export function validateTolerations(tolerations: unknown, field: string): Cause[] {
  const errs: Cause[] = [];
  arr(tolerations).forEach((t, i) => {
    const p = `${field}[${i}]`;
    if (!isObj(t)) return;
    if (t.key) for (const m of isQualifiedName(String(t.key))) errs.push(invalid(`${p}.key`, t.key, m));
    if (!t.key && t.operator !== 'Exists')
      errs.push(invalid(`${p}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute')
      errs.push(invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    if (!t.operator || t.operator === 'Equal') {
      const e = isValidLabelValue(String(t.value ?? ''));
      if (e.length) errs.push(invalid(`${p}.operator`, t.value, e.join(';')));
    } else if (t.operator === 'Exists') {
      if (t.value) errs.push(invalid(`${p}.operator`, t, "value must be empty when `operator` is 'Exists'"));
    } else errs.push(notSupported(`${p}.operator`, t.operator, ['Equal', 'Exists']));
    if (t.effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect))
      errs.push(notSupported(`${p}.effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
  });
  return errs;
}

/** ValidateNodeSelectorRequirement (pkg/apis/core/validation/validation.go); values must be label values on create. */
function validateNodeSelectorRequirement(rq: KObject, field: string, checkValues: boolean): Cause[] {
  const errs: Cause[] = [];
  const values = arr(rq.values);
  switch (rq.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(`${field}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(`${field}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(required(`${field}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalid(`${field}.operator`, rq.operator ?? '', 'not a valid selector operator'));
  }
  const key = typeof rq.key === 'string' ? rq.key : '';
  for (const m of isQualifiedName(key)) errs.push(invalid(`${field}.key`, key, m));
  if (checkValues)
    values.forEach((v, i) => {
      for (const m of isValidLabelValue(String(v))) errs.push(invalid(`${field}.values[${i}]`, v, m));
    });
  return errs;
}

/** ValidateNodeFieldSelectorRequirement: only metadata.name, with one value for In / NotIn. */
function validateNodeFieldSelectorRequirement(rq: KObject, field: string): Cause[] {
  const errs: Cause[] = [];
  const values = arr(rq.values);
  if (rq.operator === 'In' || rq.operator === 'NotIn') {
    if (values.length !== 1) errs.push(required(`${field}.values`, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else errs.push(invalid(`${field}.operator`, rq.operator ?? '', 'not a valid selector operator'));
  if (rq.key !== 'metadata.name') errs.push(invalid(`${field}.key`, rq.key ?? '', 'not a valid field selector key'));
  else values.forEach((v, i) => {
    for (const m of isDNS1123Subdomain(String(v))) errs.push(invalid(`${field}.values[${i}]`, v, m));
  });
  return errs;
}

function validateNodeSelectorTerm(term: KObject, field: string, checkValues: boolean): Cause[] {
  const errs: Cause[] = [];
  arr(term.matchExpressions).forEach((rq, j) => {
    if (isObj(rq)) errs.push(...validateNodeSelectorRequirement(rq, `${field}.matchExpressions[${j}]`, checkValues));
  });
  arr(term.matchFields).forEach((rq, j) => {
    if (isObj(rq)) errs.push(...validateNodeFieldSelectorRequirement(rq, `${field}.matchFields[${j}]`));
  });
  return errs;
}

/** validateAffinity: the node affinity part (ValidateNodeSelector, ValidatePreferredSchedulingTerms). */
export function validateAffinity(affinity: KObject, field: string): Cause[] {
  const errs: Cause[] = [];
  const na = affinity.nodeAffinity;
  if (!isObj(na)) return errs;
  const p = `${field}.nodeAffinity`;
  const req = na.requiredDuringSchedulingIgnoredDuringExecution;
  if (isObj(req)) {
    const terms = arr(req.nodeSelectorTerms);
    const tp = `${p}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
    if (terms.length === 0) errs.push(required(tp, 'must have at least one node selector term'));
    terms.forEach((t, i) => {
      if (isObj(t)) errs.push(...validateNodeSelectorTerm(t, `${tp}[${i}]`, true));
    });
  }
  arr(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
    if (!isObj(t)) return;
    const tp = `${p}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    const w = t.weight ?? 0;
    if (typeof w !== 'number' || w <= 0 || w > 100) errs.push(invalid(`${tp}.weight`, w, 'must be in the range 1-100'));
    errs.push(...validateNodeSelectorTerm(isObj(t.preference) ? t.preference : {}, `${tp}.preference`, false));
  });
  return errs;
}

/** ValidatePodSpec. `field` is the path of the spec, e.g. `spec` or `spec.template.spec`. */
export function validatePodSpec(spec: unknown, field: string): Cause[] {
  if (!isObj(spec)) return [required(field)];
  const errs: Cause[] = [];
  const { names: volumes, causes } = validateVolumes(spec.volumes, `${field}.volumes`);
  errs.push(...causes);
  const containers = arr(spec.containers).filter(isObj);
  const inits = arr(spec.initContainers).filter(isObj);
  const allNames = new Set<string>();
  if (containers.length === 0) errs.push(required(`${field}.containers`));
  containers.forEach((c, i) => {
    const p = `${field}.containers[${i}]`;
    errs.push(...validateContainer(c, p, volumes, 'regular'));
    if (allNames.has(c.name)) errs.push(duplicate(`${p}.name`, c.name));
    else allNames.add(c.name);
  });
  errs.push(...hostPortConflicts(containers, `${field}.containers`));
  inits.forEach((c, i) => {
    const p = `${field}.initContainers[${i}]`;
    errs.push(...validateContainer(c, p, volumes, 'init'));
    if (allNames.has(c.name)) errs.push(duplicate(`${p}.name`, c.name));
    else if (c.name) allNames.add(c.name);
  });
  const rp = spec.restartPolicy;
  if (!rp) errs.push(required(`${field}.restartPolicy`));
  else if (!['Always', 'OnFailure', 'Never'].includes(rp))
    errs.push(notSupported(`${field}.restartPolicy`, rp, ['Always', 'OnFailure', 'Never']));
  const dp = spec.dnsPolicy;
  const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (!dp) errs.push(required(`${field}.dnsPolicy`));
  else if (!dnsPolicies.includes(dp)) errs.push(notSupported(`${field}.dnsPolicy`, dp, dnsPolicies));
  else if (dp === 'None' && !isObj(spec.dnsConfig))
    errs.push(required(`${field}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  errs.push(...validateLabels(spec.nodeSelector, `${field}.nodeSelector`));
  for (const k of ['serviceAccountName', 'nodeName', 'priorityClassName']) {
    if (typeof spec[k] === 'string' && spec[k]) errs.push(...dns1123Subdomain(spec[k], `${field}.${k}`));
  }
  for (const k of ['hostname', 'subdomain']) {
    if (typeof spec[k] === 'string' && spec[k]) errs.push(...dns1123Label(spec[k], `${field}.${k}`));
  }
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null && (typeof ads !== 'number' || ads < 1 || ads > 2147483647))
    errs.push(invalid(`${field}.activeDeadlineSeconds`, ads, 'must be between 1 and 2147483647, inclusive'));
  errs.push(...validateTolerations(spec.tolerations, `${field}.tolerations`));
  if (isObj(spec.affinity)) errs.push(...validateAffinity(spec.affinity, `${field}.affinity`));
  // validateImagePullSecrets only refuses fields beside name: an empty name is a warning upstream, not an error
  return errs;
}

/** ValidatePodTemplateSpec: template labels/annotations, then the spec at `<field>.spec`. */
export function validatePodTemplateSpec(tpl: unknown, field: string): Cause[] {
  if (!isObj(tpl)) return [required(field)];
  const errs: Cause[] = [];
  const meta = isObj(tpl.metadata) ? tpl.metadata : {};
  errs.push(...validateLabels(meta.labels, `${field}.metadata.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${field}.metadata.annotations`));
  errs.push(...validatePodSpec(tpl.spec, `${field}.spec`));
  return errs;
}
