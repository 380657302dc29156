// Server-side Table printing helpers. Each kind names its printer in its definition (`table:`,
// upstream's pkg/printers/internalversion AddHandlers); kinds without one use the default
// Name / Created At table.
import type { TablePrinter } from '../resources/types.js';
import { defaultPrinter } from './core.js';

export { defaultPrinter };
export {
  accessModesString,
  age,
  formatLabels,
  formatQuantity,
  humanDuration,
  joinHostPort,
  parseTime,
  rfc3339,
  shortHumanDuration,
  translateTimestampSince,
} from './format.js';
export { summarizePod } from './pods.js';

/** The printer as an emulated minor version shows it: columns newer than that version dropped. */
export function printerForVersion(printer: TablePrinter, minor: number): TablePrinter {
  if (printer.forMinor) printer = printer.forMinor(minor);
  const since = printer.columnsSince;
  if (!since) return printer;
  const keep = printer.columns.map((c) => (since[c.name] ?? 0) <= minor);
  if (keep.every(Boolean)) return printer;
  return {
    columns: printer.columns.filter((_, i) => keep[i]),
    row: (obj, now) => printer.row(obj, now).filter((_, i) => keep[i]),
    conditions: printer.conditions,
  };
}
