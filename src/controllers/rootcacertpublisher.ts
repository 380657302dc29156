// The root CA publisher ('root-ca-cert-publisher'): every namespace has a ConfigMap
// `kube-root-ca.crt` whose `ca.crt` is the cluster CA (what pods use to trust
// https://kubernetes.default.svc). Created for each namespace, and again when deleted; put back
// when its data or its description annotation are changed.
// Upstream: pkg/controller/certificates/rootcacertpublisher/publisher.go (syncNamespace).
import type { KObject } from '../resources/types.js';
import { StatusError } from '../registry/errors.js';
import type { Controller, ControllerContext } from './manager.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

const WRITE = { fieldManager: 'kube-controller-manager' };

export function rootCACertPublisherController(): Controller {
  return {
    name: 'root-ca-cert-publisher',
    start(ctx: ControllerContext) {
      const rootCA = ctx.options.rootCA;
      if (!rootCA) return;
      const { registry } = ctx;
      const cmDef = registry.mustDef('', 'configmaps');
      const namespaces = ctx.informers.for('', 'namespaces');
      const configMaps = ctx.informers.for('', 'configmaps');
      const queue = ctx.newQueue('root-ca-cert-publisher', (ns) => {
        const n = namespaces.get('', ns);
        if (!n || n.metadata?.deletionTimestamp) return;
        const data = { 'ca.crt': rootCA };
        const cm = configMaps.get(ns, ROOT_CA_CONFIGMAP);
        try {
          if (!cm) {
            registry.create(cmDef, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data }, WRITE);
            return;
          }
          const same = cm.data && Object.keys(cm.data).length === 1 && cm.data['ca.crt'] === rootCA;
          if (same && cm.metadata.annotations?.[DESCRIPTION_ANNOTATION]) return;
          // upstream replaces data and the annotation only (binaryData is left as it is)
          const next: KObject = { ...cm, metadata: { ...cm.metadata, annotations: { ...cm.metadata.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data };
          registry.update(cmDef, ns, ROOT_CA_CONFIGMAP, next, WRITE);
        } catch (err) {
          // the namespace went away or is terminating; or someone else wrote first (requeued by the event)
          if (err instanceof StatusError && (err.code === 404 || err.code === 403 || err.code === 409)) return;
          throw err;
        }
      });
      namespaces.addHandler({
        add: (o: KObject) => queue.add(o.metadata.name),
        update: (_old, o: KObject) => {
          if ((o.status?.phase ?? 'Active') === 'Active') queue.add(o.metadata.name);
        },
      });
      const onCM = (cm: KObject) => {
        if (cm.metadata?.name === ROOT_CA_CONFIGMAP && cm.metadata.namespace) queue.add(cm.metadata.namespace);
      };
      configMaps.addHandler({ update: (_old, cm) => onCM(cm), delete: onCM });
    },
  };
}
