// Server-side Table rows for custom resources from a CRD version's additionalPrinterColumns.
// staging/src/k8s.io/apiextensions-apiserver/pkg/registry/customresource/tableconvertor/tableconvertor.go
// (our own code); default columns as pkg/apiserver/customresource_handler.go serveDefaultColumnsIfEmpty.
import { humanDuration } from '../printers/format.js';
import type { ColumnDefinition, KObject, TablePrinter } from '../resources/types.js';
import { type JSONPath, parseJSONPath, printResult } from './jsonpath.js';

// metav1.ObjectMeta{}.SwaggerDoc()["name"] and ["creationTimestamp"]
export const OBJECT_META_NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** A CRD version's additionalPrinterColumns entry (apiextensions/v1 CustomResourceColumnDefinition). */
export interface CRDColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** The Age column a version without additionalPrinterColumns is served with. */
export const DEFAULT_CRD_COLUMNS: readonly CRDColumn[] = Object.freeze([
  { name: 'Age', type: 'date', description: OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION, jsonPath: '.metadata.creationTimestamp' },
]);

/** serveDefaultColumnsIfEmpty: the version's columns, or the Age column when it has none. */
export function serveDefaultColumnsIfEmpty(columns: readonly CRDColumn[] | undefined | null): readonly CRDColumn[] {
  return Array.isArray(columns) && columns.length > 0 ? columns : DEFAULT_CRD_COLUMNS;
}

/**
 * validateSimpleJSONPath of the CRD validation (apiextensions validation.go): the only check
 * upstream makes on a column's jsonPath when a CRD is written. Returns the detail or undefined.
 */
export function validateSimpleJSONPath(s: string): string | undefined {
  if (s.length === 0) return 'must not be empty';
  if (s[0] !== '.') return 'must be a simple json path starting with .';
  return undefined;
}

/** The error tableconvertor.New gives for a column whose path does not parse, or undefined. */
export function columnPathError(jsonPath: string): string | undefined {
  try {
    parseJSONPath(`{${jsonPath}}`);
    return undefined;
  } catch {
    return `unrecognized column definition ${JSON.stringify(jsonPath)}`;
  }
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-](\d{2}):(\d{2}))$/;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** time.Parse(time.RFC3339, s) as ms since the epoch (fraction to ms), or undefined when Go rejects it. */
export function parseRFC3339(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && !leap ? 28 : DAYS[mo - 1])) return undefined;
  if (h > 23 || mi > 59 || se > 59) return undefined;
  let offset = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return undefined;
    offset = (oh * 60 + om) * 60_000 * (m[8][0] === '-' ? -1 : 1);
  }
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, se, m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0);
  return t.getTime() - offset;
}

/** Go's zero time.Time (0001-01-01T00:00:00Z) in ms since the epoch. */
const ZERO_TIME = (() => {
  const t = new Date(0);
  t.setUTCFullYear(1, 0, 1);
  t.setUTCHours(0, 0, 0, 0);
  return t.getTime();
})();

/** A `date` cell: metav1.Time UnmarshalQueryParameter, then ConvertToHumanReadableDateType. */
export function dateCell(value: string, now: number): string {
  if (value === '' || value === 'null') return '<unknown>';
  const t = parseRFC3339(value);
  if (t === undefined) return '<invalid>';
  if (t === ZERO_TIME) return '<unknown>';
  return humanDuration(now - t);
}

/** cellForJSONValue: the cell of a non-string column; null when the value does not fit the type. */
export function cellForJSONValue(type: string, value: unknown, now: number): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      if (typeof value === 'number') return Number.isInteger(value) ? value : Math.trunc(value);
      break;
    case 'number':
      if (typeof value === 'number') return value;
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'date':
      if (typeof value === 'string') return dateCell(value, now);
      break;
  }
  return null;
}

export interface CRDTablePrinter extends TablePrinter {
  /** Set when a column's jsonPath did not parse: the columns before it are served (upstream logs this). */
  error?: string;
}

/**
 * tableconvertor.New: Name plus one column per CRD column (the Age column when there are none, as
 * the CRD handler serves them). Each jsonPath is parsed once here. A path that does not parse stops
 * the list there, as upstream's convertor does, and `error` says why.
 */
export function tableConvertorFor(columns: readonly CRDColumn[] | any[] | undefined | null): CRDTablePrinter {
  const defs: ColumnDefinition[] = [
    { name: 'Name', type: 'string', format: 'name', description: OBJECT_META_NAME_DESCRIPTION, priority: 0 },
  ];
  const paths: JSONPath[] = [];
  let error: string | undefined;
  for (const col of serveDefaultColumnsIfEmpty(columns as CRDColumn[])) {
    const jsonPath = String(col?.jsonPath ?? '');
    let path: JSONPath;
    try {
      path = parseJSONPath(`{${jsonPath}}`, String(col?.name ?? '')).allowMissingKeys(true);
    } catch {
      error = `unrecognized column definition ${JSON.stringify(jsonPath)}`;
      break;
    }
    paths.push(path);
    defs.push({
      name: String(col?.name ?? ''),
      type: String(col?.type ?? '') as ColumnDefinition['type'],
      format: String(col?.format ?? ''),
      description: col?.description ? String(col.description) : `Custom resource definition column (in JSONPath format): ${jsonPath}`,
      priority: Number.isFinite(Number(col?.priority)) ? Number(col?.priority) : 0,
    });
  }
  const types = defs.slice(1).map((d) => d.type as string);
  const printer: CRDTablePrinter = {
    columns: defs,
    row(obj: KObject, now: number): unknown[] {
      const cells: unknown[] = [typeof obj?.metadata?.name === 'string' ? obj.metadata.name : ''];
      for (let i = 0; i < paths.length; i++) {
        let results: unknown[][];
        try {
          results = paths[i].findResults(obj);
        } catch {
          cells.push(null);
          continue;
        }
        if (results.length === 0 || results[0].length === 0) {
          cells.push(null);
          continue;
        }
        // only the first value of the first result counts
        const value = results[0][0];
        if (types[i] === 'string') cells.push(printResult(value, '<no value>'));
        else cells.push(cellForJSONValue(types[i], value, now));
      }
      return cells;
    },
  };
  if (error) printer.error = error;
  return printer;
}
