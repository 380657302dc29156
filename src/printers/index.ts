// Server-side Table printers keyed by qualified resource (`pods`, `statefulsets.apps`, ...).
// Upstream registers the same handlers for every storage (pkg/printers/internalversion AddHandlers);
// kinds without a handler use the default Name / Created At table.
import type { TablePrinter } from '../resources/types.js';
import { controllerRevisionPrinter, statefulSetPrinter } from './apps.js';
import {
  configMapPrinter,
  defaultPrinter,
  leasePrinter,
  namespacePrinter,
  nodePrinter,
  resourceQuotaPrinter,
  secretPrinter,
  serviceAccountPrinter,
} from './core.js';
import { eventPrinter, eventsV1Printer } from './events.js';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from './network.js';
import { podPrinter } from './pods.js';
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from './storage.js';

export const printers: Record<string, TablePrinter> = {
  pods: podPrinter,
  services: servicePrinter,
  endpoints: endpointsPrinter,
  namespaces: namespacePrinter,
  nodes: nodePrinter,
  persistentvolumes: persistentVolumePrinter,
  persistentvolumeclaims: persistentVolumeClaimPrinter,
  events: eventPrinter,
  'events.events.k8s.io': eventsV1Printer,
  resourcequotas: resourceQuotaPrinter,
  // upstream has no LimitRange handler: it answers the default Name / Created At table
  limitranges: defaultPrinter,
  configmaps: configMapPrinter,
  secrets: secretPrinter,
  serviceaccounts: serviceAccountPrinter,
  'statefulsets.apps': statefulSetPrinter,
  'controllerrevisions.apps': controllerRevisionPrinter,
  'endpointslices.discovery.k8s.io': endpointSlicePrinter,
  'storageclasses.storage.k8s.io': storageClassPrinter,
  'leases.coordination.k8s.io': leasePrinter,
};

/** The printer for a qualified resource, or the default one. */
export function printerFor(qualifiedResource: string): TablePrinter {
  return printers[qualifiedResource] ?? defaultPrinter;
}

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
