// meta.k8s.io Table responses (apiserver pkg/endpoints/handlers/response.go asTable; the rows
// come from the kind's printer, always wide as upstream's printers/storage does).
import type { KObject, ResourceDef, TablePrinter } from '../resources/types.js';
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
