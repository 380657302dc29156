// pods/status: the podIP/podIPs normalisation a v1 write goes through and ValidatePodStatusUpdate
// (pkg/apis/core/validation/validation.go), worded as upstream's field errors.
import type { Cause, KObject } from '../types.js';
import { ipFamily, INVALID_IP_MESSAGE } from '../ip.js';
import { invalid, forbidden, duplicate, notSupported, isDNS1123Subdomain, isQualifiedName, FIELD_IMMUTABLE } from '../../registry/validation.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const ONE_PER_FAMILY = 'may specify no more than one IP for each IP family';

/**
 * podIP and podIPs as the v1 -> internal conversion leaves them (pkg/apis/core/v1/conversion.go,
 * since 1.16; "Move Pod conversion behaviors to defaulting" keeps the rule): when both are set and
 * differ, podIP is authoritative and podIPs becomes [podIP]; podIPs defaults from podIP; podIP is
 * then read back as podIPs[0].
 */
export function normalizePodStatusIPs(status: unknown): void {
  if (!isObj(status)) return;
  const podIP = str(status.podIP);
  const podIPs = arr(status.podIPs);
  const first = isObj(podIPs[0]) ? str(podIPs[0].ip) : '';
  if (podIP && (podIPs.length === 0 || podIP !== first)) status.podIPs = [{ ip: podIP }];
  else if (!podIP && podIPs.length > 0 && first) status.podIP = first;
}

/** Go's %#v of a []core.PodIP / []core.HostIP (the value upstream prints for these errors). */
function goIPList(type: 'PodIP' | 'HostIP', list: unknown[]): string {
  return `[]core.${type}{${list.map((e) => goIP(type, e)).join(', ')}}`;
}
function goIP(type: 'PodIP' | 'HostIP', e: unknown): string {
  return `core.${type}{IP:${JSON.stringify(isObj(e) ? str(e.ip) : '')}}`;
}
function goInvalid(field: string, rendered: string, detail: string): Cause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${rendered}: ${detail}`, field };
}
function goDuplicate(field: string, rendered: string): Cause {
  return { reason: 'FieldValueDuplicate', message: `Duplicate value: ${rendered}`, field };
}
function internalError(field: string, detail: string): Cause {
  return { reason: 'InternalError', message: `Internal error: ${detail}`, field };
}

/** validation.IsValidIP on each entry, then the dual-stack and duplicate rules of validatePodIPs / validateHostIPs. */
function validateIPList(type: 'PodIP' | 'HostIP', list: unknown[], field: string, dupFirst: boolean): Cause[] {
  const errs: Cause[] = [];
  const ips = list.map((e) => (isObj(e) ? str(e.ip) : ''));
  ips.forEach((ip, i) => {
    if (!ipFamily(ip)) errs.push(invalid(`${field}[${i}]`, ip, INVALID_IP_MESSAGE));
  });
  if (list.length <= 1) return errs;
  const dups: Cause[] = [];
  const seen = new Set<string>();
  ips.forEach((ip, i) => {
    if (seen.has(ip)) dups.push(goDuplicate(`${field}[${i}]`, goIP(type, list[i])));
    seen.add(ip);
  });
  // netutils.IsDualStackIPStrings: an unparsable entry is an error, else one of each family
  const families = ips.map(ipFamily);
  const bad = families.indexOf(0);
  const family: Cause[] = [];
  if (bad >= 0) family.push(internalError(field, `failed to check for dual stack with error:invalid IP[${bad}]: ${ips[bad]}`));
  const dualStack = bad < 0 && families.includes(4) && families.includes(6);
  if (!dualStack || list.length > 2) family.push(goInvalid(field, goIPList(type, list), ONE_PER_FAMILY));
  // validateHostIPs reports duplicates before the family rule, validatePodIPs after it
  return errs.concat(dupFirst ? [...dups, ...family] : [...family, ...dups]);
}

/** validateHostIPs: hostIP must be hostIPs[0] when hostIPs is set. */
function validateHostIPs(status: KObject): Cause[] {
  const list = arr(status.hostIPs);
  if (list.length === 0) return [];
  const errs: Cause[] = [];
  const first = isObj(list[0]) ? str(list[0].ip) : '';
  if (str(status.hostIP) !== first) errs.push(invalid('status.hostIPs[0].ip', first, 'must be equal to `hostIP`'));
  return errs.concat(validateIPList('HostIP', list, 'status.hostIPs', true));
}

/** validatePodConditions: custom condition types must be qualified names (upstream's path really is metadata.conditions). */
function validatePodConditions(conditions: unknown): Cause[] {
  const errs: Cause[] = [];
  const system = new Set(['PodScheduled', 'Ready', 'Initialized']);
  arr(conditions).forEach((c, i) => {
    if (!isObj(c)) return;
    const type = str(c.type);
    if (system.has(type)) return;
    for (const m of isQualifiedName(type)) errs.push(invalid(`metadata.conditions[${i}].Type`, type, m));
  });
  return errs;
}

const isTerminated = (s: unknown): boolean => isObj(s) && isObj(s.state) && isObj(s.state.terminated);
const exitCode = (s: KObject): number => (typeof s.state.terminated.exitCode === 'number' ? s.state.terminated.exitCode : 0);

/**
 * ValidateContainerStateTransition / ValidateInitContainerStateTransition: unless the pod restarts
 * its containers, a terminated container may not go back to running or waiting.
 */
function validateStateTransition(newList: unknown, oldList: unknown, field: string, restartPolicy: string, restartable: (name: string) => boolean = () => false): Cause[] {
  const errs: Cause[] = [];
  if (restartPolicy === 'Always') return errs;
  arr(oldList).forEach((old, i) => {
    if (!isTerminated(old)) return;
    if (exitCode(old) !== 0 && restartPolicy === 'OnFailure') return;
    if (restartable(str(old.name))) return;
    for (const s of arr(newList)) {
      if (isObj(s) && str(s.name) === str(old.name) && !isTerminated(s))
        errs.push(forbidden(`${field}[${i}].state`, 'may not be transitioned to non-terminated state'));
    }
  });
  return errs;
}

/** validatePodResourceClaimStatuses: each entry names one of spec.resourceClaims, once. */
function validateResourceClaimStatuses(statuses: unknown, claims: unknown): Cause[] {
  const errs: Cause[] = [];
  const names = new Set(arr(claims).filter(isObj).map((c) => str(c.name)));
  const seen = new Set<string>();
  arr(statuses).forEach((s, i) => {
    if (!isObj(s)) return;
    const p = `status.resourceClaimStatuses[${i}].name`;
    const name = str(s.name);
    if (!names.has(name)) errs.push(invalid(p, name, 'must match the name of an entry in `spec.resourceClaims`'));
    if (seen.has(name)) errs.push(duplicate(p, name));
    seen.add(name);
    // upstream reports a bad resourceClaimName under .name too
    if (typeof s.resourceClaimName === 'string') for (const m of isDNS1123Subdomain(s.resourceClaimName)) errs.push(invalid(p, s.resourceClaimName, m));
  });
  return errs;
}

const ID_RANGE = 'must be between 0 and 2147483647, inclusive';
const validID = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 2147483647;

/** validateContainerStatusUsers: user.linux ids in range; none on a windows pod (upstream's path skips `.user`). */
function validateContainerStatusUsers(statuses: unknown, field: string, osName: string): Cause[] {
  const errs: Cause[] = [];
  arr(statuses).forEach((s, i) => {
    if (!isObj(s) || !isObj(s.user)) return;
    const linux = s.user.linux;
    const p = `${field}[${i}].linux`;
    if (osName === 'windows') {
      if (linux !== undefined && linux !== null) errs.push(forbidden(p, 'cannot be set for a windows pod'));
      return;
    }
    if (osName !== 'linux' || !isObj(linux)) return;
    if (!validID(linux.uid)) errs.push(invalid(`${p}.uid`, linux.uid, ID_RANGE));
    if (!validID(linux.gid)) errs.push(invalid(`${p}.gid`, linux.gid, ID_RANGE));
    arr(linux.supplementalGroups).forEach((g, j) => {
      if (!validID(g)) errs.push(invalid(`${p}.supplementalGroups[${j}]`, g, ID_RANGE));
    });
  });
  return errs;
}

const HEALTH = ['Healthy', 'Unhealthy', 'Unknown'];

/** validateContainerStatusAllocatedResourcesStatus: names match the container's requests or claims; known health; unique resourceIDs. */
function validateAllocatedResourcesStatus(statuses: unknown, field: string, containers: unknown): Cause[] {
  const errs: Cause[] = [];
  arr(statuses).forEach((s, i) => {
    if (!isObj(s)) return;
    const c = arr(containers).find((x) => isObj(x) && x.name === s.name);
    arr(s.allocatedResourcesStatus).forEach((ar, j) => {
      if (!isObj(ar)) return;
      const p = `${field}[${i}].allocatedResourcesStatus[${j}]`;
      const name = str(ar.name);
      // a status for a container the spec does not have is ignored (kubernetes#124915)
      if (c) {
        const claim = name.startsWith('claim:');
        const found = claim
          ? arr(c.resources?.claims).some((rc) => isObj(rc) && `claim:${str(rc.name)}${rc.request ? `/${str(rc.request)}` : ''}` === name)
          : isObj(c.resources?.requests) && Object.prototype.hasOwnProperty.call(c.resources.requests, name);
        if (!found)
          errs.push(
            invalid(`${p}.name`, name, claim ? "must match one of the container's resource claims in a format 'claim:<claimName>/<request>' or 'claim:<claimName>' if request is empty" : "must match one of the container's resource requests"),
          );
      }
      const ids = new Set<string>();
      arr(ar.resources).forEach((r, k) => {
        if (!isObj(r)) return;
        if (!HEALTH.includes(str(r.health))) errs.push(notSupported(`${p}.resources[${k}].health`, str(r.health), HEALTH));
        const id = str(r.resourceID);
        if (ids.has(id)) errs.push(duplicate(`${p}.resources[${k}].resourceID`, id));
        ids.add(id);
      });
    });
  });
  return errs;
}

/** validateContainerStatusNoAllocatedResourcesStatus (ephemeral containers). */
function validateNoAllocatedResourcesStatus(statuses: unknown, field: string): Cause[] {
  return arr(statuses).flatMap((s, i) =>
    isObj(s) && arr(s.allocatedResourcesStatus).length > 0 ? [forbidden(`${field}[${i}].allocatedResourcesStatus`, 'must not be specified in container status')] : [],
  );
}

const MIRROR = 'kubernetes.io/config.mirror';
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';
const SECCOMP_POD = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const annPath = (k: string) => `metadata.annotations[${k}]`;

/** helper.GetDeletionCostFromPodAnnotations: a 32-bit integer without a plus sign or leading zeros. */
function deletionCostValid(v: string): boolean {
  if (!/^(-?[1-9]\d*|0|-0)$/.test(v)) return false;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647;
}

/** ValidateSeccompProfile (localhost/ profiles: validateLocalDescendingPath). */
function seccompProfileErrors(p: string, field: string): Cause[] {
  if (p === 'runtime/default' || p === 'docker/default' || p === 'unconfined') return [];
  if (p.startsWith('localhost/')) {
    const target = p.slice('localhost/'.length);
    const errs: Cause[] = [];
    if (target.startsWith('/')) errs.push(invalid(field, target, 'must be a relative path'));
    if (target.split(/[\\/]/).includes('..')) errs.push(invalid(field, target, "must not contain '..'"));
    return errs;
  }
  return [invalid(field, p, 'must be a valid seccomp profile')];
}

/**
 * ValidatePodSpecificAnnotationUpdates + ValidatePodSpecificAnnotations, which pods/status runs
 * too because a status write may change metadata. The tolerations annotation is not checked.
 */
export function validatePodAnnotationUpdates(newPod: KObject, oldPod: KObject): Cause[] {
  const errs: Cause[] = [];
  const ann: Record<string, unknown> = isObj(newPod.metadata?.annotations) ? newPod.metadata.annotations : {};
  const oldAnn: Record<string, unknown> = isObj(oldPod.metadata?.annotations) ? oldPod.metadata.annotations : {};
  for (const [k, v] of Object.entries(oldAnn)) {
    if (k in ann && ann[k] === v) continue;
    if (k.startsWith(APPARMOR_PREFIX)) errs.push(forbidden(annPath(k), 'may not remove or update AppArmor annotations'));
    if (k === MIRROR) errs.push(forbidden(annPath(k), 'may not remove or update mirror pod annotation'));
  }
  for (const k of Object.keys(ann)) {
    if (k in oldAnn) continue;
    if (k.startsWith(APPARMOR_PREFIX)) errs.push(forbidden(annPath(k), 'may not add AppArmor annotations'));
    if (k === MIRROR) errs.push(forbidden(annPath(k), 'may not add mirror pod annotation'));
  }
  const spec: KObject = isObj(newPod.spec) ? newPod.spec : {};
  if (MIRROR in ann && !str(spec.nodeName)) errs.push(invalid(annPath(MIRROR), ann[MIRROR], 'must set spec.nodeName if mirror pod annotation is set'));
  // AllowInvalidPodDeletionCost: an invalid value already stored may stay
  const cost = ann[DELETION_COST];
  const oldCost = oldAnn[DELETION_COST];
  const oldInvalid = typeof oldCost === 'string' && !deletionCostValid(oldCost);
  if (typeof cost === 'string' && !oldInvalid && !deletionCostValid(cost)) errs.push(invalid(annPath(DELETION_COST), cost, 'must be a 32bit integer'));
  // ValidateSeccompPodAnnotations (upstream joins these paths with '.', not as keys)
  if (typeof ann[SECCOMP_POD] === 'string') errs.push(...seccompProfileErrors(ann[SECCOMP_POD] as string, `metadata.annotations.${SECCOMP_POD}`));
  for (const [k, v] of Object.entries(ann)) {
    if (k.startsWith(SECCOMP_CONTAINER_PREFIX) && typeof v === 'string') errs.push(...seccompProfileErrors(v, `metadata.annotations.${k}`));
  }
  // ValidateAppArmorPodAnnotations
  const names = new Set([...arr(spec.containers), ...arr(spec.initContainers), ...arr(spec.ephemeralContainers)].filter(isObj).map((c) => str(c.name)));
  for (const [k, v] of Object.entries(ann)) {
    if (!k.startsWith(APPARMOR_PREFIX)) continue;
    const container = k.slice(APPARMOR_PREFIX.length);
    if (!names.has(container)) errs.push(invalid(annPath(k), container, 'container not found'));
    const p = str(v);
    if (p !== '' && p !== 'runtime/default' && p !== 'unconfined' && !p.startsWith('localhost/'))
      errs.push(invalid(annPath(k), p, `invalid AppArmor profile name: ${JSON.stringify(p)}`));
  }
  return errs;
}

/**
 * ValidatePodStatusUpdate, after podStatusStrategy.PrepareForUpdate (spec is the old one, metadata
 * the new one but for ownerReferences and deletionTimestamp). The registry has already run
 * ValidateObjectMetaUpdate.
 */
export function validatePodStatusUpdate(newPod: KObject, oldPod: KObject): Cause[] {
  const st: KObject = isObj(newPod.status) ? newPod.status : {};
  const oldSt: KObject = isObj(oldPod.status) ? oldPod.status : {};
  const spec: KObject = isObj(newPod.spec) ? newPod.spec : {};
  const oldSpec: KObject = isObj(oldPod.spec) ? oldPod.spec : {};
  const errs = validatePodAnnotationUpdates(newPod, oldPod);
  errs.push(...validatePodConditions(st.conditions));
  if (str(spec.nodeName) !== str(oldSpec.nodeName)) errs.push(forbidden('status.nodeName', 'may not be changed directly'));
  const nominated = str(st.nominatedNodeName);
  if (nominated && nominated !== str(oldSt.nominatedNodeName))
    for (const m of isDNS1123Subdomain(nominated)) errs.push(invalid('status.nominatedNodeName', nominated, m));
  if (str(st.qosClass) !== str(oldSt.qosClass)) errs.push(invalid('status.qosClass', str(st.qosClass), FIELD_IMMUTABLE));
  const restartPolicy = str(oldSpec.restartPolicy);
  const restartableInit = new Set(arr(oldSpec.initContainers).filter((c) => isObj(c) && c.restartPolicy === 'Always').map((c) => str(c.name)));
  errs.push(...validateStateTransition(st.containerStatuses, oldSt.containerStatuses, 'status.containerStatuses', restartPolicy));
  errs.push(...validateStateTransition(st.initContainerStatuses, oldSt.initContainerStatuses, 'status.initContainerStatuses', restartPolicy, (n) => restartableInit.has(n)));
  // the kubelet never restarts ephemeral containers: an implicit restartPolicy Never
  errs.push(...validateStateTransition(st.ephemeralContainerStatuses, oldSt.ephemeralContainerStatuses, 'status.ephemeralContainerStatuses', 'Never'));
  errs.push(...validateResourceClaimStatuses(st.resourceClaimStatuses, spec.resourceClaims));
  errs.push(...validateIPList('PodIP', arr(st.podIPs), 'status.podIPs', false));
  errs.push(...validateHostIPs(st));
  const osName = isObj(spec.os) ? str(spec.os.name) : 'linux';
  errs.push(...validateContainerStatusUsers(st.containerStatuses, 'status.containerStatuses', osName));
  errs.push(...validateContainerStatusUsers(st.initContainerStatuses, 'status.initContainerStatuses', osName));
  errs.push(...validateContainerStatusUsers(st.ephemeralContainerStatuses, 'status.ephemeralContainerStatuses', osName));
  errs.push(...validateAllocatedResourcesStatus(st.containerStatuses, 'status.containerStatuses', spec.containers));
  errs.push(...validateAllocatedResourcesStatus(st.initContainerStatuses, 'status.initContainerStatuses', spec.initContainers));
  errs.push(...validateNoAllocatedResourcesStatus(st.ephemeralContainerStatuses, 'status.ephemeralContainerStatuses'));
  return errs;
}
