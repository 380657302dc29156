// The event recorder controllers use (client-go tools/record: EventRecorder + EventCorrelator):
// core/v1 Events named <object>.<hex nanos>, and a repeat of the same event (same object,
// source, type, reason, message) bumps count and lastTimestamp of the existing one.
import type { KObject } from '../resources/types.js';
import type { Registry } from '../registry/registry.js';
import { nowRFC3339 } from '../registry/meta.js';
import { StatusError } from '../registry/errors.js';
import type { Logger } from 'pino';
import type { UserInfo } from '../auth/types.js';
import { controllerCreate, controllerModify, controllerUser, nodeUser, schedulerUser } from '../admission/run.js';

export interface EventSource {
  component: string;
  host?: string;
  /** who writes the events (default: from the component, sourceUser) */
  user?: UserInfo;
}

/** the components whose service account is not named after them (kube-controller-manager's names) */
const ACCOUNTS: Record<string, string> = {
  'daemonset-controller': 'daemon-set-controller',
  'garbage-collector-controller': 'generic-garbage-collector',
  'node-controller': 'node-controller',
  controllermanager: 'disruption-controller',
  'persistentvolume-controller': 'persistent-volume-binder',
};

/**
 * The user an event source writes its events as: a kubelet as its node, the scheduler as
 * system:kube-scheduler, a controller as its kube-controller-manager service account, a provisioner
 * (not a controller-manager controller) as the persistent-volume binder.
 */
export function sourceUser(source: EventSource): UserInfo {
  if (source.user) return source.user;
  if (source.component === 'kubelet' && source.host) return nodeUser(source.host);
  if (source.component === 'default-scheduler') return schedulerUser();
  const account = ACCOUNTS[source.component] ?? (source.component.endsWith('-controller') ? source.component : 'persistent-volume-binder');
  return controllerUser(account);
}

export class EventRecorder {
  private readonly seen = new Map<string, { name: string; namespace: string; count: number }>();

  constructor(
    private readonly registry: Registry,
    private readonly logger?: Logger,
  ) {}

  /** A recorder for one component (the event's source and reportingComponent). */
  for(source: EventSource): (obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string) => void {
    return (obj, type, reason, message, fieldPath) => this.record(source, obj, type, reason, message, fieldPath);
  }

  record(source: EventSource, obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void {
    const evDef = this.registry.def('', 'events');
    if (!evDef) return;
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const involvedObject: KObject = {
      kind: obj.kind,
      namespace: meta.namespace || undefined,
      name: meta.name,
      uid: meta.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: meta.resourceVersion,
    };
    if (fieldPath) involvedObject.fieldPath = fieldPath;
    if (!involvedObject.namespace) delete involvedObject.namespace;
    const key = [source.component, source.host ?? '', meta.uid, fieldPath ?? '', obj.kind, type, reason, message].join('\u0000');
    const now = nowRFC3339();
    const prev = this.seen.get(key);
    // events are written through the API as the source's user (client-go's EventSinkImpl: a POST,
    // a repeat a PATCH of count and lastTimestamp); admission sees them when a webhook or policy
    // applies, and the write stays synchronous otherwise
    const user = sourceUser(source);
    try {
      if (prev) {
        const r = controllerModify(this.registry, evDef, prev.namespace, prev.name, (ev) => {
          ev.count = (ev.count ?? 1) + 1;
          ev.lastTimestamp = now;
          ev.involvedObject = { ...ev.involvedObject, resourceVersion: meta.resourceVersion };
        }, {}, user, true);
        if (r instanceof Promise)
          r.then((w) => void (prev.count = w.object.count), (err) => {
            this.logger?.debug({ err: (err as Error)?.message }, 'event update failed');
            this.seen.delete(key);
          });
        else prev.count = r.object.count;
        return;
      }
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) this.logger?.debug({ err }, 'event update failed');
      this.seen.delete(key);
    }
    const name = `${meta.name}.${eventNanos().toString(16)}`;
    const ev: KObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject,
      reason,
      message,
      source: source.host ? { component: source.component, host: source.host } : { component: source.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    };
    try {
      // the recorder's own object: its fields are known (no field validation) and its FieldsV1 is
      // the same for every event of the same shape (computed once per shape by the registry)
      const w = controllerCreate(this.registry, evDef, namespace, ev, { fieldsChecked: true, fieldsShape: shapeKey(ev) }, user);
      const done = () => {
        this.seen.set(key, { name, namespace, count: 1 });
        if (this.seen.size > 10_000) this.seen.delete(this.seen.keys().next().value!);
      };
      if (w instanceof Promise) w.then(done, (err) => this.logger?.debug({ err: (err as Error)?.message, reason }, 'event not recorded'));
      else done();
    } catch (err) {
      // events are best effort (a namespace being deleted refuses them)
      this.logger?.debug({ err: (err as Error).message, reason }, 'event not recorded');
    }
  }
}

/**
 * What the field manager sees of a create: the members present, in order, and for each leaf its
 * type and whether it is the zero value ('' / 0 / false / null), which is all a create's FieldsV1
 * depends on (compare against the zero object, createfast.ts).
 */
export function shapeKey(v: unknown): string {
  if (v === undefined) return 'u';
  if (v === null) return 'n';
  if (Array.isArray(v)) return `[${v.map(shapeKey).join(',')}]`;
  if (typeof v === 'object') {
    let out = '{';
    for (const k in v as Record<string, unknown>) out += `${JSON.stringify(k)}:${shapeKey((v as Record<string, unknown>)[k])},`;
    return out + '}';
  }
  return (v === '' || v === 0 || v === false ? 'z' : 'v') + (typeof v)[0];
}

/**
 * The event's time in nanoseconds, as upstream names events (`<object>.<UnixNano hex>`,
 * client-go tools/record/event.go makeEvent): strictly increasing in this process, so that names
 * sort in the order the events were made, as they do upstream.
 */
let lastNanos = 0n;
function eventNanos(): bigint {
  let n = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
  if (n <= lastNanos) n = lastNanos + 1n;
  lastNanos = n;
  return n;
}
