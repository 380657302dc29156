// Valid objects of the served kinds, the fuzzer's starting points: the Service, StatefulSet and
// PersistentVolume of ../shared/seed (sts.yaml, sts-canary.yaml, pv.yaml: copied here so that the
// run does not depend on files beside the repository) and minimal hand-made ones.

export interface FuzzKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** subresources the fuzzer writes to */
  subresources?: ('status' | 'scale')[];
  /** create-only kinds (reviews): no update or patch */
  createOnly?: boolean;
  /** a valid object named `name` (in `ns` when namespaced) */
  make(name: string, ns: string): any;
}

const meta = (name: string, ns: string, namespaced: boolean, extra: Record<string, unknown> = {}) => ({
  name,
  ...(namespaced ? { namespace: ns } : {}),
  ...extra,
});

const LABELS = { app_name: 'pod', contorller: 'statefulset' };

function kind(group: string, version: string, k: string, plural: string, namespaced: boolean, body: (name: string, ns: string) => Record<string, unknown>, more: Partial<FuzzKind> = {}): FuzzKind {
  return {
    group,
    version,
    kind: k,
    plural,
    namespaced,
    ...more,
    make: (name, ns) => ({ apiVersion: group ? `${group}/${version}` : version, kind: k, ...body(name, ns) }),
  };
}

export const FUZZ_KINDS: FuzzKind[] = [
  kind('', 'v1', 'Namespace', 'namespaces', false, (n) => ({ metadata: meta(n, '', false, { labels: { team: 'a' } }), spec: { finalizers: ['kubernetes'] } }), { subresources: ['status'] }),
  kind('', 'v1', 'ConfigMap', 'configmaps', true, (n, ns) => ({ metadata: meta(n, ns, true, { labels: { a: 'b' }, annotations: { note: 'x' } }), data: { key: 'value', 'game.properties': 'lives=3\n' }, binaryData: { bin: 'aGVsbG8=' } })),
  kind('', 'v1', 'Secret', 'secrets', true, (n, ns) => ({ metadata: meta(n, ns, true), type: 'Opaque', data: { password: 'cGFzcw==' }, stringData: { user: 'admin' } })),
  kind('', 'v1', 'ServiceAccount', 'serviceaccounts', true, (n, ns) => ({ metadata: meta(n, ns, true), secrets: [{ name: 'tok' }], imagePullSecrets: [{ name: 'reg' }], automountServiceAccountToken: false })),
  // sts.yaml's headless Service, and a ClusterIP one with two ports
  kind('', 'v1', 'Service', 'services', true, (n, ns) => ({
    metadata: meta(n, ns, true, { labels: { contorller: 'statefulset' } }),
    spec: { clusterIP: 'None', ports: [{ name: 'http', targetPort: 80, port: 80, protocol: 'TCP' }], selector: { ...LABELS } },
  }), { subresources: ['status'] }),
  kind('', 'v1', 'Service', 'services', true, (n, ns) => ({
    metadata: meta(n, ns, true),
    spec: { type: 'NodePort', ports: [{ name: 'a', port: 80, targetPort: 'web', protocol: 'TCP' }, { name: 'b', port: 443, protocol: 'UDP' }], selector: { app: 'web' }, sessionAffinity: 'ClientIP' },
  })),
  kind('', 'v1', 'Pod', 'pods', true, (n, ns) => ({
    metadata: meta(n, ns, true, { labels: { app: 'web' } }),
    spec: {
      containers: [
        {
          name: 'c',
          image: 'nginx:1.25',
          ports: [{ name: 'web', containerPort: 80 }],
          env: [{ name: 'A', value: '1' }],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
      tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 0,
    },
  }), { subresources: ['status'] }),
  // sts.yaml's StatefulSet (the canary's partitioned rolling update)
  kind('apps', 'v1', 'StatefulSet', 'statefulsets', true, (n, ns) => ({
    metadata: meta(n, ns, true),
    spec: {
      replicas: 2,
      updateStrategy: { rollingUpdate: { partition: 1 } },
      selector: { matchLabels: { ...LABELS, set: n } },
      serviceName: 'sts-service',
      template: {
        metadata: { name: 'sts-pod', labels: { ...LABELS, set: n } },
        spec: {
          containers: [{ name: 'containers', imagePullPolicy: 'IfNotPresent', ports: [{ name: 'http', containerPort: 80 }], image: 'ikubernetes/myapp:v1', volumeMounts: [{ name: 'sts-pvc', mountPath: '/usr/share/nginx/html' }] }],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'sts-pvc' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2G' } } } }],
    },
  }), { subresources: ['status', 'scale'] }),
  kind('apps', 'v1', 'DaemonSet', 'daemonsets', true, (n, ns) => ({
    metadata: meta(n, ns, true),
    spec: {
      selector: { matchLabels: { ...LABELS, ds: n } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%' } },
      template: { metadata: { labels: { ...LABELS, ds: n } }, spec: { containers: [{ name: 'agent', image: 'busybox:1.36' }], tolerations: [{ operator: 'Exists' }] } },
    },
  }), { subresources: ['status'] }),
  kind('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true, (n, ns) => ({ metadata: meta(n, ns, true), revision: 1, data: { spec: { template: { metadata: {} } } } })),
  kind('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, (n, ns) => ({
    metadata: meta(n, ns, true),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: `${ns}-class`, volumeMode: 'Filesystem' },
  }), { subresources: ['status'] }),
  // pv.yaml's NFS volumes
  kind('', 'v1', 'PersistentVolume', 'persistentvolumes', false, (n, ns) => ({
    metadata: meta(n, '', false, { labels: { contorller: 'statefulset' } }),
    spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '5G' }, nfs: { path: '/data/volumes/v0', server: '172.16.1.2' }, storageClassName: `${ns}-class`, persistentVolumeReclaimPolicy: 'Retain' },
  }), { subresources: ['status'] }),
  kind('', 'v1', 'Endpoints', 'endpoints', true, (n, ns) => ({
    metadata: meta(n, ns, true),
    subsets: [{ addresses: [{ ip: '10.1.2.3', hostname: 'h' }], notReadyAddresses: [{ ip: '10.1.2.4' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }],
  })),
  kind('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true, (n, ns) => ({
    metadata: meta(n, ns, true, { labels: { 'kubernetes.io/service-name': 'nosuch' } }),
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.1.2.3'], conditions: { ready: true }, zone: 'z' }],
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  })),
  kind('', 'v1', 'Node', 'nodes', false, (n) => ({
    metadata: meta(n, '', false, { labels: { 'kubernetes.io/hostname': n } }),
    spec: { unschedulable: true, podCIDR: '10.250.0.0/24', taints: [{ key: 'fuzz', value: 'x', effect: 'NoSchedule' }] },
  }), { subresources: ['status'] }),
  kind('coordination.k8s.io', 'v1', 'Lease', 'leases', true, (n, ns) => ({
    metadata: meta(n, ns, true),
    spec: { holderIdentity: 'h', leaseDurationSeconds: 40, renewTime: '2024-01-01T00:00:00.000000Z', leaseTransitions: 0 },
  })),
  kind('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, (n) => ({
    metadata: meta(n, '', false),
    provisioner: 'example.com/none',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
    parameters: { type: 'x' },
    allowVolumeExpansion: true,
  })),
  kind('', 'v1', 'Event', 'events', true, (n, ns) => ({
    metadata: meta(n, ns, true),
    involvedObject: { kind: 'Pod', name: 'p', namespace: ns, apiVersion: 'v1' },
    reason: 'Fuzzed',
    message: 'hello',
    type: 'Normal',
    count: 1,
    firstTimestamp: '2024-01-01T00:00:00Z',
    lastTimestamp: '2024-01-01T00:00:00Z',
    source: { component: 'fuzz' },
  })),
  kind('events.k8s.io', 'v1', 'Event', 'events', true, (n, ns) => ({
    metadata: meta(n, ns, true),
    eventTime: '2024-01-01T00:00:00.000000Z',
    reportingController: 'fuzz/c',
    reportingInstance: 'fuzz-1',
    action: 'Act',
    reason: 'Fuzzed',
    regarding: { kind: 'Pod', name: 'p', namespace: ns },
    note: 'hello',
    type: 'Normal',
  })),
  kind('', 'v1', 'LimitRange', 'limitranges', true, (n, ns) => ({
    metadata: meta(n, ns, true),
    spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '100m' }, max: { cpu: '64' } }] },
  })),
  kind('', 'v1', 'ResourceQuota', 'resourcequotas', true, (n, ns) => ({ metadata: meta(n, ns, true), spec: { hard: { 'count/fuzz.example.com': '1000000' } } }), { subresources: ['status'] }),
  kind('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, (n) => ({ metadata: meta(n, '', false), value: 1000, description: 'fuzz', preemptionPolicy: 'Never' })),
  kind('node.k8s.io', 'v1', 'RuntimeClass', 'runtimeclasses', false, (n) => ({
    metadata: meta(n, '', false),
    handler: 'runsc',
    overhead: { podFixed: { cpu: '100m', memory: '64Mi' } },
    scheduling: { nodeSelector: { sandbox: 'true' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] },
  })),
  kind('storage.k8s.io', 'v1', 'CSIDriver', 'csidrivers', false, (n) => ({ metadata: meta(n, '', false), spec: { attachRequired: false, tokenRequests: [{ audience: 'x', expirationSeconds: 3600 }], volumeLifecycleModes: ['Persistent'] } })),
  kind('storage.k8s.io', 'v1', 'CSINode', 'csinodes', false, (n) => ({ metadata: meta(n, '', false), spec: { drivers: [{ name: 'a.csi.io', nodeID: n, topologyKeys: ['topology.a/zone'], allocatable: { count: 10 } }] } })),
  kind('storage.k8s.io', 'v1', 'VolumeAttachment', 'volumeattachments', false, (n) => ({ metadata: meta(n, '', false), spec: { attacher: 'a.csi.io', nodeName: 'node-1', source: { persistentVolumeName: 'pv-1' } } }), { subresources: ['status'] }),
  kind('', 'v1', 'PodTemplate', 'podtemplates', true, (n, ns) => ({ metadata: meta(n, ns, true), template: { metadata: { labels: { app: 'pt' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } })),
  kind('', 'v1', 'ReplicationController', 'replicationcontrollers', true, (n, ns) => ({
    metadata: meta(n, ns, true),
    spec: { replicas: 1, selector: { app: 'rc' }, template: { metadata: { labels: { app: 'rc' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  }), { subresources: ['status', 'scale'] }),
  kind('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, () => ({
    spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'fuzz' } },
  }), { createOnly: true }),
];

/** the API path of a kind's collection (namespace ignored for cluster-scoped kinds) */
export function collectionPath(k: Pick<FuzzKind, 'group' | 'version' | 'plural' | 'namespaced'>, ns: string): string {
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return k.namespaced ? `${base}/namespaces/${ns}/${k.plural}` : `${base}/${k.plural}`;
}
