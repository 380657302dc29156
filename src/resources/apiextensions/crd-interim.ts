// Interim CustomResourceDefinition kind (replaced by the full one with upstream's validation).
import type { ResourceDef } from '../types.js';

export const crdInterimDef: ResourceDef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'CustomResourceDefinition', verbs: ['get', 'patch', 'update'] }],
  definition: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
  unstructured: true,
  generation: true,
  prepareForCreate(obj) {
    const storage = (obj.spec?.versions ?? []).filter((v: any) => v?.storage).map((v: any) => v.name);
    obj.status = { acceptedNames: { plural: '', kind: '' }, storedVersions: storage };
  },
  beforeDelete(obj) {
    const f: string[] = obj.metadata.finalizers ?? [];
    if (!f.includes('customresourcecleanup.apiextensions.k8s.io')) obj.metadata.finalizers = [...f, 'customresourcecleanup.apiextensions.k8s.io'];
    obj.status ??= {};
    obj.status.conditions = [...(obj.status.conditions ?? []).filter((c: any) => c.type !== 'Terminating'), { type: 'Terminating', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon' }];
  },
};
