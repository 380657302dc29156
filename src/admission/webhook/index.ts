// Admission webhooks: MutatingAdmissionWebhook and ValidatingAdmissionWebhook
// (staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/: generic/webhook.go ShouldCallHook,
// predicates/{rules,namespace,object}, mutating/dispatcher.go, validating/dispatcher.go,
// request/admissionreview.go, errors/statuserror.go, matchconditions/matcher.go).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from '../../registry/registry.js';
import type { KObject, ResourceDef } from '../../resources/types.js';
import { badRequest, internalError, StatusError } from '../../registry/errors.js';
import { labelSelectorMatches } from '../../resources/labelselector.js';
import { applyJSONPatch } from '../../patch/merge.js';
import { jsonEqual } from '../../util/equal.js';
import type { AdmissionAttributes, AdmissionChain, AdmissionResult, MutatingAdmitter, ValidatingAdmitter } from '../types.js';
import { compileExpression, celRuntimeError, MATCH_CONDITION_VARIABLES } from '../cel.js';
import { CallError, postJSON, type ClientConfig } from './client.js';

type Cheap = Pick<AdmissionAttributes, 'operation' | 'resource' | 'subresource'>;

/** One webhook of one configuration, in dispatch order. */
interface Hook {
  config: string;
  name: string;
  w: KObject;
}

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The configurations of one kind, re-read when one changes (sorted by name, then webhook order: upstream's accessors). */
class HookSource {
  private hooks: Hook[] | undefined;
  constructor(private registry: Registry, private def: ResourceDef | undefined) {
    if (def) registry.watch(def, undefined, () => (this.hooks = undefined));
  }
  list(): Hook[] {
    if (this.hooks) return this.hooks;
    const out: Hook[] = [];
    if (this.def) {
      const items = this.registry.listEntries(this.def, undefined).entries.map((e) => JSON.parse(e.json) as KObject);
      items.sort((a, b) => (a.metadata?.name < b.metadata?.name ? -1 : a.metadata?.name > b.metadata?.name ? 1 : 0));
      for (const c of items) for (const w of Array.isArray(c.webhooks) ? c.webhooks : []) if (isObj(w)) out.push({ config: String(c.metadata?.name ?? ''), name: String(w.name ?? ''), w });
    }
    return (this.hooks = out);
  }
}

// --- predicates/rules ----------------------------------------------------------------------------

function splitResource(r: string): [string, string] {
  const i = r.indexOf('/');
  return i < 0 ? [r, ''] : [r.slice(0, i), r.slice(i + 1)];
}

const has = (list: unknown, v: string) => Array.isArray(list) && (list.includes('*') || list.includes(v));

/** rules.Matcher: operation, group, version, resource/subresource and scope. `version` undefined: any. */
function ruleMatches(rule: KObject, op: string, group: string, version: string | undefined, resource: string, sub: string, namespaced?: boolean): boolean {
  if (!has(rule.operations, op)) return false;
  if (!has(rule.apiGroups, group)) return false;
  if (version !== undefined && !has(rule.apiVersions, version)) return false;
  if (!(Array.isArray(rule.resources) && rule.resources.some((r: unknown) => {
    const [res, s] = splitResource(String(r));
    return (res === '*' || res === resource) && (s === '*' || s === sub);
  }))) return false;
  if (namespaced === undefined) return true;
  switch (rule.scope ?? '*') {
    case 'Cluster': return !namespaced;
    case 'Namespaced': return namespaced;
    default: return true;
  }
}

function anyRule(w: KObject, op: string, group: string, version: string | undefined, resource: string, sub: string, namespaced?: boolean): boolean {
  return Array.isArray(w.rules) && w.rules.some((r: unknown) => isObj(r) && ruleMatches(r, op, group, version, resource, sub, namespaced));
}

/** IsExemptAdmissionConfigurationResource: webhook and policy configurations are never sent to webhooks. */
function exempt(group: string, resource: string): boolean {
  return group === 'admissionregistration.k8s.io' && /^(validating|mutating)(webhookconfigurations|admissionpolicies|admissionpolicybindings)$/.test(resource);
}

interface Invocation {
  resource: { group: string; version: string; resource: string };
  kind: { group: string; version: string; kind: string };
  /** the object converted to the matched version (the same object when exact) */
  object?: KObject;
  oldObject?: KObject;
  /** matched through an equivalent resource: a patch applies to the converted object */
  converted?: boolean;
}

export interface WebhookAdmissionOptions {
  registry: Registry;
  logger?: Logger;
}

/** The shared matching and calling of both plugins. */
class WebhookDispatcher {
  constructor(private opts: WebhookAdmissionOptions) {}

  defFor(r: { group: string; version: string; resource: string }): ResourceDef | undefined {
    return this.opts.registry.defAt(r.group, r.version, r.resource);
  }

  /** handles(): whether some webhook's rules name the resource (ignoring version: Equivalent matches others). */
  anyFor(source: HookSource, a: Cheap): boolean {
    const hooks = source.list();
    if (!hooks.length || exempt(a.resource.group, a.resource.resource)) return false;
    return hooks.some((h) => anyRule(h.w, a.operation, a.resource.group, undefined, a.resource.resource, a.subresource) || (h.w.matchPolicy !== 'Exact' && this.equivalentNamed(h.w, a)));
  }

  /** Whether a webhook's rules name a resource stored with this one (checked only when the exact rules did not match). */
  private equivalentNamed(w: KObject, a: Cheap): boolean {
    const def = this.opts.registry.defAt(a.resource.group, a.resource.version, a.resource.resource);
    if (!def) return false;
    const key = (d: ResourceDef) => `${(d.storage ?? d).group}/${(d.storage ?? d).plural}`;
    const mine = key(def);
    return this.opts.registry.allDefs().some((d) => d !== def && key(d) === mine && anyRule(w, a.operation, d.group, undefined, d.plural, a.subresource));
  }

  /** namespace.Matcher: the namespace's labels (the namespace object itself for namespaces). */
  private namespaceMatches(w: KObject, a: AdmissionAttributes): boolean {
    const sel = w.namespaceSelector;
    if (isObj(sel) && !Object.keys(sel).length) return true;
    if (sel === undefined || sel === null) return true;
    let labels: Record<string, string> | undefined;
    if (a.resource.group === '' && a.resource.resource === 'namespaces') {
      labels = (a.object ?? a.oldObject)?.metadata?.labels;
    } else {
      // cluster-scoped resources are not filtered by a namespaceSelector
      if (!a.def.namespaced || !a.namespace) return true;
      const nsDef = this.opts.registry.def('', 'namespaces');
      labels = nsDef ? this.opts.registry.tryGet(nsDef, '', a.namespace)?.metadata?.labels : undefined;
    }
    return labelSelectorMatches(sel, labels ?? {});
  }

  /** object.Matcher: the new or the old object's labels. */
  private objectMatches(w: KObject, a: AdmissionAttributes): boolean {
    const sel = w.objectSelector;
    if (sel === undefined || sel === null || (isObj(sel) && !Object.keys(sel).length)) return true;
    const m = (o: KObject | undefined) => !!o && labelSelectorMatches(sel, o.metadata?.labels ?? {});
    return m(a.object) || m(a.oldObject);
  }

  /** generic/webhook.go ShouldCallHook: selectors, then the rules (exact, then an equivalent resource). */
  invocationFor(h: Hook, a: AdmissionAttributes): Invocation | undefined {
    const w = h.w;
    if (!this.namespaceMatches(w, a) || !this.objectMatches(w, a)) return undefined;
    const namespaced = a.def.namespaced && !(a.resource.group === '' && a.resource.resource === 'namespaces');
    if (anyRule(w, a.operation, a.resource.group, a.resource.version, a.resource.resource, a.subresource, namespaced))
      return { resource: a.resource, kind: a.kind, object: a.object, oldObject: a.oldObject };
    if ((w.matchPolicy ?? 'Equivalent') !== 'Equivalent') return undefined;
    // the same storage served as another resource or version (a CRD's versions, autoscaling v1/v2,
    // events.k8s.io Events): the objects converted to it, as upstream's equivalent resource registry
    const stored = (d: ResourceDef) => `${(d.storage ?? d).group}/${(d.storage ?? d).plural}`;
    const mine = stored(a.def);
    for (const d of this.opts.registry.allDefs()) {
      if (d === a.def || stored(d) !== mine || (d.group === a.resource.group && d.version === a.resource.version && d.plural === a.resource.resource)) continue;
      if (!anyRule(w, a.operation, d.group, d.version, d.plural, a.subresource, namespaced)) continue;
      const conv = (o?: KObject): KObject | undefined => {
        if (!o) return o;
        const s = a.def.storage ? a.def.storage.toStorage(structuredClone(o)) : structuredClone(o);
        return d.storage ? d.storage.fromStorage(s) : s;
      };
      return { resource: { group: d.group, version: d.version, resource: d.plural }, kind: { group: d.group, version: d.version, kind: d.kind }, object: conv(a.object), oldObject: conv(a.oldObject), converted: true };
    }
    return undefined;
  }

  /** matchconditions.Matcher: every condition true; an error follows the failure policy. */
  async matchConditions(h: Hook, a: AdmissionAttributes, inv: Invocation): Promise<{ match: boolean; error?: string }> {
    const mcs = Array.isArray(h.w.matchConditions) ? h.w.matchConditions : [];
    if (!mcs.length) return { match: true };
    const vars = { object: inv.object ?? null, oldObject: inv.oldObject ?? null, request: reviewRequest(a, inv, '') };
    const errors: string[] = [];
    for (const mc of mcs) {
      if (!isObj(mc)) continue;
      const p = await compileExpression(String(mc.expression ?? ''), MATCH_CONDITION_VARIABLES);
      if ('error' in p) {
        errors.push(`compilation failed for expression ${JSON.stringify(mc.name)}: ${p.error}`);
        continue;
      }
      let r: unknown;
      try {
        r = p.eval(vars);
      } catch (e) {
        errors.push(`expression '${mc.name}' resulted in error: ${await celRuntimeError(e)}`);
        continue;
      }
      if (r === false) return { match: false };
      if (r !== true) errors.push(`expression '${mc.name}' resulted in error: no such overload`);
    }
    if (errors.length) return { match: false, error: errors.join('; ') };
    return { match: true };
  }

  /** Calls one webhook; answers its response (checked). Throws CallError (the caller applies the failure policy) or StatusError. */
  async call(h: Hook, a: AdmissionAttributes, inv: Invocation, mutating: boolean): Promise<KObject> {
    const w = h.w;
    // dispatcher.go: a webhook with side effects is not called on a dry run
    if (a.dryRun && !['None', 'NoneOnDryRun'].includes(String(w.sideEffects))) throw badRequest(`admission webhook ${JSON.stringify(h.name)} does not support dry run`);
    const versions = Array.isArray(w.admissionReviewVersions) ? w.admissionReviewVersions.map(String) : [];
    const version = versions.find((v: string) => v === 'v1' || v === 'v1beta1');
    if (!version) throw new CallError(`webhook does not accept known AdmissionReview versions`);
    const uid = randomUUID();
    const review = { kind: 'AdmissionReview', apiVersion: `admission.k8s.io/${version}`, request: reviewRequest(a, inv, uid) };
    let out: any;
    try {
      out = await postJSON(w.clientConfig as ClientConfig, this.opts.registry, review, typeof w.timeoutSeconds === 'number' ? w.timeoutSeconds : 10);
    } catch (e) {
      throw e instanceof CallError ? new CallError(`failed to call webhook: ${e.message}`) : e;
    }
    // request/admissionreview.go VerifyAdmissionResponse
    const invalid = (why: string) => new CallError(`received invalid webhook response: ${why}`);
    if (version === 'v1' && (out?.apiVersion !== 'admission.k8s.io/v1' || out?.kind !== 'AdmissionReview'))
      throw invalid(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${goGVK(out)}`);
    const resp = out?.response;
    if (!isObj(resp)) throw invalid('webhook response was absent');
    if (version === 'v1' && resp.uid !== uid) throw invalid(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(String(resp.uid ?? ''))}`);
    if (resp.patch !== undefined && resp.patch !== null && resp.patch !== '') {
      if (!mutating) throw invalid('validating webhook may not return response.patch');
      if (version === 'v1' && !resp.patchType) throw invalid('webhook returned response.patch but not response.patchType');
      if (resp.patchType && resp.patchType !== 'JSONPatch') throw invalid(`webhook returned invalid response.patchType of ${JSON.stringify(resp.patchType)}`);
    } else if (version === 'v1' && resp.patchType) throw invalid('webhook returned response.patchType but not response.patch');
    return resp;
  }

  /** What a failed call does under the webhook's failurePolicy: the 500 (Fail) or nothing (Ignore). */
  failure(h: Hook, err: unknown): StatusError | undefined {
    if (!(err instanceof CallError)) return err instanceof StatusError ? err : internalError(err);
    if (h.w.failurePolicy === 'Ignore') {
      this.opts.logger?.warn({ component: 'admission', webhook: h.name, err: err.message }, 'failed calling webhook, failing open');
      return undefined;
    }
    this.opts.logger?.warn({ component: 'admission', webhook: h.name, err: err.message }, 'failed calling webhook, failing closed');
    return internalError(`failed calling webhook ${JSON.stringify(h.name)}: ${err.message}`);
  }

  /** One webhook from selection to response; undefined when not called (no match, or failing open). */
  async run(h: Hook, a: AdmissionAttributes, mutating: boolean): Promise<{ resp: KObject; inv: Invocation } | undefined> {
    const inv = this.invocationFor(h, a);
    if (!inv) return undefined;
    const mc = await this.matchConditions(h, a, inv);
    if (mc.error) {
      const f = this.failure(h, new CallError(`failed to evaluate match conditions: ${mc.error}`));
      if (f) throw f;
      return undefined;
    }
    if (!mc.match) return undefined;
    try {
      const resp = await this.call(h, a, inv, mutating);
      if (resp.allowed !== true) throw toStatusError(h.name, resp.status);
      return { resp, inv };
    } catch (e) {
      if (e instanceof StatusError) throw e;
      const f = this.failure(h, e);
      if (f) throw f;
      return undefined;
    }
  }
}

function goGVK(o: any): string {
  const av = typeof o?.apiVersion === 'string' ? o.apiVersion : '';
  const gv = av.includes('/') ? av : `/${av}`;
  return `${gv}, Kind=${typeof o?.kind === 'string' ? o.kind : ''}`;
}

/** errors/statuserror.go ToStatusErr */
export function toStatusError(webhook: string, status: unknown): StatusError {
  const s: KObject = isObj(status) ? status : {};
  const deniedBy = `admission webhook ${JSON.stringify(webhook)} denied the request`;
  const code = typeof s.code === 'number' && s.code >= 400 ? s.code : 400;
  const message = s.message ? `${deniedBy}: ${s.message}` : s.reason ? `${deniedBy}: ${s.reason}` : `${deniedBy} without explanation`;
  const err = new StatusError(code, typeof s.reason === 'string' ? s.reason : '', message, isObj(s.details) ? (s.details as any) : undefined);
  if (isObj(s.metadata)) err.metadata = s.metadata;
  return err;
}

/** The AdmissionRequest (request/admissionreview.go CreateAdmissionObjects). */
function reviewRequest(a: AdmissionAttributes, inv: Invocation, uid: string): KObject {
  const user: KObject = { username: a.user.username };
  if (a.user.uid) user.uid = a.user.uid;
  if (a.user.groups?.length) user.groups = a.user.groups;
  if (a.user.extra && Object.keys(a.user.extra).length) user.extra = a.user.extra;
  const r: KObject = { uid, kind: inv.kind, resource: inv.resource };
  if (a.subresource) r.subResource = a.subresource;
  r.requestKind = a.kind;
  r.requestResource = a.resource;
  if (a.subresource) r.requestSubResource = a.subresource;
  if (a.name) r.name = a.name;
  if (a.namespace) r.namespace = a.namespace;
  r.operation = a.operation;
  r.userInfo = user;
  r.object = inv.object ?? null;
  r.oldObject = inv.oldObject ?? null;
  r.dryRun = a.dryRun;
  r.options = a.options ?? null;
  return r;
}

function decodePatch(patch: unknown): unknown {
  if (Array.isArray(patch)) return patch;
  const text = Buffer.from(String(patch), 'base64').toString('utf8');
  return JSON.parse(text);
}

function responseWarnings(resp: KObject): string[] {
  return Array.isArray(resp.warnings) ? resp.warnings.filter((w: unknown) => typeof w === 'string' && w.length > 0).map((w: string) => w.slice(0, 4096)) : [];
}

/** mutating/dispatcher.go: webhooks in order, each seeing the last one's output; IfNeeded ones once more when a later one changed the object. */
class MutatingWebhooks implements MutatingAdmitter {
  readonly name = 'MutatingAdmissionWebhook';
  constructor(private d: WebhookDispatcher, private source: HookSource) {}
  handles(a: Cheap): boolean {
    return this.d.anyFor(this.source, a);
  }
  async admit(a: AdmissionAttributes): Promise<AdmissionResult> {
    const warnings: string[] = [];
    let cur: AdmissionAttributes = a;
    const hooks = this.source.list();
    /** output of each IfNeeded webhook, to know whether a later one changed the object */
    const outputs = new Map<Hook, KObject | undefined>();
    let changedAfter = false;
    const one = async (h: Hook) => {
      const r = await this.d.run(h, cur, true);
      if (!r) return;
      warnings.push(...responseWarnings(r.resp));
      let changed = false;
      if (r.resp.patch && cur.object) {
        let ops: unknown;
        try {
          ops = decodePatch(r.resp.patch);
        } catch (e) {
          throw internalError(e);
        }
        let next: KObject;
        try {
          next = applyJSONPatch(structuredClone(r.inv.object ?? cur.object), ops) as KObject;
        } catch (e) {
          throw internalError(e);
        }
        if (!isObj(next)) throw internalError('the patched object is not an object');
        if (r.inv.converted) {
          // back in the request's version, through the storage both are views of
          const invDef = this.d.defFor(r.inv.resource);
          const s = invDef?.storage ? invDef.storage.toStorage(next) : next;
          next = cur.def.storage ? cur.def.storage.fromStorage(s) : s;
        }
        if (!jsonEqual(next, cur.object)) {
          changed = true;
          cur = { ...cur, object: next };
        }
      }
      if (changed) for (const k of outputs.keys()) if (k !== h) changedAfter = true;
      if (h.w.reinvocationPolicy === 'IfNeeded') outputs.set(h, cur.object);
    };
    for (const h of hooks) await one(h);
    // reinvocation: once, the IfNeeded webhooks whose output a later webhook changed
    if (changedAfter) {
      for (const [h, out] of [...outputs]) if (!jsonEqual(out, cur.object)) await one(h);
    }
    return { object: cur.object, warnings };
  }
}

/** validating/dispatcher.go: every matching webhook in parallel; the first refusal (in order) wins. */
class ValidatingWebhooks implements ValidatingAdmitter {
  readonly name = 'ValidatingAdmissionWebhook';
  constructor(private d: WebhookDispatcher, private source: HookSource) {}
  handles(a: Cheap): boolean {
    return this.d.anyFor(this.source, a);
  }
  async validate(a: AdmissionAttributes): Promise<AdmissionResult> {
    const results = await Promise.allSettled(this.source.list().map((h) => this.d.run(h, a, false)));
    const warnings: string[] = [];
    for (const r of results) if (r.status === 'fulfilled' && r.value) warnings.push(...responseWarnings(r.value.resp));
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed) throw failed.reason instanceof StatusError ? failed.reason : internalError(failed.reason);
    return { warnings };
  }
}

/** Adds both webhook plugins to the chain (mutating after the other mutating plugins, as upstream's plugin order). */
export function installWebhookAdmission(chain: AdmissionChain, opts: WebhookAdmissionOptions): void {
  const d = new WebhookDispatcher(opts);
  const reg = opts.registry;
  chain.mutating.push(new MutatingWebhooks(d, new HookSource(reg, reg.def('admissionregistration.k8s.io', 'mutatingwebhookconfigurations'))));
  chain.validating.push(new ValidatingWebhooks(d, new HookSource(reg, reg.def('admissionregistration.k8s.io', 'validatingwebhookconfigurations'))));
}
