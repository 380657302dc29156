// meta.k8s.io Table responses (apiserver pkg/endpoints/handlers/response.go asTable; the rows
// come from the kind's printer, always wide as upstream's printers/storage does).
import type { KObject, ResourceDef, TablePrinter } from '../resources/types.js';
import { AGE_COLUMN, age, col, NAME_COLUMN } from '../printers/format.js';
import { badRequest } from '../registry/errors.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function parseIncludeObject(v: unknown): IncludeObject {
  if (v === undefined || v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw badRequest(`includeObject: Unsupported value: ${JSON.stringify(v)}: supported values: "Metadata", "None", "Object"`);
}

export function partialObjectMetadata(obj: KObject, metaVersion = 'v1'): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${metaVersion}`, metadata: obj.metadata };
}

export function tableRow(printer: TablePrinter, obj: KObject, include: IncludeObject, now: number, metaVersion = 'v1'): KObject {
  const row: KObject = { cells: printer.row(obj, now) };
  const conds = printer.conditions?.(obj);
  if (conds?.length) row.conditions = conds;
  row.object = include === 'None' ? null : include === 'Object' ? obj : partialObjectMetadata(obj, metaVersion);
  return row;
}

export function toTable(
  def: ResourceDef,
  objs: KObject[],
  opts: { include: IncludeObject; noHeaders?: boolean; metaVersion?: string; listMeta?: KObject },
): KObject {
  const printer = def.table!;
  const now = Date.now();
  const t: KObject = {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.metaVersion ?? 'v1'}`,
    metadata: opts.listMeta ?? {},
  };
  if (!opts.noHeaders) t.columnDefinitions = printer.columns;
  t.rows = objs.map((o) => tableRow(printer, o, opts.include, now, opts.metaVersion));
  return t;
}

/**
 * The Table for an autoscaling/v1 Scale (statefulsets/scale GET with a Table Accept: ScaleREST
 * ConvertToTable uses the printers, pkg/printers/internalversion printScale): Name, Desired,
 * Available, Age.
 */
export const SCALE_TABLE: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Desired', 'replicas is the desired number of instances for the scaled object.', { type: 'integer' }),
    col('Available', 'replicas is the actual number of observed instances of the scaled object.', { type: 'integer' }),
    AGE_COLUMN,
  ],
  row: (o, now) => [o.metadata?.name ?? '', o.spec?.replicas ?? 0, o.status?.replicas ?? 0, age(o, now)],
};
