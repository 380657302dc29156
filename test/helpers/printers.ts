// Each kind's Table printer, by qualified resource (`pods`, `statefulsets.apps`), as the kinds
// define them (all columns: no emulated-version filtering).
import { allResources } from '../../src/resources/index.js';
import { qualifiedResource, type TablePrinter } from '../../src/resources/types.js';

export const printers: Record<string, TablePrinter> = Object.fromEntries(allResources(999).map((d) => [qualifiedResource(d), d.table!]));
