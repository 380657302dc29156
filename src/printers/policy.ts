// PodDisruptionBudgets (pkg/printers/internalversion/printers.go printPodDisruptionBudget).
import type { TablePrinter } from '../resources/types.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from './format.js';

/** IntOrString.String(), `N/A` when unset. */
const intOrString = (v: unknown): string => (typeof v === 'number' || typeof v === 'string' ? String(v) : 'N/A');

export const podDisruptionBudgetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Min Available', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
    AGE_COLUMN,
  ],
  row(pdb, now) {
    const spec = pdb.spec ?? {};
    const allowed = typeof pdb.status?.disruptionsAllowed === 'number' ? pdb.status.disruptionsAllowed : 0;
    return [pdb.metadata?.name ?? '', intOrString(spec.minAvailable), intOrString(spec.maxUnavailable), allowed, age(pdb, now)];
  },
};
