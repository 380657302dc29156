// What a fresh cluster has: the system namespaces and the default/kubernetes Service
// (pkg/controlplane/controller/systemnamespaces, pkg/controlplane/reconcilers).
import type { Registry } from '../registry/registry.js';
import { StatusError } from '../registry/errors.js';

/** Where the API server says it lives: the first node's InternalIP, as on a kind cluster (nothing listens there). */
export const APISERVER_ENDPOINT_IP = '172.18.0.2';
export const APISERVER_ENDPOINT_PORT = 6443;

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function bootstrap(registry: Registry, kubernetesServiceIP: string): void {
  const nsDef = registry.mustDef('', 'namespaces');
  for (const name of SYSTEM_NAMESPACES) {
    if (registry.tryGet(nsDef, '', name)) continue;
    registry.create(nsDef, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
  }
  bootstrapKubernetesEndpoints(registry);
  const svcDef = registry.mustDef('', 'services');
  if (!registry.tryGet(svcDef, 'default', 'kubernetes')) {
    try {
      registry.create(svcDef, 'default', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: {
          type: 'ClusterIP',
          clusterIP: kubernetesServiceIP,
          ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
          sessionAffinity: 'None',
        },
      });
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
    }
  }
}

/**
 * The default/kubernetes Endpoints and EndpointSlice the API server keeps itself
 * (pkg/controlplane/reconcilers/endpointsadapter.go): not made by the endpoint controllers.
 */
export function bootstrapKubernetesEndpoints(registry: Registry): void {
  const port = { name: 'https', port: APISERVER_ENDPOINT_PORT, protocol: 'TCP' };
  const epDef = registry.def('', 'endpoints');
  if (epDef && !registry.tryGet(epDef, 'default', 'kubernetes')) {
    registry.create(epDef, 'default', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: APISERVER_ENDPOINT_IP }], ports: [port] }],
    }, { fieldManager: 'kube-apiserver' });
  }
  const esDef = registry.def('discovery.k8s.io', 'endpointslices');
  if (esDef && !registry.tryGet(esDef, 'default', 'kubernetes')) {
    registry.create(esDef, 'default', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [APISERVER_ENDPOINT_IP], conditions: { ready: true } }],
      ports: [port],
    }, { fieldManager: 'kube-apiserver' });
  }
}
