// What the published OpenAPI documents and the compact schema model cover: the kinds
// kube-emulator serves, with the subresources it answers (the same as discovery lists:
// test/api/discovery-walk.test.ts holds them equal).

export interface ServedKind {
  group: string; // '' for core
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** subresource path segments served (status, scale, log, ...) */
  subresources: string[];
  /** the first emulated minor version that serves it (allResources leaves it out before) */
  sinceMinor?: number;
}

const k = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  subresources: string[] = [],
): ServedKind => ({ group, version, kind, plural, namespaced, subresources });

export const SERVED_KINDS: ServedKind[] = [
  k('', 'v1', 'ComponentStatus', 'componentstatuses', false),
  k('', 'v1', 'PodTemplate', 'podtemplates', true),
  k('', 'v1', 'ReplicationController', 'replicationcontrollers', true, ['scale', 'status']),
  k('', 'v1', 'Namespace', 'namespaces', false, ['finalize', 'status']),
  k('', 'v1', 'Pod', 'pods', true, ['attach', 'binding', 'exec', 'log', 'portforward', 'status']),
  k('', 'v1', 'Service', 'services', true, ['status']),
  k('', 'v1', 'Endpoints', 'endpoints', true),
  k('', 'v1', 'PersistentVolume', 'persistentvolumes', false, ['status']),
  k('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, ['status']),
  k('', 'v1', 'Event', 'events', true),
  k('', 'v1', 'Node', 'nodes', false, ['status']),
  k('', 'v1', 'ResourceQuota', 'resourcequotas', true, ['status']),
  k('', 'v1', 'LimitRange', 'limitranges', true),
  k('', 'v1', 'ConfigMap', 'configmaps', true),
  k('', 'v1', 'Secret', 'secrets', true),
  k('', 'v1', 'ServiceAccount', 'serviceaccounts', true),
  k('apps', 'v1', 'StatefulSet', 'statefulsets', true, ['status', 'scale']),
  k('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true),
  k('events.k8s.io', 'v1', 'Event', 'events', true),
  k('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  k('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false),
  k('storage.k8s.io', 'v1', 'CSIDriver', 'csidrivers', false),
  k('storage.k8s.io', 'v1', 'CSINode', 'csinodes', false),
  k('storage.k8s.io', 'v1', 'VolumeAttachment', 'volumeattachments', false, ['status']),
  { ...k('storage.k8s.io', 'v1', 'VolumeAttributesClass', 'volumeattributesclasses', false), sinceMinor: 34 },
  k('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false),
  k('node.k8s.io', 'v1', 'RuntimeClass', 'runtimeclasses', false),
  k('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  k('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false),
  k('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false),
];

/** meta.k8s.io and helper types the server uses even where no published operation names them. */
export const EXTRA_DEFINITIONS = [
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList',
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList',
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIVersions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Table',
  'io.k8s.apimachinery.pkg.apis.meta.v1.PartialObjectMetadata',
  'io.k8s.apimachinery.pkg.apis.meta.v1.PartialObjectMetadataList',
  'io.k8s.api.autoscaling.v1.Scale',
  'io.k8s.api.core.v1.Binding',
];

/** `api/v1`, `apis/apps/v1`: the path of a group-version under /openapi/v3. */
export function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** `api__v1`, `apis__apps__v1`: the file name (without .json) of a group-version's document. */
export function gvFileName(gvp: string): string {
  return gvp.split('/').join('__');
}

export function servedGroupVersions(): string[] {
  const out: string[] = [];
  for (const s of SERVED_KINDS) {
    const p = gvPath(s.group, s.version);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}
