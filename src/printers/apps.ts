// StatefulSets and ControllerRevisions (pkg/printers/internalversion/printers.go:
// printStatefulSet, printControllerRevision, formatResourceName).
import type { KObject, TablePrinter } from '../resources/types.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, layoutContainerCells } from './format.js';

export const statefulSetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Ready', 'Ready pods out of the desired replicas.'),
    AGE_COLUMN,
    col('Containers', 'Container names of the pod template.', { priority: 1 }),
    col('Images', 'Container images of the pod template.', { priority: 1 }),
  ],
  row(sts, now) {
    const desired = sts.spec?.replicas ?? 1;
    const ready = sts.status?.readyReplicas ?? 0;
    const [names, images] = layoutContainerCells(sts.spec?.template?.spec?.containers);
    return [sts.metadata?.name ?? '', `${ready}/${desired}`, age(sts, now), names, images];
  },
};

/** `kind.group/name` in lower case for the controller owner reference, `<none>` without one. */
export function controllerName(obj: KObject): string {
  const refs = obj.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return '<none>';
  const ref = refs.find((r) => r?.controller === true);
  if (!ref) return '<none>';
  const apiVersion = String(ref.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = String(ref.kind ?? '');
  if (!kind && !group) return ref.name ?? '';
  const gk = group ? `${kind}.${group}` : kind;
  return `${gk.toLowerCase()}/${ref.name ?? ''}`;
}

export const controllerRevisionPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Controller', 'The object that owns this revision, as kind.group/name.'),
    col('Revision', 'The revision number.'),
    AGE_COLUMN,
  ],
  row(cr, now) {
    return [cr.metadata?.name ?? '', controllerName(cr), cr.revision ?? 0, age(cr, now)];
  },
};
