// What apiextensions-apiserver runs inside kube-apiserver for CustomResourceDefinitions: the
// naming controller (acceptedNames, NamesAccepted), the establishing controller (Established), the
// crdHandler's per-CRD serving (kinds registered while a CRD is established and rebuilt when it
// changes) and the finalizer controller (customresourcecleanup: every custom resource deleted,
// then the CRD). Upstream: pkg/controller/status/naming_controller.go,
// pkg/controller/establish/establishing_controller.go, pkg/controller/finalizer/crd_finalizer.go,
// pkg/apiserver/customresource_handler.go. These run with the API server, whatever controllers run.
import type { Logger } from 'pino';
import type { KObject, ResourceDef } from '../resources/types.js';
import type { Registry } from '../registry/registry.js';
import { StatusError } from '../registry/errors.js';
import { CUSTOM_RESOURCE_CLEANUP_FINALIZER as CLEANUP_FINALIZER, calculateNamesAndConditions, isCRDConditionTrue as isConditionTrue, setCondition } from '../resources/apiextensions/helpers.js';
import type { Entry } from '../storage/store.js';
import type { CustomResourceKinds } from './customresource.js';
import { customResourceSupport, loadCustomResourceSupport } from './load.js';

export const CRD_GROUP = 'apiextensions.k8s.io';
export const CRD_PLURAL = 'customresourcedefinitions';
const CRD_RESOURCE = `${CRD_GROUP}/${CRD_PLURAL}`;
const WRITE = { fieldManager: 'kube-apiserver' };

const isMap = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

interface Served {
  key: string; // resourceVersion + terminating: rebuilt when either changes
  kinds: CustomResourceKinds;
  /** spec generation and accepted names: when either changes, the storage is torn down (watches end) */
  shape: string;
}

export class CustomResourceServing {
  private readonly served = new Map<string, Served>();
  private readonly pending = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly acceptedCache = new Map<string, { rv: number; group: unknown; accepted: unknown }>();
  private scheduled = false;
  private timers = new Set<NodeJS.Timeout>();
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(
    private readonly registry: Registry,
    private readonly logger?: Logger,
  ) {}

  private get crdDef(): ResourceDef | undefined {
    return this.registry.def(CRD_GROUP, CRD_PLURAL);
  }

  /**
   * Serves what storage holds at once (a restart: the custom-resource machinery is loaded first,
   * only when some CRD is stored), then follows CRD changes.
   */
  async start(): Promise<void> {
    const def = this.crdDef;
    if (!def) return;
    const stored = this.registry.store.list(CRD_RESOURCE);
    if (stored.length) await loadCustomResourceSupport();
    for (const e of stored) {
      try {
        const crd = JSON.parse(e.json);
        this.serve(crd);
        this.pending.add(crd.metadata.name);
      } catch (err) {
        this.logger?.warn({ key: e.key, err: (err as Error)?.message }, 'custom resources: cannot serve a stored CustomResourceDefinition');
      }
    }
    this.unsubscribe = this.registry.store.subscribe((c) => {
      if (c.entry.resource !== CRD_RESOURCE) return;
      this.enqueue(c.entry.name);
      if (c.type === 'DELETED') {
        // the names it had are free again
        const { group } = this.namesOf(c.entry);
        this.acceptedCache.delete(c.entry.name);
        this.requeueGroup(group, c.entry.name);
      }
    });
    if (this.pending.size) this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
  }

  private enqueue(name: string): void {
    this.pending.add(name);
    this.kick();
  }

  private kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(async () => {
      // the first CRD created loads the custom-resource machinery (CRD writes have loaded it already)
      if (!customResourceSupport()) await loadCustomResourceSupport();
      this.scheduled = false;
      if (this.stopped) return;
      const names = [...this.pending];
      this.pending.clear();
      for (const n of names) {
        try {
          this.reconcile(n);
          this.failures.delete(n);
        } catch (err) {
          // a CRD the server cannot serve (stored data from elsewhere) is retried with back-off, 1 s to 1 min
          const k = (this.failures.get(n) ?? 0) + 1;
          this.failures.set(n, k);
          this.logger?.error({ crd: n, attempt: k, err: (err as Error)?.message }, 'custom resources: reconcile failed');
          this.later(n, Math.min(1000 * 2 ** (k - 1), 60_000));
        }
      }
    });
  }

  private later(name: string, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(name);
    }, ms);
    this.timers.add(t);
  }

  /** The kinds of a CRD as served now: registered, replaced or removed. */
  private serve(crd: KObject | undefined, name?: string): void {
    const n = name ?? crd?.metadata?.name;
    const cur = this.served.get(n);
    const established = crd && (isConditionTrue(crd, 'Established') || isConditionTrue(crd, 'NamesAccepted'));
    if (!crd || !established) {
      if (cur) {
        this.registry.kinds.remove(cur.kinds.defs);
        customResourceSupport()!.releaseDefinitions(cur.kinds);
        this.served.delete(n);
      }
      return;
    }
    const terminating = !!crd.metadata?.deletionTimestamp;
    const key = `${crd.metadata.resourceVersion}/${terminating}`;
    if (cur?.key === key) return;
    const kinds = customResourceSupport()!.customResourceKinds(crd, { terminating, registry: this.registry });
    const shape = `${crd.metadata.generation}/${JSON.stringify(crd.status?.acceptedNames ?? {})}`;
    if (cur && cur.shape !== shape) {
      // customresource_handler.go updateCustomResourceDefinition: a changed spec or changed accepted
      // names tear the old storage down (its watches end, so clients relist) before the new one serves
      this.registry.kinds.remove(cur.kinds.defs);
      this.registry.kinds.add(kinds.defs);
    } else {
      // a version no longer served goes; the others are replaced in one change
      const keep = new Set(kinds.defs.map((d) => d.version));
      const removed = (cur?.kinds.defs ?? []).filter((d) => !keep.has(d.version) || d.plural !== kinds.defs[0]?.plural);
      this.registry.kinds.apply(kinds.defs, removed);
    }
    if (kinds.defs[0]) this.registry.kinds.setVersionOrder(kinds.defs[0].group, kinds.defs[0].plural, kinds.versionOrder);
    if (cur) {
      const still = new Set(kinds.definitions);
      customResourceSupport()!.releaseDefinitions({ ...cur.kinds, definitions: cur.kinds.definitions.filter((d) => !still.has(d)) });
    }
    this.served.set(n, { key, kinds, shape });
  }

  reconcile(name: string): void {
    const def = this.crdDef;
    if (!def) return;
    const crd = this.registry.tryGet(def, '', name);
    if (!crd) {
      this.serve(undefined, name);
      return;
    }
    // a second read is a fresh copy (structuredClone would overflow on schemas nested thousands deep)
    const next = this.registry.get(def, '', name);
    const renamed = this.names(next);
    if (!crd.metadata.deletionTimestamp && isConditionTrue(next, 'NamesAccepted') && !isConditionTrue(next, 'Established'))
      setCondition(next, 'Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted');
    if (JSON.stringify(next.status) !== JSON.stringify(crd.status)) {
      try {
        const r = this.registry.update(def, '', name, next, { ...WRITE, subresource: 'status' });
        this.serve(r.object);
        if (renamed) this.requeueGroup(crd.spec?.group, name);
      } catch (err) {
        if (err instanceof StatusError && (err.code === 409 || err.code === 404)) return this.enqueue(name);
        throw err;
      }
      return; // the status write comes back as a change
    }
    this.serve(crd);
    if (crd.metadata.deletionTimestamp) this.finalize(crd);
  }

  /** naming_controller.go sync: the accepted names and conditions; whether the accepted names changed. Mutates crd. */
  private names(crd: KObject): boolean {
    const others: KObject[] = [];
    // each other CRD's group and accepted names, parsed once per stored revision
    for (const other of this.registry.store.list(CRD_RESOURCE)) {
      if (other.name === crd.metadata.name) continue;
      const o = this.namesOf(other);
      others.push({ metadata: { name: other.name }, spec: { group: o.group }, status: { acceptedNames: o.accepted } });
    }
    const r = calculateNamesAndConditions(crd, others);
    // key order as the Go struct: plural, singular, shortNames, kind, listKind, categories
    const ordered: KObject = {};
    for (const k of ['plural', 'singular', 'shortNames', 'kind', 'listKind', 'categories']) if (r.acceptedNames[k] !== undefined) ordered[k] = r.acceptedNames[k];
    crd.status = isMap(crd.status) ? crd.status : {};
    const changed = JSON.stringify(ordered) !== JSON.stringify(crd.status.acceptedNames);
    crd.status.acceptedNames = ordered;
    const cond = (c: { type: string; status: string; reason?: string; message?: string }) => setCondition(crd, c.type, c.status as any, c.reason ?? '', c.message ?? '');
    cond(r.namesAccepted);
    if (!isConditionTrue(crd, 'Established')) cond(r.established);
    return changed;
  }

  /** naming_controller.go requeueAllOtherGroupCRDs: names one CRD gives up may be another's. */
  private requeueGroup(group: unknown, except: string): void {
    for (const e of this.registry.store.list(CRD_RESOURCE)) if (e.name !== except && this.namesOf(e).group === group) this.enqueue(e.name);
  }

  /** A stored CRD's group and accepted names, parsed once per resourceVersion (every reconcile reads the whole group's). */
  private namesOf(e: Entry): { group: unknown; accepted: unknown } {
    const c = this.acceptedCache.get(e.name);
    if (c?.rv === e.rv) return c;
    let o: any;
    try {
      o = JSON.parse(e.json);
    } catch {
      o = undefined;
    }
    const v = { rv: e.rv, group: o?.spec?.group, accepted: o?.status?.acceptedNames };
    this.acceptedCache.set(e.name, v);
    return v;
  }

  /** crd_finalizer.go sync: delete every custom resource of the CRD, then drop the finalizer. */
  private finalize(crd: KObject): void {
    const name = crd.metadata.name;
    if (!(crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) return;
    const def = this.crdDef!;
    const served = this.served.get(name)?.kinds.defs.find((d) => d.storage?.primary) ?? this.served.get(name)?.kinds.defs[0];
    let remaining = 0;
    if (served && isConditionTrue(crd, 'Established')) {
      const entries = this.registry.store.list(`${crd.spec.group}/${served.plural}`);
      for (const e of entries) {
        try {
          const r = this.registry.delete(served, e.namespace, e.name, { propagationPolicy: 'Background' });
          if (!r.deleted) remaining++;
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) {
            remaining++;
            this.logger?.warn({ crd: name, object: e.key, err: (err as Error)?.message }, 'custom resources: cannot delete an instance');
          }
        }
      }
    }
    if (remaining) {
      const next = this.registry.get(def, '', name);
      setCondition(next, 'Terminating', 'True', 'InstanceDeletionInProgress', 'CustomResource deletion is in progress');
      if (JSON.stringify(next.status) !== JSON.stringify(crd.status)) this.registry.update(def, '', name, next, { ...WRITE, subresource: 'status' });
      this.later(name, 100);
      return;
    }
    const done = this.registry.get(def, '', name);
    setCondition(done, 'Terminating', 'False', 'InstanceDeletionCompleted', 'removed all instances');
    const r = this.registry.update(def, '', name, done, { ...WRITE, subresource: 'status' });
    this.registry.modify(
      def,
      '',
      name,
      (o) => {
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f: string) => f !== CLEANUP_FINALIZER);
        if (!o.metadata.finalizers.length) delete o.metadata.finalizers;
      },
      WRITE,
    );
    void r;
  }
}
