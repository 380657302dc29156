// core/v1 PodTemplate: pkg/registry/core/podtemplate/strategy.go (generation follows the template),
// pkg/apis/core/validation ValidatePodTemplate / ValidatePodTemplateUpdate.
import type { ResourceDef, TablePrinter } from '../types.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec } from '../podspec.js';
import { deepEqual } from '../../registry/validation.js';
import { NAME_COLUMN, col, formatLabels, layoutContainerCells } from '../../printers/format.js';

// printers.go printPodTemplate
export const podTemplatePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Containers', 'Names of each container in the template.'),
    col('Images', 'Images referenced by each container in the template.'),
    col('Pod Labels', 'The labels for the pod template.'),
  ],
  row(pt) {
    const [names, images] = layoutContainerCells(pt.template?.spec?.containers);
    return [pt.metadata?.name ?? '', names, images, formatLabels(pt.template?.metadata?.labels)];
  },
};

export const podTemplateDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  listKind: 'PodTemplateList',
  plural: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.core.v1.PodTemplate',

  generation: true,
  // PrepareForUpdate: any change of the template bumps the generation
  generationChanged: (n, o) => !deepEqual(n.template, o.template),
  defaults(obj) {
    if (obj.template && typeof obj.template === 'object') defaultPodTemplateSpec(obj.template);
  },
  validate: (obj) => validatePodTemplateSpec(obj.template ?? {}, 'template'),
  table: podTemplatePrinter,
};
