// What a fresh cluster has: the system namespaces and the default/kubernetes Service
// (pkg/controlplane/controller/systemnamespaces, pkg/controlplane/reconcilers).
import type { Registry } from '../registry/registry.js';
import { StatusError } from '../registry/errors.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function bootstrap(registry: Registry, kubernetesServiceIP: string): void {
  const nsDef = registry.mustDef('', 'namespaces');
  for (const name of SYSTEM_NAMESPACES) {
    if (registry.tryGet(nsDef, '', name)) continue;
    registry.create(nsDef, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
  }
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

