// pods/{name}/eviction (policy/v1 Eviction; policy/v1beta1 bodies accepted): upstream
// pkg/registry/core/pod/storage/eviction.go (EvictionREST.Create, checkAndDecrement,
// addConditionAndDeletePod), component-helpers/apps/poddisruptionbudget (UpdateDisruptionAllowedCondition),
// plugin/pkg/admission/namespace/lifecycle for the terminating-namespace refusal.
//
// An eviction is a DELETE guarded by the pod's PodDisruptionBudget: the budget's
// status.disruptionsAllowed is checked and decremented, and the pod recorded in
// status.disruptedPods (that status write is the reservation the disruption controller honours),
// before the pod is marked DisruptionTarget and deleted with the eviction's deleteOptions.
import type { KObject } from '../types.js';
import type { DeleteOptions, Registry } from '../../registry/registry.js';
import { badRequest, conflict, forbidden, notFound, StatusError } from '../../registry/errors.js';
import { typeMetaError } from '../../registry/typemeta.js';
import { decodeDeleteOptions } from '../../server/deleteoptions.js';
import { labelSelectorFromObject, matches, SelectorParseError } from '../../registry/selectors.js';
import { nowRFC3339 } from '../../registry/meta.js';

/** MaxDisruptedPodSize: past this many unconfirmed evictions the budget refuses more. */
export const MAX_DISRUPTED_POD_SIZE = 2000;
export const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";
export const MULTIPLE_PDBS = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';
/** the field manager of the apiserver's loopback client that writes the budget's status */
const APISERVER = { fieldManager: 'kube-apiserver', subresource: 'status' };
const EVICTION_DEF = { group: 'policy', version: 'v1', kind: 'Eviction' };
const POD_RES = { group: '', plural: 'Pod' }; // errors.NewConflict(schema.GroupResource{Resource: "Pod"}, ...)
const PDB_RES = { group: 'policy', plural: 'poddisruptionbudget' }; // policy.Resource("poddisruptionbudget")

export interface EvictionOptions {
  /** CreateOptions.dryRun from the query (`?dryRun=All`) */
  dryRun?: string[];
}

/** What the handler answers: a Status (Success 201, or the 500 of several budgets). */
export interface EvictionResult {
  code: number;
  status: KObject;
}

const isMap = (v: unknown): v is KObject => !!v && typeof v === 'object' && !Array.isArray(v);

/** errors.NewTooManyRequests with the DisruptionBudget cause. */
function tooManyRequests(cause: string, retryAfterSeconds: number): StatusError {
  const details: KObject = { causes: [{ reason: 'DisruptionBudget', message: cause }] };
  if (retryAfterSeconds > 0) details.retryAfterSeconds = retryAfterSeconds;
  return new StatusError(429, 'TooManyRequests', EVICTION_REFUSED, details);
}

/** createTooManyRequestsError: the budget is not yet observed, or the unhealthy pod became healthy. */
const stillProcessing = (pdbName: string) => tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`, 10);

/** The Eviction body: its type, name and namespace checked as the create handler and EvictionREST do. */
function checkEviction(body: KObject, namespace: string, name: string, registered: (av: string, k: string) => boolean): void {
  if (!isMap(body)) throw badRequest('Object is not a valid JSON object');
  // AcceptsGroupVersion: policy/v1 and policy/v1beta1
  if (!(body.kind === 'Eviction' && body.apiVersion === 'policy/v1beta1')) {
    const wrong = typeMetaError(EVICTION_DEF, body.kind, body.apiVersion, registered);
    if (wrong) throw wrong;
  }
  const meta = isMap(body.metadata) ? body.metadata : {};
  if (meta.namespace && meta.namespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
}

/** EvictionREST.Create's first check, after admission. */
function checkName(body: KObject, name: string): void {
  const meta = isMap(body.metadata) ? body.metadata : {};
  if ((typeof meta.name === 'string' ? meta.name : '') !== name) throw badRequest('name in URL does not match name in Eviction object');
}

/** propagateDryRun: the query's dryRun goes into the eviction's deleteOptions; both set must agree. */
function deleteOptionsOf(body: KObject, queryDryRun: string[] | undefined): { opts: DeleteOptions; dryRun: boolean; rvSet: boolean } {
  const raw = body.deleteOptions;
  const q = queryDryRun ?? [];
  const fromBody: string[] = isMap(raw) && Array.isArray(raw.dryRun) ? raw.dryRun : [];
  if (q.length && fromBody.length && JSON.stringify(q) !== JSON.stringify(fromBody))
    // a plain error upstream: ErrorToAPIStatus makes it a 500 without a reason
    throw new StatusError(500, '', `Non-matching dry-run options in request and content: [${q.join(' ')}] and [${fromBody.join(' ')}]`);
  if (raw !== undefined && raw !== null && !isMap(raw))
    throw badRequest(`json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go struct field Eviction.deleteOptions of type v1.DeleteOptions`);
  const merged: KObject = isMap(raw) ? { ...raw } : {};
  if (!fromBody.length && q.length) merged.dryRun = q;
  const opts = decodeDeleteOptions(merged);
  return { opts, dryRun: !!opts.dryRun, rvSet: !!opts.preconditions?.resourceVersion };
}

/** NamespaceLifecycle admission: no eviction (a create) in a missing or terminating namespace. */
function admitNamespace(registry: Registry, namespace: string, name: string): void {
  const nsDef = registry.def('', 'namespaces');
  if (!nsDef) return;
  const ns = registry.tryGet(nsDef, '', namespace);
  if (!ns) throw notFound(nsDef, namespace);
  if (ns.status?.phase === 'Terminating' || ns.metadata?.deletionTimestamp)
    throw forbidden({ group: '', plural: 'pods' }, name, `unable to create new content in namespace ${namespace} because it is being terminated`, [
      { reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' },
    ]);
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: KObject): boolean {
  const conds = Array.isArray(pod.status?.conditions) ? pod.status.conditions : [];
  return conds.some((c: KObject) => c?.type === 'Ready' && c.status === 'True');
}

/** canIgnorePDB: terminal, pending or already terminating pods are deleted without a budget check. */
function canIgnorePDB(pod: KObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata?.deletionTimestamp;
}

/** shouldEnforceResourceVersion: a Pending pod may turn ready meanwhile; terminal or terminating ones not. */
function shouldEnforceResourceVersion(pod: KObject): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp);
}

/** getPodDisruptionBudgets: the budgets whose (non-empty, valid) selector matches the pod's labels. */
export function podDisruptionBudgetsFor(registry: Registry, pod: KObject): KObject[] {
  const pdbDef = registry.def('policy', 'poddisruptionbudgets');
  if (!pdbDef) return [];
  const list = registry.list(pdbDef, pod.metadata.namespace).items as KObject[];
  return list.filter((pdb) => {
    let sel;
    try {
      sel = labelSelectorFromObject(pdb.spec?.selector);
    } catch (e) {
      if (e instanceof SelectorParseError) return false; // an invalid selector matches no pod
      throw e;
    }
    // a nil or empty selector matches nothing here (unlike the disruption controller's lister)
    return !sel.nothing && sel.requirements.length > 0 && matches(sel, pod.metadata.labels);
  });
}

/**
 * apimeta.SetStatusCondition for the budget's DisruptionAllowed condition: lastTransitionTime
 * moves only when the status flips. Exported for the disruption controller.
 */
export function setDisruptionAllowedCondition(pdb: KObject, status: 'True' | 'False', reason: string, message: string, nowMs: number): void {
  const st = (pdb.status ??= {});
  const conds: KObject[] = Array.isArray(st.conditions) ? st.conditions : (st.conditions = []);
  // metav1.Condition in its Go field order (observedGeneration is omitempty)
  const next: KObject = { type: 'DisruptionAllowed', status };
  if (st.observedGeneration) next.observedGeneration = st.observedGeneration;
  Object.assign(next, { lastTransitionTime: nowRFC3339(nowMs), reason, message });
  const i = conds.findIndex((c) => c?.type === 'DisruptionAllowed');
  if (i < 0) conds.push(next);
  else {
    if (conds[i].status === status && conds[i].lastTransitionTime) next.lastTransitionTime = conds[i].lastTransitionTime;
    conds[i] = next;
  }
}

/** pdbhelper.UpdateDisruptionAllowedCondition: SufficientPods while disruptions are allowed, else InsufficientPods. */
export function updateDisruptionAllowedCondition(pdb: KObject, nowMs: number): void {
  if ((pdb.status?.disruptionsAllowed ?? 0) > 0) setDisruptionAllowedCondition(pdb, 'True', 'SufficientPods', '', nowMs);
  else setDisruptionAllowedCondition(pdb, 'False', 'InsufficientPods', '', nowMs);
}

/** checkAndDecrement: refuse (429/403) or take one disruption from the budget, recording the pod. */
function checkAndDecrement(registry: Registry, pdbIn: KObject, podName: string, dryRun: boolean): void {
  const pdb = structuredClone(pdbIn);
  const st = (pdb.status ??= {});
  const allowed = st.disruptionsAllowed ?? 0;
  if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw stillProcessing(pdb.metadata.name);
  if (allowed < 0) throw forbidden(PDB_RES, pdb.metadata.name, 'pdb disruptions allowed is negative');
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE)
    throw forbidden(PDB_RES, pdb.metadata.name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (allowed === 0)
    throw tooManyRequests(`The disruption budget ${pdb.metadata.name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`, 0);
  st.disruptionsAllowed = allowed - 1;
  const now = Date.now();
  if (st.disruptionsAllowed === 0) updateDisruptionAllowedCondition(pdb, now);
  if (dryRun) return;
  st.disruptedPods = { ...(isMap(st.disruptedPods) ? st.disruptedPods : {}), [podName]: nowRFC3339(now) };
  registry.update(registry.mustDef('policy', 'poddisruptionbudgets'), pdb.metadata.namespace, pdb.metadata.name, pdb, APISERVER);
}

/**
 * addConditionAndDeletePod: unless dry-run, the live pod gets DisruptionTarget=True
 * (EvictionByEvictionAPI) through the status strategy, the preconditions checked against it, then
 * the pod is deleted with the eviction's options (a resourceVersion precondition follows the write).
 */
function addConditionAndDeletePod(registry: Registry, namespace: string, name: string, options: DeleteOptions): void {
  const podDef = registry.mustDef('', 'pods');
  let opts = options;
  if (!options.dryRun) {
    const live = registry.get(podDef, namespace, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== live.metadata.uid)
      throw conflict(POD_RES, name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${live.metadata.uid}). The object might have been deleted and then recreated`);
    if (pre?.resourceVersion && pre.resourceVersion !== live.metadata.resourceVersion)
      throw conflict(POD_RES, name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${live.metadata.resourceVersion}). The object might have been modified`);
    const status = (live.status ??= {});
    const conds: KObject[] = Array.isArray(status.conditions) ? status.conditions : (status.conditions = []);
    const cond = { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: nowRFC3339(), reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' };
    const i = conds.findIndex((c) => c?.type === 'DisruptionTarget');
    if (i < 0) conds.push(cond);
    else {
      if (conds[i].status === 'True') cond.lastTransitionTime = conds[i].lastTransitionTime;
      conds[i] = cond;
    }
    // the eviction REST writes through the pod status store itself, below the handlers' field
    // manager: managedFields stay as they are
    const r = registry.update(podDef, namespace, name, live, { subresource: 'status', managedFieldsComputed: true });
    if (pre?.resourceVersion) opts = { ...options, preconditions: { ...pre, resourceVersion: r.object.metadata.resourceVersion } };
  }
  registry.delete(podDef, namespace, name, opts);
}

/** POST pods/{name}/eviction. Throws the StatusError the API server answers with. */
export function evictPod(registry: Registry, namespace: string, name: string, body: KObject, options: EvictionOptions = {}): EvictionResult {
  // the create handler: decoding, the namespace, admission (NamespaceLifecycle); then EvictionREST.Create
  checkEviction(body, namespace, name, registry.isRegistered);
  admitNamespace(registry, namespace, name);
  checkName(body, name);
  const { opts: original, dryRun, rvSet } = deleteOptionsOf(body, options.dryRun);
  const podDef = registry.mustDef('', 'pods');
  const success = (): EvictionResult => ({ code: 201, status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } });

  // in-process the read and the writes below are one synchronous step: the conflict retries of
  // EvictionREST (EvictionsRetry) cannot be needed
  const pod = registry.get(podDef, namespace, name);
  if (canIgnorePDB(pod)) {
    let opts = original;
    if (shouldEnforceResourceVersion(pod) && !rvSet) opts = { ...original, preconditions: { ...original.preconditions, resourceVersion: pod.metadata.resourceVersion } };
    addConditionAndDeletePod(registry, namespace, name, opts);
    return success();
  }

  const pdbs = podDisruptionBudgetsFor(registry, pod);
  if (pdbs.length > 1) return { code: 500, status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: MULTIPLE_PDBS, code: 500 } };
  let pinResourceVersion = false;
  let pdbName = '';
  if (pdbs.length === 1) {
    const pdb = pdbs[0];
    pdbName = pdb.metadata.name;
    let decided = false;
    // IsPodReady is the health check: an unhealthy pod does not count towards currentHealthy
    if (!isPodReady(pod)) {
      if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') decided = true;
      else {
        // IfHealthyBudget (the default): only while the application is not disrupted
        const st = pdb.status ?? {};
        if ((st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0) decided = true;
      }
      // the pod must still be unready when deleted
      pinResourceVersion = decided;
    }
    if (!decided) checkAndDecrement(registry, pdb, pod.metadata.name, dryRun);
  }

  let opts = original;
  if (pinResourceVersion) opts = { ...original, preconditions: { ...original.preconditions, resourceVersion: pod.metadata.resourceVersion } };
  try {
    addConditionAndDeletePod(registry, namespace, name, opts);
  } catch (err) {
    // the unready pod changed (became ready?) and the client named no resourceVersion: retry later
    if (err instanceof StatusError && err.code === 409 && pinResourceVersion && !rvSet) throw stillProcessing(pdbName);
    throw err;
  }
  return success();
}
