// CRD printer columns: the Table cells upstream's tableconvertor computes
// (apiextensions-apiserver pkg/registry/customresource/tableconvertor/tableconvertor_test.go)
// and what kubectl then prints (cli-runtime pkg/printers/tableprinter.go printTable).
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION,
  OBJECT_META_NAME_DESCRIPTION,
  cellForJSONValue,
  columnPathError,
  dateCell,
  tableConvertorFor,
  validateSimpleJSONPath,
} from '../../src/apiextensions/tableconvertor.js';
import { toTable } from '../../src/server/table.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

/** kubectl's table output: upper-case headers, priority>0 only with -o wide, nil cells blank, tabwriter padding 3, min width 6. */
function kubectlPrint(table: any, wide = false): string {
  const keep = table.columnDefinitions.map((c: any) => wide || c.priority === 0);
  const rows: string[][] = [table.columnDefinitions.filter((_: any, i: number) => keep[i]).map((c: any) => c.name.toUpperCase())];
  for (const r of table.rows) rows.push(r.cells.filter((_: unknown, i: number) => keep[i]).map((c: unknown) => (c === null ? '' : String(c))));
  const widths = rows[0].map((_, i) => Math.max(6, ...rows.map((r) => r[i].length + 3)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('')).join('\n') + '\n';
}

const crontab = {
  apiVersion: 'stable.example.com/v1',
  kind: 'CronTab',
  metadata: { name: 'my-new-cron-object', creationTimestamp: '2026-12-01T11:55:00Z' },
  spec: { cronSpec: '* * * * */5', image: 'my-awesome-cron-image', replicas: 3 },
};

const cronColumns = [
  { name: 'Spec', type: 'string', description: 'The cron spec defining the interval a CronJob is run', jsonPath: '.spec.cronSpec' },
  { name: 'Replicas', type: 'integer', description: 'The number of jobs launched by the CronJob', jsonPath: '.spec.replicas' },
  { name: 'Image', type: 'string', priority: 1, jsonPath: '.spec.image' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

describe('tableConvertorFor: column definitions', () => {
  it('Name first, then the CRD columns with type, format, priority and a default description', () => {
    const p = tableConvertorFor(cronColumns);
    expect(p.error).toBeUndefined();
    expect(p.columns).toEqual([
      { name: 'Name', type: 'string', format: 'name', description: OBJECT_META_NAME_DESCRIPTION, priority: 0 },
      { name: 'Spec', type: 'string', format: '', description: 'The cron spec defining the interval a CronJob is run', priority: 0 },
      { name: 'Replicas', type: 'integer', format: '', description: 'The number of jobs launched by the CronJob', priority: 0 },
      { name: 'Image', type: 'string', format: '', description: 'Custom resource definition column (in JSONPath format): .spec.image', priority: 1 },
      { name: 'Age', type: 'date', format: '', description: 'Custom resource definition column (in JSONPath format): .metadata.creationTimestamp', priority: 0 },
    ]);
  });

  it('a version without columns is served Name and Age (serveDefaultColumnsIfEmpty)', () => {
    for (const cols of [undefined, null, []]) {
      const p = tableConvertorFor(cols);
      expect(p.columns.map((c) => [c.name, c.type, c.description])).toEqual([
        ['Name', 'string', OBJECT_META_NAME_DESCRIPTION],
        ['Age', 'date', OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION],
      ]);
      expect(p.row(crontab, NOW)).toEqual(['my-new-cron-object', '5m']);
    }
  });

  it('a path that does not parse stops the columns there, with upstream error', () => {
    const p = tableConvertorFor([
      { name: 'Ok', type: 'string', jsonPath: '.spec.image' },
      { name: 'Bad', type: 'string', jsonPath: '.spec[' },
      { name: 'After', type: 'string', jsonPath: '.spec.image' },
    ]);
    expect(p.error).toBe('unrecognized column definition ".spec["');
    expect(p.columns.map((c) => c.name)).toEqual(['Name', 'Ok']);
    expect(p.row(crontab, NOW)).toEqual(['my-new-cron-object', 'my-awesome-cron-image']);
    expect(columnPathError('.spec[')).toBe('unrecognized column definition ".spec["');
    expect(columnPathError('.spec.replicas')).toBeUndefined();
  });

  it('malformed column entries do not throw', () => {
    const p = tableConvertorFor([null, { name: 'X', type: 'string' }, 5] as any);
    expect(p.columns.map((c) => c.name)).toEqual(['Name', '', 'X', '']);
    expect(p.row({ metadata: { name: 'a' } }, NOW)[0]).toBe('a');
    expect(tableConvertorFor(cronColumns).row({} as any, NOW)).toEqual(['', null, null, null, null]);
  });

  it('CRD validation only checks a simple path starting with a dot', () => {
    expect(validateSimpleJSONPath('')).toBe('must not be empty');
    expect(validateSimpleJSONPath('spec.replicas')).toBe('must be a simple json path starting with .');
    expect(validateSimpleJSONPath('.spec.replicas')).toBeUndefined();
    expect(validateSimpleJSONPath('.')).toBeUndefined();
  });
});

describe('tableConvertorFor: cells', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('cells of the CronTab example and what kubectl prints (wide shows priority 1)', () => {
    const p = tableConvertorFor(cronColumns);
    expect(p.row(crontab, NOW)).toEqual(['my-new-cron-object', '* * * * */5', 3, 'my-awesome-cron-image', '5m']);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const table = toTable({ table: p } as any, [crontab], { include: 'None' });
    expect(kubectlPrint(table)).toBe(
      'NAME                 SPEC          REPLICAS   AGE\n' + 'my-new-cron-object   * * * * */5   3          5m\n',
    );
    expect(kubectlPrint(table, true)).toBe(
      'NAME                 SPEC          REPLICAS   IMAGE                   AGE\n' +
        'my-new-cron-object   * * * * */5   3          my-awesome-cron-image   5m\n',
    );
  });

  it('a path that finds nothing, or fails to evaluate, gives a nil cell', () => {
    const p = tableConvertorFor([
      { name: 'Missing', type: 'string', jsonPath: '.spec.nothing' },
      { name: 'Index', type: 'integer', jsonPath: '.spec.list[5]' },
      { name: 'NotArray', type: 'string', jsonPath: '.spec.image[0]' },
      { name: 'Ident', type: 'string', jsonPath: 'spec.image' },
    ]);
    expect(p.row({ ...crontab, spec: { ...crontab.spec, list: [1] } }, NOW)).toEqual(['my-new-cron-object', null, null, null, null]);
    const table = toTable({ table: p } as any, [crontab], { include: 'None' });
    expect(kubectlPrint(table)).toBe('NAME                 MISSING   INDEX   NOTARRAY   IDENT\nmy-new-cron-object                                \n');
  });

  it('string columns print any value: numbers, bools, maps and lists as JSON, null as <no value>; first result only', () => {
    const p = tableConvertorFor([
      { name: 'Int', type: 'string', jsonPath: '.spec.replicas' },
      { name: 'Float', type: 'string', jsonPath: '.spec.ratio' },
      { name: 'Bool', type: 'string', jsonPath: '.spec.on' },
      { name: 'Map', type: 'string', jsonPath: '.spec.sel' },
      { name: 'List', type: 'string', jsonPath: '.spec.ports' },
      { name: 'Null', type: 'string', jsonPath: '.spec.gone' },
      { name: 'All', type: 'string', jsonPath: '.spec.ports[*].port' },
      { name: 'Filter', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    ]);
    const obj = {
      metadata: { name: 'x' },
      spec: { replicas: 3, ratio: 0.25, on: true, sel: { b: '2', a: '<1>' }, ports: [{ port: 80 }, { port: 443 }], gone: null },
      status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }] },
    };
    expect(p.row(obj, NOW)).toEqual(['x', '3', '0.25', 'true', '{"a":"\\u003c1\\u003e","b":"2"}', '[{"port":80},{"port":443}]', '<no value>', '80', 'True']);
  });

  it('integer, number, boolean columns keep JSON values of their type; others give nil', () => {
    expect(cellForJSONValue('integer', 3, NOW)).toBe(3);
    expect(cellForJSONValue('integer', 3.9, NOW)).toBe(3);
    expect(cellForJSONValue('integer', -3.9, NOW)).toBe(-3);
    expect(cellForJSONValue('integer', '3', NOW)).toBeNull();
    expect(cellForJSONValue('number', 2, NOW)).toBe(2);
    expect(cellForJSONValue('number', 2.5, NOW)).toBe(2.5);
    expect(cellForJSONValue('number', '2.5', NOW)).toBeNull();
    expect(cellForJSONValue('boolean', false, NOW)).toBe(false);
    expect(cellForJSONValue('boolean', 'true', NOW)).toBeNull();
    expect(cellForJSONValue('date', 5, NOW)).toBeNull();
    expect(cellForJSONValue('integer', null, NOW)).toBeNull();
    expect(cellForJSONValue('object', { a: 1 }, NOW)).toBeNull();
  });

  it('date columns: human-readable age as metav1.Time is converted (duration.HumanDuration)', () => {
    expect(dateCell('2026-12-01T11:59:30Z', NOW)).toBe('30s');
    expect(dateCell('2026-12-01T11:53:20Z', NOW)).toBe('6m40s');
    expect(dateCell('2026-12-01T09:00:00Z', NOW)).toBe('3h');
    expect(dateCell('2026-11-28T12:00:00Z', NOW)).toBe('3d');
    expect(dateCell('2026-12-01T13:00:00+01:00', NOW)).toBe('0s');
    expect(dateCell('2026-12-01T11:59:59.900Z', NOW)).toBe('0s');
    expect(dateCell('2026-12-01T12:01:00Z', NOW)).toBe('<invalid>'); // in the future
    expect(dateCell('yesterday', NOW)).toBe('<invalid>');
    expect(dateCell('2026-02-30T00:00:00Z', NOW)).toBe('<invalid>');
    expect(dateCell('2026-12-01 11:59:30Z', NOW)).toBe('<invalid>');
    expect(dateCell('', NOW)).toBe('<unknown>');
    expect(dateCell('0001-01-01T00:00:00Z', NOW)).toBe('<unknown>');
  });

  it('parses each path once: rows of many objects reuse the printer', () => {
    const p = tableConvertorFor(cronColumns);
    const objs = Array.from({ length: 2000 }, (_, i) => ({ ...crontab, metadata: { ...crontab.metadata, name: `c${i}` } }));
    const t0 = performance.now();
    const rows = objs.map((o) => p.row(o, NOW));
    const ms = performance.now() - t0;
    expect(rows[1999]).toEqual(['c1999', '* * * * */5', 3, 'my-awesome-cron-image', '5m']);
    expect(ms).toBeLessThan(1000);
  });
});
