// The EndpointSlice mirroring controller (pkg/controller/endpointslicemirroring): a user's
// Endpoints for a Service WITHOUT a selector are mirrored into EndpointSlices (owned by the
// Endpoints, managed-by endpointslicemirroring-controller.k8s.io), so that EndpointSlice readers
// (kubectl 1.33 describe svc, DNS, proxies) see them too.
import type { KObject } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { deepEqual } from '../../registry/validation.js';
import type { Controller, ControllerContext } from '../manager.js';
import { objectKey, splitObjectKey } from '../informer.js';
import { LAST_CHANGE_TRIGGER_TIME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, isIPv6 } from './util.js';

export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** --mirroring-max-endpoints-per-subset default */
export const MAX_ENDPOINTS_PER_SUBSET = 1000;
const FIELD_MANAGER = 'kube-controller-manager';
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** shouldMirror: not skip-mirror labelled and not a leader-election lock. */
export function shouldMirror(ep: KObject | undefined): boolean {
  if (!ep) return false;
  return ep.metadata.labels?.[SKIP_MIRROR_LABEL] !== 'true' && !(LEADER_ANNOTATION in (ep.metadata.annotations ?? {}));
}

interface DesiredSlice {
  key: string;
  addressType: 'IPv4' | 'IPv6';
  ports: any[];
  endpoints: any[];
}

const portsKey = (ports: any[]) =>
  ports
    .map((p) => JSON.stringify([p.name ?? '', p.port ?? null, p.protocol ?? '', p.appProtocol ?? '']))
    .sort()
    .join(',');

// addressToEndpoint (utils.go): one address, Ready only, target/node/hostname carried over
function addressToEndpoint(a: any, ready: boolean): { ep: any; type: 'IPv4' | 'IPv6' } | undefined {
  const ip = typeof a?.ip === 'string' ? a.ip : '';
  if (!ip) return undefined;
  const ep: any = { addresses: [ip], conditions: { ready } };
  if (a.hostname) ep.hostname = a.hostname;
  if (a.nodeName) ep.nodeName = a.nodeName;
  if (a.targetRef) ep.targetRef = a.targetRef;
  return { ep, type: isIPv6(ip) ? 'IPv6' : 'IPv4' };
}

/** The slices an Endpoints object mirrors to: one per (address type, port set), deduplicated. */
export function desiredMirrorSlices(ep: KObject): DesiredSlice[] {
  const byKey = new Map<string, DesiredSlice & { seen: Set<string> }>();
  for (const ss of arr(ep.subsets)) {
    const ports = arr(ss.ports).map((p) => {
      const out: any = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
      if (p.appProtocol) out.appProtocol = p.appProtocol;
      return out;
    });
    let count = 0;
    const add = (a: any, ready: boolean) => {
      if (count >= MAX_ENDPOINTS_PER_SUBSET) return;
      const r = addressToEndpoint(a, ready);
      if (!r) return;
      count++;
      const key = `${r.type}/${portsKey(ports)}`;
      let d = byKey.get(key);
      if (!d) byKey.set(key, (d = { key, addressType: r.type, ports, endpoints: [], seen: new Set() }));
      if (d.seen.has(r.ep.addresses[0])) return;
      d.seen.add(r.ep.addresses[0]);
      d.endpoints.push(r.ep);
    };
    for (const a of arr(ss.addresses)) add(a, true);
    for (const a of arr(ss.notReadyAddresses)) add(a, false);
  }
  return [...byKey.values()].map(({ seen: _seen, ...d }) => d);
}

const sliceKey = (s: KObject) => `${s.addressType}/${portsKey(arr(s.ports))}`;

function sliceMeta(ep: KObject): { labels: Record<string, string>; annotations: Record<string, string> } {
  const labels: Record<string, string> = { ...(ep.metadata.labels ?? {}) };
  labels[SERVICE_NAME_LABEL] = ep.metadata.name;
  labels[MANAGED_BY_LABEL] = MIRRORING_CONTROLLER_NAME;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.metadata.annotations ?? {})) if (k !== LAST_CHANGE_TRIGGER_TIME && k !== LAST_APPLIED) annotations[k] = v as string;
  return { labels, annotations };
}

export function endpointSliceMirroringController(): Controller {
  return {
    name: 'endpointslicemirroring',
    start(ctx: ControllerContext) {
      const { registry } = ctx;
      const services = ctx.informers.for('', 'services');
      const endpoints = ctx.informers.for('', 'endpoints');
      const slices = ctx.informers.for('discovery.k8s.io', 'endpointslices');
      const sliceDef = registry.mustDef('discovery.k8s.io', 'endpointslices');

      const mirrored = (namespace: string, name: string) =>
        slices.list(namespace).filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name && s.metadata.labels?.[MANAGED_BY_LABEL] === MIRRORING_CONTROLLER_NAME);

      const remove = (s: KObject) => {
        try {
          registry.delete(sliceDef, s.metadata.namespace, s.metadata.name, { preconditions: { uid: s.metadata.uid } });
        } catch (err) {
          if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) throw err;
        }
      };

      const sync = (key: string) => {
        const { namespace, name } = splitObjectKey(key);
        const existing = mirrored(namespace, name);
        const ep = endpoints.get(namespace, name);
        const svc = services.get(namespace, name);
        // no Endpoints, not to be mirrored, no Service, or a Service with a selector: clean up
        if (!ep || !shouldMirror(ep) || !svc || (svc.spec?.selector !== undefined && svc.spec?.selector !== null)) {
          existing.forEach(remove);
          return;
        }
        const { labels, annotations } = sliceMeta(ep);
        const owner = { apiVersion: 'v1', kind: 'Endpoints', name: ep.metadata.name, uid: ep.metadata.uid, controller: true, blockOwnerDeletion: true };
        const unused = new Map<string, KObject[]>();
        for (const s of existing) {
          const k = sliceKey(s);
          unused.set(k, [...(unused.get(k) ?? []), s]);
        }
        for (const d of desiredMirrorSlices(ep)) {
          const cur = unused.get(d.key)?.shift();
          if (cur) {
            const same =
              deepEqual(arr(cur.endpoints), d.endpoints) &&
              deepEqual(cur.metadata.labels ?? {}, labels) &&
              deepEqual(cur.metadata.annotations ?? {}, annotations) &&
              deepEqual(cur.metadata.ownerReferences ?? [], [owner]);
            if (same) continue;
            const next = structuredClone(cur);
            next.endpoints = d.endpoints;
            next.metadata.labels = labels;
            if (Object.keys(annotations).length) next.metadata.annotations = annotations;
            else delete next.metadata.annotations;
            next.metadata.ownerReferences = [owner];
            registry.update(sliceDef, namespace, cur.metadata.name, next, { fieldManager: FIELD_MANAGER });
            continue;
          }
          const slice: KObject = {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: {
              generateName: `${name}-`.length <= 253 ? `${name}-` : name,
              namespace,
              labels,
              ...(Object.keys(annotations).length ? { annotations } : {}),
              ownerReferences: [owner],
            },
            addressType: d.addressType,
            endpoints: d.endpoints,
            ports: d.ports,
          };
          try {
            registry.create(sliceDef, namespace, slice, { fieldManager: FIELD_MANAGER });
          } catch (err) {
            // a terminating namespace refuses new objects
            if (err instanceof StatusError && err.code === 403) return;
            throw err;
          }
        }
        for (const rest of unused.values()) rest.forEach(remove);
      };

      const queue = ctx.newQueue('endpointslicemirroring', sync);
      const hasSelector = (s: KObject) => s.spec?.selector !== undefined && s.spec?.selector !== null;
      services.addHandler({
        add: (s) => !hasSelector(s) && queue.add(objectKey(s)),
        update: (o, s) => hasSelector(o) !== hasSelector(s) && queue.add(objectKey(s)),
        delete: (s) => !hasSelector(s) && queue.add(objectKey(s)),
      });
      endpoints.addHandler({
        add: (e) => shouldMirror(e) && queue.add(objectKey(e)),
        update: (o, e) => (shouldMirror(o) || shouldMirror(e)) && queue.add(objectKey(e)),
        delete: (e) => queue.add(objectKey(e)),
      });
      const onSlice = (s: KObject) => {
        const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
        if (svc && s.metadata.labels?.[MANAGED_BY_LABEL] === MIRRORING_CONTROLLER_NAME) queue.add(`${s.metadata.namespace}/${svc}`);
      };
      slices.addHandler({ add: onSlice, update: (o, s) => (onSlice(o), onSlice(s)), delete: onSlice });
    },
  };
}
