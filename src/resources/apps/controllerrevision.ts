// ControllerRevision (apps/v1): pkg/registry/apps/controllerrevision/strategy.go and
// pkg/apis/apps/validation/validation.go (ValidateControllerRevision / ValidateControllerRevisionUpdate).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, required } from '../../registry/validation.js';
import { deepEqual } from '../../registry/validation.js';
import { stringifyJSON } from '../../util/json.js';
import { controllerRevisionPrinter } from '../../printers/apps.js';

function renderData(v: unknown): string {
  return stringifyJSON(v ?? null);
}

/** ValidateControllerRevision: data is mandatory, revision non-negative. */
export function validateControllerRevision(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  if (obj.data === undefined || obj.data === null) causes.push(required('data', 'data is mandatory'));
  if (typeof obj.revision === 'number' && obj.revision < 0) causes.push(invalid('revision', obj.revision, 'must be greater than or equal to 0'));
  return causes;
}

export const controllerRevisionDef: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  listKind: 'ControllerRevisionList',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.apps.v1.ControllerRevision',
  table: controllerRevisionPrinter,

  defaults(obj) {
    // revision is an int64 without omitempty: 0 is always rendered
    if (obj.revision === undefined || obj.revision === null) obj.revision = 0;
  },
  validate: validateControllerRevision,
  validateUpdate(newObj, oldObj) {
    // the revision number may change (the controller re-numbers on rollback); data may not
    if (deepEqual(newObj.data, oldObj.data)) return [];
    return [{ reason: 'FieldValueInvalid', message: `Invalid value: ${renderData(newObj.data)}: field is immutable`, field: 'data' }];
  },
  defaultDeletePolicy: 'Background',
};
